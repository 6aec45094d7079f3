"""Coroutines that run beside a block of code and are cancelled when it ends."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from typing import Any


@contextlib.asynccontextmanager
async def in_background(*coroutines: Coroutine[Any, Any, object]) -> AsyncIterator[None]:
    """Run each coroutine as a task while the block runs; cancel and await them after it."""
    tasks = [asyncio.create_task(coroutine) for coroutine in coroutines]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
