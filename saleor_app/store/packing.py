"""Commands packed by hiredis's C serializer, as redis-py's own sync client does.

redis-py's asyncio connection packs every argument in Python (about 1.6 µs each); the inbound
SMS script sends some thirty, so its packing alone cost more than the rest of the call.
"""

from __future__ import annotations

from typing import Any

import hiredis
from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import DataError

_PACKED: dict[type[AbstractConnection], type[AbstractConnection]] = {}


def hiredis_packing(client: Redis) -> Redis:
    """`client`, its pool now opening connections that pack commands with hiredis."""
    pool = client.connection_pool
    pool.connection_class = _packed_class(pool.connection_class)
    return client


def _packed_class(base: type[AbstractConnection]) -> type[AbstractConnection]:
    if base not in _PACKED:
        _PACKED[base] = type(f"HiredisPacked{base.__name__}", (base,), {"pack_command": _pack})
    return _PACKED[base]


def _pack(self: AbstractConnection, *args: Any) -> list[bytes]:
    """The RESP encoding of one command, byte for byte what redis-py's own packer gives
    (hiredis refuses bool and None with TypeError, as redis-py does with DataError)."""
    name = args[0]
    if isinstance(name, str):
        args = tuple(name.encode().split()) + args[1:]
    elif b" " in name:
        args = tuple(name.split()) + args[1:]
    try:
        return [hiredis.pack_command(args)]
    except TypeError as exc:
        raise DataError(str(exc)) from exc
