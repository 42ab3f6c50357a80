"""The HTTP/1.1 client whose read times come from the kernel, not the event loop.

With ``SO_TIMESTAMPNS`` set, Linux stamps each TCP segment as it arrives and ``recvmsg``
returns the stamp of the newest segment it read. A read's time is then when its bytes reached
this machine, not when a busy event loop got round to them: 256 streams finishing together,
or any other work on the client's core, no longer inflate TTFT or ITL. Segments that wait
in the socket are merged by the kernel and take the newest one's stamp, so a stamp can be
late by the time the loop fell behind, never early.

Plain ``http://`` on Linux only (a TLS layer would hide the socket); everywhere else golive
uses aiohttp (``transport.exchange.read_stream``). The reply's HTTP/1.1 framing (status line,
headers, Content-Length, chunked) is parsed by ``httptools`` (llhttp, the parser behind
aiohttp and uvicorn); failures are classified by ``transport.http``, like aiohttp's.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import Protocol
from urllib.parse import urlsplit

import httptools

from golive.errors import TargetFailure
from golive.schemas import FailureMode
from golive.transport.exchange import EndCheck, Exchange
from golive.transport.http import ERROR_BODY_BYTES, framing_failure, status_failure_for

__all__ = ["DelaySink", "StampedPool", "stamped_reads", "stamped_supported"]

_SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
_TIMESPEC = struct.Struct("@qq")
_ANCILLARY = socket.CMSG_SPACE(_TIMESPEC.size) if hasattr(socket, "CMSG_SPACE") else 0
_READ_BYTES = 256 * 1024
# One receive buffer per pool, reused by every read: ``recvmsg(256 KiB)`` allocates and then
# shrinks a 256 KiB object per call, 14 us more than a read into a buffer that exists (a third
# of a core at 22,000 reads/s, and heap churn that stalled the loop for tens of ms).
_DRAIN_S = 0.05
_MAX_HEAD_BYTES = 64 * 1024


class DelaySink(Protocol):
    """Where each read's stamp-to-handling delay goes (``load.monitor.Delays``)."""

    def add(self, delay_ns: int) -> None: ...


def stamped_supported(url: str) -> bool:
    """Whether ``url`` can be read with kernel stamps here (Linux, plain HTTP, no userinfo)."""
    parts = urlsplit(url)
    return (
        sys.platform.startswith("linux")
        and _ANCILLARY > 0
        and parts.scheme == "http"
        and parts.username is None
        and parts.hostname is not None
    )


async def stamped_reads(
    pool: StampedPool, body: bytes, max_bytes: int
) -> AsyncIterator[tuple[bytes, int]]:
    """Send ``body`` and yield each read of the reply as it lands: (bytes, arrival ns).

    The request goes out before the first ``await`` that could yield to other work, so the
    caller's send time is the send time.

    Raises:
        TargetFailure: the reply failed (status, protocol, cut), after the reads before it.
    """
    loop = asyncio.get_running_loop()
    ex = Exchange()
    wake: list[asyncio.Future[None]] = []

    def on_read() -> None:
        if wake and not wake[0].done():
            wake[0].set_result(None)

    seen = 0
    async with pool.slot():
        for attempt in (0, 1):
            sent = await pool._send(body, ex, max_bytes, on_read, attempt)
            if sent is None:
                break
            reader, reused, failure = sent
            if failure is None:
                reader.waiter.add_done_callback(lambda _: on_read())
                try:
                    while True:
                        while seen < len(ex.reads):
                            yield ex.reads[seen], ex.times[seen]
                            seen += 1
                        if reader.waiter.done():
                            failure = reader.waiter.exception()
                            break
                        wake[:] = [loop.create_future()]
                        await wake[0]
                except BaseException:
                    # Stopped at the content's end: the reader finishes the body on its own and
                    # hands the connection back. Stopped earlier (a deadline, too much output):
                    # drop it.
                    if not reader.done_seen:
                        reader.stop()
                        pool._discard(reader.sock)
                    raise
            if not pool._settle(reader, reused, attempt, failure):
                break
    if ex.error is not None:
        raise TargetFailure(ex.error, ex.message, status=ex.status)


