"""Callables the python-target tests point ``target.callable`` at."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

LOOP_THREADS: list[int] = []


def shout(text: str) -> str:
    LOOP_THREADS.append(threading.get_ident())
    return text.upper()


async def echo_async(text: str) -> str:
    await asyncio.sleep(0)
    return f"async:{text}"


async def stream_async(text: str) -> AsyncIterator[str]:
    for word in text.split():
        yield word + " "


def stream_sync(text: str) -> Iterator[str]:
    yield from (c for c in text)


def roles(messages: list[dict[str, str]]) -> str:
    return ",".join(m["role"] for m in messages)


def broken(text: str) -> str:
    raise ValueError("database is down")


async def broken_midway(text: str) -> AsyncIterator[str]:
    yield "start "
    raise RuntimeError("lost the plot")


def returns_int(text: str) -> int:
    return 42


def forever(text: str) -> Iterator[str]:
    while True:
        yield "y" * 10


RELEASE = threading.Event()


def hang(text: str) -> str:
    RELEASE.wait()  # blocks its thread until the test lets go
    return "too late"


def hang_forever(text: str) -> str:
    threading.Event().wait()
    return "never"


def exits(text: str) -> str:
    raise SystemExit(3)


NOT_CALLABLE = "just a string"
