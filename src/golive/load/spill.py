"""A level's request records on disk instead of in memory: an append-only binary file written
as each reply is parsed, read back as a ``Sequence[RequestRecord]``.

A 10-minute level at 256 streams finishes ~200k requests of ~64 chunks each. Held as Python
objects they grew the client by ~1.2 KB a request (400 MB over the level); here a request
costs 8 bytes of memory (its offset in the file) and its record is rebuilt when read. Every
consumer of ``LevelResult.records`` iterates as before; iteration streams through a buffered
reader, so no pass holds more than one record (plus a 1 MB read buffer) at a time.

Each file lives alone in a private directory (mode 0700) under the system temp dir, named
``golive-load-<pid>-*``. It is deleted with its last owner: when the records are
garbage-collected, ``close()``-d, or the process exits normally. A process killed outright
(SIGKILL, power loss) leaves its directory behind; the next golive process that spills removes
those whose process no longer runs (``sweep_stale``).

Pickling hands the file over: the pickled copy becomes its owner, the original stops deleting
it (a load worker process returns its records to the parent this way, as a path and the
offsets, not as the records themselves).

A record: a fixed ``_HEADER`` (times, level, prompt, tokens or -1, token source, error,
warm-up, lengths), then its chunk times as native int64, then (only while a level is being
finished, see ``load.engine``) the reply text and finish reason as UTF-8.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
import tempfile
import weakref
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, BinaryIO, overload

from golive.schemas import FailureMode, RequestRecord, TokenSource

__all__ = ["Overflow", "RawReply", "SpillRecords", "SpillWriter", "spill", "sweep_stale"]

# t_sched, t_send, t_end, level, prompt index, output tokens (-1: None), token source,
# error (0: None), warm-up, finish reason length, chunk count, text length.
_HEADER = struct.Struct("<qqqiiiBBBBII")
_HEAD = _HEADER.size
_BLOCK = 1 << 20  # read buffer
_GUESS = 4096  # a random read's first try: most records are smaller
_WRITE_BUFFER = 256 * 1024  # a write() to the page cache every ~300 records
_SOURCES: tuple[TokenSource, ...] = ("usage", "tokenizer", "none")
_SOURCE_CODE = {s: i for i, s in enumerate(_SOURCES)}
_ERRORS: tuple[FailureMode | None, ...] = (None, *FailureMode)
_ERROR_CODE = {e: i for i, e in enumerate(_ERRORS)}

# A record with its reply (text, finish reason), as the engine reads its unfinished file.
RawReply = tuple[RequestRecord, str, str | None]


_PREFIX = "golive-load-"
_swept = False


def sweep_stale(root: str | None = None) -> list[str]:
    """Delete the spill directories under ``root`` (default: the temp dir) left by golive
    processes that no longer run (killed outright, so they could not clean up); returns them.
    A directory is named after the process that made it: ``golive-load-<pid>-<random>``."""
    root = root or tempfile.gettempdir()
    gone = []
    with contextlib.suppress(OSError), os.scandir(root) as entries:
        for entry in entries:
            pid = entry.name.removeprefix(_PREFIX).partition("-")[0]
            if not entry.name.startswith(_PREFIX) or not pid.isdigit() or _alive(int(pid)):
                continue
            if entry.is_dir(follow_symlinks=False) and entry.stat().st_uid == os.getuid():
                shutil.rmtree(entry.path, ignore_errors=True)
                gone.append(entry.path)
    return gone


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process
        return True
    return True


class _File:
    """One spill file and the private directory holding it; deletes both when finalised."""

    def __init__(self, directory: str | None = None) -> None:
        global _swept
        if not _swept:  # once a process: what killed processes left behind
            _swept = True
            sweep_stale()
        self.dir = directory or tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-")
        self.path = os.path.join(self.dir, "records")
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.dir, ignore_errors=True)

    def remove(self) -> None:
        self._finalizer()

    def hand_over(self) -> None:
        """Stop owning the file: whoever unpickles it deletes it."""
        self._finalizer.detach()

    @property
    def alive(self) -> bool:
        return self._finalizer.alive


class SpillWriter:
    """Append records to a new spill file; ``records()`` ends writing and returns the view."""

    def __init__(self) -> None:
        self._file = _File()
        self._out = open(self._file.path, "wb", buffering=_WRITE_BUFFER)  # noqa: SIM115
        self._offsets = array("q")
        self._pos = 0

    def __len__(self) -> int:
        return len(self._offsets)

    def add(
        self,
        record: RequestRecord,
        text: str = "",
        finish: str | None = None,
    ) -> None:
        """Append ``record`` (and, for the engine's first pass, its reply ``text``/``finish``)."""
        self.append(
            record.level,
            record.t_sched_ns,
            record.t_send_ns,
            record.chunk_times_ns,
            record.t_end_ns,
            record.output_tokens,
            record.token_source,
            record.error,
            record.warmup,
            record.prompt_index,
            text,
            finish,
        )

    def append(
        self,
        level: int,
        t_sched_ns: int,
        t_send_ns: int,
        chunk_times_ns: Sequence[int],
        t_end_ns: int,
        output_tokens: int | None,
        token_source: TokenSource,
        error: FailureMode | None,
        warmup: bool,
        prompt_index: int,
        text: str = "",
        finish: str | None = None,
    ) -> None:
        """``add`` without building a ``RequestRecord`` first (the engine's per-reply path)."""
        times = chunk_times_ns if isinstance(chunk_times_ns, array) else array("q", chunk_times_ns)
        body = text.encode("utf-8", "surrogatepass") if text else b""
        end = finish.encode("utf-8", "surrogatepass")[:255] if finish else b""
        head = _HEADER.pack(
            t_sched_ns,
            t_send_ns,
            t_end_ns,
            level,
            prompt_index,
            -1 if output_tokens is None else output_tokens,
            _SOURCE_CODE[token_source],
            _ERROR_CODE[error],
            warmup,
            len(end),
            len(times),
            len(body),
        )
        write = self._out.write
        self._offsets.append(self._pos)
        write(head)
        write(times)
        if body:
            write(body)
        if end:
            write(end)
        self._pos += _HEAD + 8 * len(times) + len(body) + len(end)

    def records(self) -> SpillRecords:
        """Stop writing; the records written, in the order they were written."""
        self._out.close()
        return SpillRecords(self._file, self._offsets)

    def discard(self) -> None:
        """Stop writing and delete the file."""
        self._out.close()
        self._file.remove()


def spill(records: Iterable[RequestRecord]) -> SpillRecords:
    """``records`` written to a new spill file, in their order."""
    writer = SpillWriter()
    for r in records:
        writer.add(r)
    return writer.records()


class SpillRecords(Sequence[RequestRecord]):
    """Read-only records backed by a spill file: ``len``, iteration (streamed), indexing
    (one read per record), equality with any sequence of records, and pickling (see the
    module docstring). ``close()`` deletes the file now."""

    __slots__ = ("__weakref__", "_file", "_offsets")

    def __init__(self, file: _File, offsets: array[int]) -> None:
        self._file = file
        self._offsets = offsets

    @property
    def path(self) -> str:
        return self._file.path

    def close(self) -> None:
        self._file.remove()

    def _check(self) -> None:
        if not self._file.alive:
            raise ValueError("these load records were closed (their spill file is deleted)")

    def __len__(self) -> int:
        return len(self._offsets)

    @overload
    def __getitem__(self, i: int) -> RequestRecord: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[RequestRecord]: ...
    def __getitem__(self, i: int | slice) -> RequestRecord | Sequence[RequestRecord]:
        if isinstance(i, slice):
            return tuple(self[k] for k in range(*i.indices(len(self))))
        with self.reader() as read:
            return read(i)[0]

    def __iter__(self) -> Iterator[RequestRecord]:
        for record, _, _ in self._scan(replies=False):
            yield record

    def replies(self) -> Iterator[RawReply]:
        """Each record with the reply text and finish reason written beside it."""
        return self._scan(replies=True)

    def headers(self) -> Iterator[tuple[int, int, bool]]:
        """(t_sched_ns, t_send_ns, warmup) of each record, without building records."""
        for fields, _, _ in self._walk():
            yield fields[0], fields[1], bool(fields[8])

    @contextlib.contextmanager
    def reader(self) -> Iterator[Callable[[int], RawReply]]:
        """A function reading record ``i`` (with its reply) by its offset: one open file for
        many random reads (``__getitem__`` opens one per call)."""
        self._check()
        offsets = self._offsets
        n = len(offsets)
        fd = os.open(self._file.path, os.O_RDONLY)

        def read(i: int) -> RawReply:
            if i < 0:
                i += n
            if not 0 <= i < n:
                raise IndexError("load record index out of range")
            at = offsets[i]
            data = os.pread(fd, _GUESS, at)
            fields = _HEADER.unpack_from(data)
            size = _HEAD + 8 * fields[10] + fields[11] + fields[9]
            if len(data) < size:
                data = os.pread(fd, size, at)
                if len(data) < size:
                    raise ValueError("a load spill file ended inside a record (truncated)")
            return _reply(fields, memoryview(data), 0)

        try:
            yield read
        finally:
            os.close(fd)

    def _scan(self, replies: bool) -> Iterator[RawReply]:
        for fields, view, pos in self._walk():
            if replies:
                yield _reply(fields, view, pos)
            else:
                yield _record(fields, view, pos + _HEAD), "", None

    def _walk(self) -> Iterator[tuple[tuple[Any, ...], memoryview, int]]:
        """Each record's header fields, a view of the buffer holding it and its position there,
        read through a 1 MB buffer from the start of the file."""
        self._check()
        left = len(self._offsets)
        with open(self._file.path, "rb", buffering=0) as f:
            buf = b""
            pos = 0
            while left:
                if len(buf) - pos < _HEAD:
                    buf = _more(f, buf, pos, _HEAD)
                    pos = 0
                fields = _HEADER.unpack_from(buf, pos)
                size = _HEAD + 8 * fields[10] + fields[11] + fields[9]
                if len(buf) - pos < size:
                    buf = _more(f, buf, pos, size)
                    pos = 0
                with memoryview(buf) as view:
                    yield fields, view, pos
                pos += size
                left -= 1

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        if len(other) != len(self):
            return False
        return all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SpillRecords({len(self)} records in {self._file.path})"

    def __reduce__(self) -> tuple[Any, ...]:
        self._check()
        self._file.hand_over()
        return (_adopt, (self._file.dir, self._offsets.tobytes()))


# An unparsed reply: t_sched, t_send, t_end, prompt index, error (0: None), reads, bytes.
_RAW = struct.Struct("<qqqiBII")
# (t_sched, t_send, t_end, prompt index, error, read times, read ends, the reads' bytes)
Unparsed = tuple[int, int, int, int, FailureMode | None, "array[int]", "array[int]", bytes]


class Overflow:
    """Raw replies the engine could not parse in time, on disk until the level is over.

    The engine parses replies between loop turns; a client short of CPU falls behind, and
    its backlog of read-but-unparsed replies grew without bound (hundreds of MB over a minute
    on a busy machine). Past its in-memory cap a reply is appended here instead (a buffered
    write of its bytes, no parsing) and parsed from here after the level (``drain``).
    """

    def __init__(self) -> None:
        self._file: _File | None = None
        self._out: BinaryIO | None = None
        self.count = 0
        self.bytes = 0

    def add(
        self,
        t_sched: int,
        t_send: int,
        t_end: int,
        prompt: int,
        error: FailureMode | None,
        times: array[int],
        ends: array[int],
        data: bytes,
    ) -> None:
        if self._out is None:
            self._file = _File()
            self._out = open(self._file.path, "wb", buffering=_WRITE_BUFFER)  # noqa: SIM115
        head = _RAW.pack(t_sched, t_send, t_end, prompt, _ERROR_CODE[error], len(times), len(data))
        self._out.write(head)
        self._out.write(times)
        self._out.write(ends)
        self._out.write(data)
        self.count += 1
        self.bytes += len(data)

    def drain(self) -> Iterator[Unparsed]:
        """Each reply written, in order, read back through a 1 MB buffer; then the file goes."""
        if self._out is None or self._file is None:
            return
        self._out.close()
        left = self.count
        try:
            with open(self._file.path, "rb", buffering=0) as f:
                buf = b""
                pos = 0
                while left:
                    if len(buf) - pos < _RAW.size:
                        buf, pos = _more(f, buf, pos, _RAW.size), 0
                    t_sched, t_send, t_end, prompt, error, n, size = _RAW.unpack_from(buf, pos)
                    total = _RAW.size + 16 * n + size
                    if len(buf) - pos < total:
                        buf, pos = _more(f, buf, pos, total), 0
                    at = pos + _RAW.size
                    times, ends = array("q"), array("q")
                    times.frombytes(buf[at : at + 8 * n])
                    ends.frombytes(buf[at + 8 * n : at + 16 * n])
                    data = buf[at + 16 * n : pos + total]
                    yield t_sched, t_send, t_end, prompt, _ERRORS[error], times, ends, data
                    pos += total
                    left -= 1
        finally:
            self.discard()

    def discard(self) -> None:
        if self._out is not None:
            self._out.close()
        if self._file is not None:
            self._file.remove()
        self.count = self.bytes = 0


def _adopt(directory: str, offsets: bytes) -> SpillRecords:
    """The unpickling side of ``SpillRecords.__reduce__``: own the file handed over."""
    table = array("q")
    table.frombytes(offsets)
    return SpillRecords(_File(directory), table)


def _more(f: BinaryIO, buf: bytes, pos: int, need: int) -> bytes:
    """``buf[pos:]`` followed by enough of ``f`` to hold ``need`` bytes."""
    rest = buf[pos:]
    chunk = f.read(max(_BLOCK, need - len(rest)))
    while len(rest) + len(chunk) < need:
        more = f.read(need - len(rest) - len(chunk))
        if not more:
            raise ValueError("a load spill file ended inside a record (it was truncated)")
        chunk += more
    return rest + chunk


def _reply(fields: tuple[Any, ...], view: memoryview, pos: int) -> RawReply:
    """The record at ``view[pos:]`` with the reply text and finish reason after it."""
    start = pos + _HEAD + 8 * fields[10]
    end = start + fields[11]
    text = str(view[start:end], "utf-8", "surrogatepass") if fields[11] else ""
    finish = str(view[end : end + fields[9]], "utf-8", "surrogatepass") if fields[9] else None
    return _record(fields, view, pos + _HEAD), text, finish


def _record(fields: tuple[Any, ...], view: memoryview, at: int) -> RequestRecord:
    (t_sched, t_send, t_end, level, prompt, tokens, source, error, warmup, _, n, _) = fields
    times = array("q")
    times.frombytes(view[at : at + 8 * n])
    return RequestRecord(
        level=level,
        t_sched_ns=t_sched,
        t_send_ns=t_send,
        chunk_times_ns=times,
        t_end_ns=t_end,
        output_tokens=None if tokens < 0 else tokens,
        token_source=_SOURCES[source],
        error=_ERRORS[error],
        warmup=bool(warmup),
        prompt_index=prompt,
    )
