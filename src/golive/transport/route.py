"""A raw route: how a target that speaks plain HTTP lets the load engine send its requests
itself, with only timestamps taken while reading (``targets.base.RawStreaming``).

The target says how a request is encoded, where it goes and how its reply is decoded; the
route sends it over the kernel-stamped client where the endpoint allows (``transport.stamped``)
and over the target's aiohttp session otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from golive.schemas import Request
from golive.transport.exchange import EndCheck, Exchange, StreamDecoder, read_stream
from golive.transport.stamped import StampedPool

__all__ = ["RawRoute"]


@dataclass(frozen=True, slots=True)
class RawRoute:
    """Everything needed to send a target's request and judge its reply, without the target.

    ``encode`` turns a request into the body; ``decoder`` makes a fresh decoder for one reply;
    ``stamped`` is the kernel-stamped pool when the endpoint allows one, else None (aiohttp).
    """

    encode: Callable[[Request], bytes]
    decoder: Callable[[], StreamDecoder]
    session: aiohttp.ClientSession
    url: str
    headers: dict[str, str]
    stamped: StampedPool | None = None
    method: str = "POST"
    content_type: str | None = "text/event-stream"  # what a 2xx reply must be; None: anything
    ends: EndCheck | None = None  # whether the reads so far end the content

    async def send(self, body: bytes, ex: Exchange, max_bytes: int) -> None:
        """Send ``body`` and read the raw reply into ``ex``. Raises nothing but cancellation
        (the caller's deadline); every failure is recorded in ``ex``."""
        if self.stamped is not None:
            await self.stamped.stream(body, ex, max_bytes)
            return
        await read_stream(
            self.session,
            self.url,
            self.headers,
            body,
            ex,
            max_bytes,
            method=self.method,
            content_type=self.content_type,
            ends=self.ends,
        )
