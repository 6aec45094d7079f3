"""Under load, script calls share pipelines on one connection; each caller still gets its own
answer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError, ResponseError

from saleor_app.store.batching import MAX_BATCH, BatchedScript
from saleor_app.store.packing import hiredis_packing

ECHO = """
if ARGV[1] == 'fail' then return redis.error_reply('refused ' .. ARGV[2]) end
redis.call('INCR', KEYS[1])
return {ARGV[1], ARGV[2]}
"""


def with_script(
    url: str, act: Callable[[Redis, BatchedScript], Awaitable[Any]], load: bool = True
) -> Any:
    async def run() -> Any:
        client = hiredis_packing(Redis.from_url(url, decode_responses=True))
        try:
            if load:
                await client.script_load(ECHO)
            return await act(client, BatchedScript(client, client.register_script(ECHO)))
        finally:
            await client.aclose()

    return asyncio.run(run())


def test_a_call_made_when_idle_goes_at_once_on_its_own(clean_redis: str) -> None:
    async def act(client: Redis, batched: BatchedScript) -> Any:
        first = await batched(keys=["{t}:count"], args=["ok", "1"])
        second = await batched(keys=["{t}:count"], args=["ok", "2"])
        return [first, second], batched.round_trips

    assert with_script(clean_redis, act) == ([["ok", "1"], ["ok", "2"]], 2)


def test_calls_made_together_share_one_pipeline(clean_redis: str) -> None:
    async def act(client: Redis, batched: BatchedScript) -> Any:
        answers = await asyncio.gather(
            *(batched(keys=["{t}:count"], args=["ok", str(i)]) for i in range(40))
        )
        return answers, batched.round_trips, await client.get("{t}:count")

    answers, round_trips, count = with_script(clean_redis, act)
    assert answers == [["ok", str(i)] for i in range(40)]
    assert (round_trips, count) == (1, "40"), "40 calls in one pipeline, each run once"


def test_calls_made_while_one_is_in_flight_go_together_when_it_returns(clean_redis: str) -> None:
    async def act(client: Redis, batched: BatchedScript) -> Any:
        first = asyncio.ensure_future(batched(keys=["{t}:count"], args=["ok", "first"]))
        await asyncio.sleep(0.001)
        later = [batched(keys=["{t}:count"], args=["ok", str(i)]) for i in range(10)]
        answers = await asyncio.gather(first, *later)
        return answers, batched.round_trips

    answers, round_trips = with_script(clean_redis, act)
    assert answers == [["ok", "first"]] + [["ok", str(i)] for i in range(10)]
    assert round_trips == 2, "the first on its own, the ten queued behind it together"


def test_a_burst_beyond_the_limit_is_split_into_several_pipelines(clean_redis: str) -> None:
    async def act(client: Redis, batched: BatchedScript) -> Any:
        calls = MAX_BATCH * 2 + 1
        answers = await asyncio.gather(
            *(batched(keys=["{t}:count"], args=["ok", str(i)]) for i in range(calls))
        )
        return len(answers), batched.round_trips, await client.get("{t}:count")

    calls = MAX_BATCH * 2 + 1
    assert with_script(clean_redis, act) == (calls, 3, str(calls)), "2 full pipelines, then 1"


def test_a_failing_script_fails_only_its_own_caller(clean_redis: str) -> None:
    async def act(client: Redis, batched: BatchedScript) -> Any:
        return await asyncio.gather(
            batched(keys=["{t}:count"], args=["ok", "1"]),
            batched(keys=["{t}:count"], args=["fail", "2"]),
            batched(keys=["{t}:count"], args=["ok", "3"]),
            return_exceptions=True,
        )

    first, failed, third = with_script(clean_redis, act)
    assert (first, third) == (["ok", "1"], ["ok", "3"])
    assert isinstance(failed, ResponseError) and "refused 2" in str(failed)


def test_scripts_flushed_from_the_store_are_loaded_again(clean_redis: str) -> None:
    async def act(client: Redis, batched: BatchedScript) -> Any:
        await batched(keys=["{t}:count"], args=["ok", "0"])
        await client.script_flush()
        return await asyncio.gather(
            *(batched(keys=["{t}:count"], args=["ok", str(i)]) for i in range(5))
        )

    assert with_script(clean_redis, act) == [["ok", str(i)] for i in range(5)]


def test_a_script_the_store_never_saw_is_loaded_on_first_use(clean_redis: str) -> None:
    async def act(client: Redis, batched: BatchedScript) -> Any:
        return await batched(keys=["{t}:count"], args=["ok", "1"]), await client.get("{t}:count")

    assert with_script(clean_redis, act, load=False) == (["ok", "1"], "1")


def test_a_connection_the_store_closed_while_idle_is_replaced_unnoticed(clean_redis: str) -> None:
    async def act(client: Redis, batched: BatchedScript) -> Any:
        await batched(keys=["{t}:count"], args=["ok", "1"])
        killed = await client.execute_command("CLIENT KILL", "TYPE", "normal", "SKIPME", "yes")
        return killed, await batched(keys=["{t}:count"], args=["ok", "2"])

    killed, answer = with_script(clean_redis, act)
    assert killed >= 1 and answer == ["ok", "2"]


def test_closing_the_client_closes_the_lane_connection(clean_redis: str) -> None:
    async def run() -> Any:
        client = hiredis_packing(Redis.from_url(clean_redis, decode_responses=True))
        watcher = Redis.from_url(clean_redis, decode_responses=True)
        try:
            await BatchedScript(client, client.register_script(ECHO))(
                keys=["{t}:count"], args=["ok", "1"])
            open_before = len(await watcher.client_list())
            await client.aclose()
            await asyncio.sleep(0.05)
            return open_before - len(await watcher.client_list())
        finally:
            await watcher.aclose()

    assert asyncio.run(run()) >= 1, "the lane's connection went with its client"


def test_every_caller_of_a_pipeline_that_cannot_reach_the_store_gets_the_error() -> None:
    async def act(client: Redis, batched: BatchedScript) -> Any:
        return await asyncio.gather(
            *(batched(keys=["{t}:count"], args=["ok", str(i)]) for i in range(3)),
            return_exceptions=True,
        )

    closed_port = "redis://127.0.0.1:1/0"
    answers = with_script(closed_port, act, load=False)
    assert len(answers) == 3 and all(isinstance(a, ConnectionError) for a in answers)


@pytest.mark.parametrize("others", [0, 2])
def test_a_caller_that_gives_up_while_queued_breaks_nothing(clean_redis: str, others: int) -> None:
    async def act(client: Redis, batched: BatchedScript) -> Any:
        in_flight = asyncio.ensure_future(batched(keys=["{t}:count"], args=["ok", "first"]))
        await asyncio.sleep(0)
        queued = [
            asyncio.ensure_future(batched(keys=["{t}:count"], args=["ok", str(i)]))
            for i in range(others + 1)
        ]
        await asyncio.sleep(0)
        queued[0].cancel()
        answers = await asyncio.gather(in_flight, *queued[1:])
        for _ in range(200):
            count = await client.get("{t}:count")
            if count == str(others + 2):
                break
            await asyncio.sleep(0.01)
        return queued[0].cancelled(), answers, count

    cancelled, answers, count = with_script(clean_redis, act)
    assert cancelled and answers == [["ok", "first"]] + [["ok", str(i)] for i in range(1, others + 1)]
    assert count == str(others + 2), "the queued call was sent all the same, once"
