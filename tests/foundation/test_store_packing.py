"""The store client packs commands with hiredis, byte for byte as redis-py would."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from redis.asyncio.connection import Connection
from redis.exceptions import DataError

from saleor_app.store.packing import hiredis_packing

VALUES = ["é☃ text", b"\x00\xff raw", 0, -5, 2**70, 0.1, 1e-20, 1 / 3, float("inf"), ""]


def packers() -> tuple[Connection, Connection]:
    plain = Connection()
    packed = hiredis_packing(Redis()).connection_pool.make_connection()
    assert isinstance(packed, Connection)
    return plain, packed


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_every_argument_type_packs_as_redis_py_packs_it(value: object) -> None:
    plain, packed = packers()
    for command in (("SET", "key", value), ("EVALSHA", "f" * 40, 1, "key", value, value)):
        assert b"".join(packed.pack_command(*command)) == b"".join(plain.pack_command(*command))


def test_command_names_with_spaces_are_split_as_redis_py_splits_them() -> None:
    plain, packed = packers()
    for name in ("CONFIG GET", b"CLIENT SETNAME"):
        assert b"".join(packed.pack_command(name, "x")) == b"".join(plain.pack_command(name, "x"))


@pytest.mark.parametrize("value", [True, None, object()], ids=repr)
def test_unencodable_arguments_are_refused_like_redis_py_refuses_them(value: object) -> None:
    plain, packed = packers()
    for connection in (plain, packed):
        with pytest.raises(DataError):
            connection.pack_command("SET", "key", value)


def test_values_round_trip_through_the_real_store(clean_redis: str) -> None:
    async def round_trip() -> list[str | None]:
        client = hiredis_packing(Redis.from_url(clean_redis, decode_responses=True))
        try:
            await client.set("packed:text", "é☃ text")
            await client.set("packed:float", 0.1)
            return [await client.get("packed:text"), await client.get("packed:float")]
        finally:
            await client.aclose()

    assert asyncio.run(round_trip()) == ["é☃ text", "0.1"]
