"""An SSE server in its own thread, so a blocked client event loop cannot delay its writes:
what the kernel-stamped client's tests measure against."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["ThreadServer"]


class ThreadServer:
    """A raw HTTP server in its own thread, so a blocked client loop cannot delay it. Each
    connection gets one SSE reply: the first chunk after ``ttft_s``, stamped when written;
    the second connection-level request on a kept-alive socket is answered the same way.
    ``close_idle`` closes a connection right after its reply (a server's idle timeout)."""

    def __init__(self, ttft_s: float, close_idle: bool = False) -> None:
        self.ttft_s = ttft_s
        self.close_idle = close_idle
        self.written_ns: list[int] = []
        self.connections = 0
        self.requested = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._reply_all, args=(conn,), daemon=True).start()

    def _reply_all(self, conn: socket.socket) -> None:
        with conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            buf = b""
            while True:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                head, _, rest = buf.partition(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                while len(rest) < length:
                    rest += conn.recv(65536)
                buf = rest[length:]
                self.requested.set()
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n"
                )
                time.sleep(self.ttft_s)  # the server's own TTFT, measured from here
                for event in (
                    b'data: {"choices":[{"delta":{"content":"a"}}]}\n\n',
                    b'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\n',
                    b"data: [DONE]\n\n",
                ):
                    self.written_ns.append(time.perf_counter_ns())
                    conn.sendall(b"%x\r\n%s\r\n" % (len(event), event))
                conn.sendall(b"0\r\n\r\n")
                if self.close_idle:
                    return

    @contextmanager
    def running(self) -> Iterator[str]:
        self.thread.start()
        try:
            yield f"http://127.0.0.1:{self.port}/v1/chat/completions"
        finally:
            self.listener.close()
