"""Script calls made together share one pipeline, and each caller still gets its own answer."""

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


def with_script(url: str, act: Callable[[Redis, BatchedScript], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        client = hiredis_packing(Redis.from_url(url, decode_responses=True))
        try:
            return await act(client, BatchedScript(client, client.register_script(ECHO)))
        finally:
            await client.aclose()

    return asyncio.run(run())


def test_calls_made_together_share_one_pipeline_and_keep_their_own_answers(
    clean_redis: str,
) -> None:
    async def act(client: Redis, batched: BatchedScript) -> Any:
        answers = await asyncio.gather(
            *(batched(keys=["{t}:count"], args=["ok", str(i)]) for i in range(40))
        )
        return answers, batched.pipelines_sent, await client.get("{t}:count")

    answers, pipelines, count = with_script(clean_redis, act)
    assert answers == [["ok", str(i)] for i in range(40)]
    assert (pipelines, count) == (1, "40"), "one pipeline, and every script ran once"


def test_a_burst_beyond_the_limit_is_split_into_several_pipelines(clean_redis: str) -> None:
    async def act(client: Redis, batched: BatchedScript) -> Any:
        calls = MAX_BATCH * 2 + 1
        answers = await asyncio.gather(
            *(batched(keys=["{t}:count"], args=["ok", str(i)]) for i in range(calls))
        )
        return len(answers), batched.pipelines_sent, await client.get("{t}:count")

    assert with_script(clean_redis, act) == (MAX_BATCH * 2 + 1, 3, str(MAX_BATCH * 2 + 1))


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


def test_every_caller_of_a_pipeline_that_cannot_reach_the_store_gets_the_error() -> None:
    async def act(client: Redis, batched: BatchedScript) -> Any:
        return await asyncio.gather(
            *(batched(keys=["{t}:count"], args=["ok", str(i)]) for i in range(3)),
            return_exceptions=True,
        )

    closed_port = "redis://127.0.0.1:1/0"
    answers = with_script(closed_port, act)
    assert len(answers) == 3 and all(isinstance(a, ConnectionError) for a in answers)


@pytest.mark.parametrize("others", [0, 2])
def test_a_caller_that_gives_up_while_queued_breaks_nothing(clean_redis: str, others: int) -> None:
    async def act(client: Redis, batched: BatchedScript) -> Any:
        tasks = [
            asyncio.ensure_future(batched(keys=["{t}:count"], args=["ok", str(i)]))
            for i in range(others + 1)
        ]
        await asyncio.sleep(0)
        tasks[0].cancel()
        answers = await asyncio.gather(*tasks[1:])
        for _ in range(200):
            count = await client.get("{t}:count")
            if count == str(others + 1):
                break
            await asyncio.sleep(0.01)
        return tasks[0].cancelled(), answers, count

    cancelled, answers, count = with_script(clean_redis, act)
    assert cancelled and answers == [["ok", str(i)] for i in range(1, others + 1)]
    assert count == str(others + 1), "the queued call was sent all the same, once"