class StampedPool:
    """Keep-alive connections to one endpoint; ``stream`` sends one request on one of them.

    Idle connections are reused; a reused one the server had closed is retried once on a new
    connection (nothing had been read yet, so nothing is lost or double counted).
    """

    def __init__(
        self,
        url: str,
        headers: dict[str, str],
        connect_timeout_s: float,
        limit: int = 0,
        *,
        method: str = "POST",
        content_type: str | None = "text/event-stream",
        ends: EndCheck | None = None,
    ) -> None:
        """``content_type``: what a 2xx reply must be (None: anything); ``ends``: whether the
        reads so far end the content (see ``transport.exchange.EndCheck``)."""
        parts = urlsplit(url)
        assert parts.hostname is not None
        self._host = parts.hostname
        self._port = parts.port or 80
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.netloc
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Accept: {content_type or '*/*'}"]
        lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() not in _OWN_HEADERS]
        self._head = ("\r\n".join(lines) + "\r\n").encode("latin-1")
        self._with_body = method != "GET"
        self._content_type = content_type
        self._ends = ends
        self._connect_timeout_s = connect_timeout_s
        # Set by the load engine for the length of a level: every read's stamp-to-handling
        # delay, which judges that level's validity (load.monitor).
        self.read_delays: DelaySink | None = None
        self._view = memoryview(bytearray(_READ_BYTES))  # see _READ_BYTES
        self._idle: list[socket.socket] = []
        self._open: set[socket.socket] = set()
        self._address: tuple[int, tuple[object, ...]] | None = None
        self._readers: dict[socket.socket, _Response] = {}
        # Like aiohttp's pool limit: past ``limit`` requests in flight, the next one waits.
        self._slots = asyncio.Semaphore(limit) if limit > 0 else None

    async def stream(self, body: bytes, ex: Exchange, max_bytes: int) -> None:
        """Send ``body`` and read the reply into ``ex``. Raises nothing but cancellation.

        The load engine's path: reads land in ``ex`` from the readable-callback, nothing
        wakes this coroutine before the reply ends (``stamped_reads`` yields each read).
        """
        async with self.slot():
            for attempt in (0, 1):
                sent = await self._send(body, ex, max_bytes, None, attempt)
                if sent is None:
                    return
                reader, reused, failure = sent
                if failure is None:
                    try:
                        await reader.read()
                    except (_Stale, OSError) as exc:
                        failure = exc
                    except BaseException:  # cancelled: the socket may be mid-reply
                        reader.stop()
                        self._discard(reader.sock)
                        raise
                if not self._settle(reader, reused, attempt, failure):
                    return

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """One of ``limit`` request slots (like aiohttp's pool limit); free when unlimited."""
        if self._slots is None:
            yield
            return
        async with self._slots:
            yield

    async def _send(
        self,
        body: bytes,
        ex: Exchange,
        max_bytes: int,
        on_read: Callable[[], None] | None,
        attempt: int,
    ) -> tuple[_Response, bool, BaseException | None] | None:
        """Send on an idle connection (a retry: a new one) and start reading the reply.

        Returns (reader, whether the connection was reused, a send failure), or None when no
        connection could be opened (``ex`` then says why).
        """
        reused = attempt == 0 and bool(self._idle)  # a retry always opens a new one
        try:
            sock = self._idle.pop() if reused else await self._connect()
        except OSError as exc:
            ex.error, ex.message = FailureMode.TRANSPORT_ERROR, _describe(exc)
            return None
        reader = _Response(
            sock,
            ex,
            max_bytes,
            self._release,
            self._view,
            on_read,
            self.read_delays,
            self._content_type,
            self._ends,
        )
        self._readers[sock] = reader
        if self._with_body:
            data = self._head + b"Content-Length: %d\r\n\r\n" % len(body) + body
        else:
            data = self._head + b"\r\n"
        try:
            await asyncio.get_running_loop().sock_sendall(sock, data)
        except OSError as exc:
            return reader, reused, exc
        except BaseException:
            self._discard(sock)
            raise
        reader.start()
        return reader, reused, None

    def _settle(
        self, reader: _Response, reused: bool, attempt: int, failure: BaseException | None
    ) -> bool:
        """Record how the exchange ended; True when it should be retried on a new connection
        (a reused connection the server had closed, before any byte of the reply)."""
        if failure is None:
            return False
        self._discard(reader.sock)
        ex = reader.ex
        if isinstance(failure, _Stale):
            if attempt == 0 and reused:
                return True
            ex.error, ex.message = FailureMode.TRANSPORT_ERROR, "connection closed"
            return False
        if isinstance(failure, OSError):
            if attempt == 0 and reused and not reader.got_head:
                return True
            mode = FailureMode.TRUNCATED if reader.got_head else FailureMode.TRANSPORT_ERROR
            ex.error, ex.message = mode, _describe(failure)
            return False
        raise failure

    def close(self) -> None:
        """Close every connection, idle or busy."""
        for sock in list(self._open):
            self._discard(sock)
        self._idle.clear()

    async def _connect(self) -> socket.socket:
        loop = asyncio.get_running_loop()
        if self._address is None:
            infos = await loop.getaddrinfo(self._host, self._port, type=socket.SOCK_STREAM)
            self._address = (int(infos[0][0]), tuple(infos[0][4]))
        family, address = self._address
        sock = socket.socket(family, socket.SOCK_STREAM)
        self._open.add(sock)
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
            async with asyncio.timeout(self._connect_timeout_s):
                await loop.sock_connect(sock, address)
        except TimeoutError as exc:
            self._discard(sock)
            raise OSError(f"connect timed out after {self._connect_timeout_s} s") from exc
        except BaseException:
            self._discard(sock)
            raise
        return sock

    def _release(self, sock: socket.socket, reusable: bool) -> None:
        if reusable and sock in self._open:
            self._readers.pop(sock, None)
            self._idle.append(sock)
        else:
            self._discard(sock)

    def _discard(self, sock: socket.socket) -> None:
        reader = self._readers.pop(sock, None)
        if reader is not None:
            reader.stop()
        self._open.discard(sock)
        if sock in self._idle:
            self._idle.remove(sock)
        sock.close()


