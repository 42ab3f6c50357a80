"""HTTP/1.1 framing in the kernel-stamped client (httptools): a reply split at any byte is
read the same, a bad frame is ``protocol_error`` at once, and a connection is reused only
after a reply that ended cleanly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio

from golive.schemas import FailureMode
from golive.transport.exchange import Exchange, decode
from golive.transport.openai import OpenAIStreamDecoder, ends_with_done
from golive.transport.stamped import StampedPool, stamped_supported

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not stamped_supported("http://127.0.0.1/"), reason="Linux only"),
]

BODY = (
    b'data: {"choices":[{"delta":{"content":"he"}}]}\n\n'
    b'data: {"choices":[{"delta":{"content":"llo"},"finish_reason":"stop"}]}\n\n'
    b"data: [DONE]\n\n"
)
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"


def chunked(body: bytes, size: int) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


class Scripted:
    """A raw server: each request gets ``reply``, written in pieces of ``step`` bytes."""

    def __init__(self) -> None:
        self.reply = b""
        self.step = 1 << 20
        self.close = False  # close the connection after the reply
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        await reader.readexactly(int(line.split(b":", 1)[1]))
                for i in range(0, len(self.reply), self.step):
                    writer.write(self.reply[i : i + self.step])
                    await writer.drain()
                if self.close:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest_asyncio.fixture
async def scripted() -> AsyncIterator[tuple[Scripted, str]]:
    script = Scripted()
    server = await asyncio.start_server(script.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield script, f"http://127.0.0.1:{port}/v1/chat/completions"
    finally:
        server.close()


async def exchange(pool: StampedPool) -> Exchange:
    ex = Exchange()
    async with asyncio.timeout(10):  # far above any outcome here: a hang fails the test
        await pool.stream(b"{}", ex, 100_000)
    decode(ex, OpenAIStreamDecoder())
    return ex


FRAMINGS: dict[str, Callable[[bytes], bytes]] = {
    "content-length": lambda b: b"Content-Length: %d\r\n\r\n%s" % (len(b), b),
    "chunked, 7-byte chunks": lambda b: b"Transfer-Encoding: chunked\r\n\r\n" + chunked(b, 7),
    "chunked, one chunk": lambda b: b"Transfer-Encoding: chunked\r\n\r\n" + chunked(b, 4096),
}


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("step", [1, 5, 1 << 20])
async def test_any_framing_split_anywhere_reads_the_same(
    scripted: tuple[Scripted, str], framing: str, step: int
) -> None:
    script, url = scripted
    script.reply, script.step = HEAD + FRAMINGS[framing](BODY), step
    pool = StampedPool(url, {}, 2, ends=ends_with_done)
    try:
        for _ in range(2):
            ex = await exchange(pool)
            assert (ex.error, ex.text, ex.finish) == (None, "hello", "stop")
    finally:
        pool.close()
    assert script.connections == 1  # both replies ended cleanly: one kept-alive connection


async def test_a_body_read_to_the_close_ends_normally(scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    script.reply = HEAD + b"Connection: close\r\n\r\n" + BODY[:-14]  # no [DONE]: closed instead
    script.close = True
    pool = StampedPool(url, {}, 2, ends=ends_with_done)
    try:
        ex = await exchange(pool)
    finally:
        pool.close()
    assert (ex.error, ex.text, ex.finish) == (None, "hello", "stop")


@pytest.mark.parametrize(
    ("reply", "needle"),
    [
        (HEAD + b"Content-Length: abc\r\n\r\n" + BODY, "Content-Length"),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n" + BODY, "chunk size"),
        (b"HTPT/1.1 200 OK\r\n\r\n", "malformed HTTP reply"),
        (HEAD + b"X-Pad: " + b"x" * 70_000, "headers too large"),  # and no end in sight
    ],
)
async def test_a_bad_frame_is_a_protocol_error_at_once(
    scripted: tuple[Scripted, str], reply: bytes, needle: str
) -> None:
    script, url = scripted
    script.reply = reply  # and the connection stays open: only the client can end this
    pool = StampedPool(url, {}, 2, ends=ends_with_done)
    try:
        ex = await exchange(pool)
    finally:
        pool.close()
    assert ex.error is FailureMode.PROTOCOL_ERROR, ex.message
    assert needle in ex.message


async def test_an_error_status_is_classified_with_its_body(
    scripted: tuple[Scripted, str],
) -> None:
    script, url = scripted
    body = b'{"error": "slow down"}'
    script.reply = (
        b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunked(body, 5)
    )
    pool = StampedPool(url, {}, 2, ends=ends_with_done)
    try:
        ex = await exchange(pool)
    finally:
        pool.close()
    assert ex.error is FailureMode.RATE_LIMITED and ex.status == 429
    assert ex.message == 'HTTP 429 Too Many Requests (Retry-After: 3): {"error": "slow down"}'