_OWN_HEADERS = {"host", "content-length", "accept", "transfer-encoding", "connection"}


class _Stale(Exception):
    """A reused connection closed before any byte of the reply."""


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class _Response:
    """Reads one reply from a readable-callback: the kernel stamp of each read, the status and
    headers, the body (de-chunked by httptools) into ``ex.reads``/``ex.times``. Done at the
    content's end (``ends``); the connection returns to the pool once the body's end has been
    read too. Malformed framing is ``protocol_error`` at once."""

    def __init__(
        self,
        sock: socket.socket,
        ex: Exchange,
        max_bytes: int,
        release: Callable[[socket.socket, bool], None],
        view: memoryview,
        on_read: Callable[[], None] | None = None,
        delays: DelaySink | None = None,
        content_type: str | None = "text/event-stream",
        ends: EndCheck | None = None,
    ) -> None:
        self.sock = sock
        self.view = view  # the pool's receive buffer, copied out at once
        self.on_read = on_read
        self.delays = delays
        self.content_type = content_type
        self.ends = ends
        self.ex = ex
        self.max_bytes = max_bytes
        self.release = release
        self.loop = asyncio.get_running_loop()
        self.waiter: asyncio.Future[None] = self.loop.create_future()
        self.parser = httptools.HttpResponseParser(self)
        self.head_bytes = 0  # bytes read before the headers were complete
        self.got_head = False
        self.status = 0
        self.framed = False  # Content-Length or chunked: the body's end is marked
        self.messages = 0  # replies begun on this connection (one, or the server misbehaved)
        self.message_done = False
        self.failure: TargetFailure | None = None  # found while parsing, acted on after it
        self.size = 0
        self.error_body = b""
        self.reason = ""
        self.fields: dict[str, str] = {}
        self.keep = True
        self.reading = False
        self.done_seen = False
        self.t = 0  # the stamp of the read being parsed
        self.drain_timer: asyncio.TimerHandle | None = None
        self.t_floor = time.perf_counter_ns()

    def start(self) -> None:
        """Read the reply as it arrives (the request has been sent)."""
        self.loop.add_reader(self.sock.fileno(), self._readable)
        self.reading = True

    async def read(self) -> None:
        """Wait for the reply's end; raises ``_Stale`` or ``OSError`` for a lost connection."""
        try:
            await self.waiter
        finally:
            if self.waiter.cancelled() or not self.waiter.done():
                self.stop()

    def stop(self) -> None:
        if self.reading:
            self.reading = False
            self.loop.remove_reader(self.sock.fileno())

    def _readable(self) -> None:
        try:
            size, ancillary, _, _ = self.sock.recvmsg_into((self.view,), _ANCILLARY)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._end(exc)
            return
        now = time.perf_counter_ns()
        t = now
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS:
                sec, nsec = _TIMESPEC.unpack_from(payload)
                # Realtime stamp -> this process's perf_counter, read as close together as we
                # can; clamped to [request start, now] so a clock step cannot reorder reads.
                t = min(now, max(self.t_floor, sec * 1_000_000_000 + nsec - (time.time_ns() - now)))
                if self.delays is not None:
                    self.delays.add(now - t)
        if not size:
            self._eof()
            return
        self._feed(self.view[:size].tobytes(), t)

    def _feed(self, data: bytes, t: int) -> None:
        self.t = t
        if not self.got_head:
            self.head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:  # its callbacks never raise: see on_*
            if self.message_done:
                self.keep = False  # bytes past the reply's end: not a connection to reuse
            elif self.failure is None:
                self.failure = framing_failure(str(exc) or type(exc).__name__)
        except httptools.HttpParserUpgrade:
            if self.failure is None:
                self.failure = framing_failure("the server switched protocols")
        if self.failure is None and not self.got_head and self.head_bytes > _MAX_HEAD_BYTES:
            self.failure = TargetFailure(FailureMode.PROTOCOL_ERROR, "response headers too large")
        if not self.reading:  # completed by a callback (too much output)
            return
        if self.failure is not None:
            self._fail(self.failure.mode, self.failure.message, reusable=False)
        elif self.status >= 300 and self.got_head:
            if len(self.error_body) >= ERROR_BODY_BYTES or self.message_done:
                self._status_failure()
        elif self.message_done:
            self._complete(reusable=self.keep and self.messages == 1)

    # httptools callbacks: they record what they found and never raise.

    def on_message_begin(self) -> None:
        self.messages += 1

    def on_status(self, status: bytes) -> None:
        self.reason += status.decode("latin-1")

    def on_header(self, name: bytes, value: bytes) -> None:
        self.fields[name.decode("latin-1").strip().lower()] = value.decode("latin-1").strip()

    def on_headers_complete(self) -> None:
        if self.messages > 1:
            return
        fields = self.fields
        self.got_head = True
        self.status = self.parser.get_status_code()
        self.keep = self.parser.should_keep_alive()
        self.framed = (
            "content-length" in fields or "chunked" in fields.get("transfer-encoding", "").lower()
        )
        kind = fields.get("content-type", "").split(";")[0].strip().lower()
        if self.status < 300 and self.content_type is not None and kind != self.content_type:
            self.failure = TargetFailure(
                FailureMode.PROTOCOL_ERROR,
                f"asked for a stream but got Content-Type {kind or 'none'!r}",
            )

    def on_body(self, body: bytes) -> None:
        if self.messages > 1 or self.failure is not None:
            return
        if self.status >= 300:
            if len(self.error_body) < ERROR_BODY_BYTES:
                self.error_body += body
            return
        self._deliver(body, self.t)

    def on_message_complete(self) -> None:
        if self.messages == 1:
            self.message_done = True

    def _deliver(self, piece: bytes, t: int) -> None:
        if not piece or self.done_seen or not self.reading:
            return
        ex = self.ex
        ex.reads.append(piece)
        ex.times.append(t)
        if self.on_read is not None:
            self.on_read()
        self.size += len(piece)
        if self.size > self.max_bytes:
            ex.error = FailureMode.OVERSIZED
            ex.message = f"reply exceeded {self.max_bytes} bytes; the rest was not read"
            self._complete(reusable=False)
        elif self.ends is not None and self.ends(ex.reads):
            # The content is complete. The body's end usually follows at once; waiting briefly
            # for it keeps the connection reusable, and a server that stalls after the end
            # costs the request nothing but that wait.
            self.done_seen = True
            self.drain_timer = self.loop.call_later(_DRAIN_S, self._complete, False)

    def _complete(self, reusable: bool) -> None:
        if self.drain_timer is not None:
            self.drain_timer.cancel()
        self.stop()
        self.release(self.sock, reusable)
        if not self.waiter.done():
            self.waiter.set_result(None)

    def _status_failure(self) -> None:
        failure = status_failure_for(
            self.status, self.reason, self.error_body, self.fields.get("retry-after"), None
        )
        self._fail(failure.mode, failure.message, reusable=False)

    def _fail(self, mode: FailureMode, message: str, *, reusable: bool) -> None:
        if not self.waiter.done() and self.ex.error is None:
            self.ex.error, self.ex.message = mode, message
            if self.status >= 300:
                self.ex.status = self.status
        self._complete(reusable)

    def _eof(self) -> None:
        if not self.got_head:
            self.stop()
            if not self.waiter.done():
                self.waiter.set_exception(_Stale())
            return
        if self.status >= 300:
            self._status_failure()
        elif self.done_seen or not self.framed:
            self._complete(reusable=False)  # a body read to the close has ended normally
        else:
            self._fail(FailureMode.TRUNCATED, "connection lost mid-stream", reusable=False)

    def _end(self, exc: OSError) -> None:
        self.stop()
        if self.done_seen:  # lost while draining: the reply was complete
            self._complete(reusable=False)
        elif not self.waiter.done():
            self.waiter.set_exception(exc)
