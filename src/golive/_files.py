"""Reading files a user names (suites, golive.yaml, guard.yaml) with bounds.

Only regular files are read, after links are followed: ``/dev/zero``, a FIFO or a directory
would read forever, block, or fail obscurely. Every read stops at a size limit, so a wrong
path costs a clear message instead of the machine's memory.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from golive.errors import ConfigError

__all__ = [
    "CONFIG_MAX_BYTES",
    "check_out_dir",
    "check_output_paths",
    "decode",
    "iter_lines",
    "open_regular",
    "read_limited",
    "read_user_lines",
    "read_user_text",
]

# Line files that are not suites (load prompts, traces) get a suite's default limits.
LINES_MAX_BYTES = 100 * 1024 * 1024
LINE_MAX_BYTES = 1024 * 1024

# golive.yaml and guard.yaml are a few kilobytes; a megabyte leaves room for long prompts.
CONFIG_MAX_BYTES = 1024 * 1024

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(path: Path, mode: int, what: str) -> str | None:
    """Why ``path`` cannot be read as a ``what``, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    real = os.path.realpath(path)
    via = f" (a link to {real})" if real != os.path.abspath(path) else ""
    return f"{what} {str(path)!r}{via} is {kind}; pass a regular file."


def open_regular(
    path: Path, *, what: str, field: str | None, error: type[ConfigError] = ConfigError
) -> BinaryIO:
    """``path`` opened for binary reading, once it is known to be a regular file.

    Raises:
        FileNotFoundError: left to the caller, whose message knows the fix.
        ConfigError (``error``): not a regular file, or unreadable.
    """
    try:
        why = _not_regular(path, os.stat(path).st_mode, what)
        if why:
            raise error(why, field=field)
        # Non-blocking: should the path turn into a FIFO after the check, opening it must not
        # wait for a writer. Regular files ignore the flag.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | os.O_CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise error(f"cannot read {what} {str(path)!r}: {exc.strerror}.", field=field) from None
    why = _not_regular(path, os.fstat(fd).st_mode, what)
    if why:
        os.close(fd)
        raise error(why, field=field)
    return os.fdopen(fd, "rb")


def read_limited(
    handle: BinaryIO,
    *,
    max_bytes: int,
    path: Path,
    what: str,
    field: str | None,
    fix: str,
    error: type[ConfigError] = ConfigError,
) -> bytes:
    """The whole content of ``handle``, refusing to read past ``max_bytes``; ``fix`` ends
    the message (what to do about a file that large)."""
    data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise error(
            f"{what} {str(path)!r} is larger than the limit of {max_bytes:,} bytes; {fix}.",
            field=field,
        )
    return data


def decode(
    data: bytes,
    *,
    path: Path,
    what: str,
    field: str | None,
    error: type[ConfigError] = ConfigError,
    offset: int = 0,
) -> str:
    """UTF-8 text (a leading byte-order mark dropped); a clear error naming the byte."""
    try:
        return data.decode("utf-8-sig" if offset == 0 else "utf-8")
    except UnicodeDecodeError as exc:
        raise error(
            f"{what} {str(path)!r} is not UTF-8 text (invalid byte at offset "
            f"{offset + exc.start:,}); save it as UTF-8.",
            field=field,
        ) from None


def read_user_text(
    path: Path,
    *,
    what: str,
    field: str | None,
    max_bytes: int = CONFIG_MAX_BYTES,
    fix: str = "check the path: such files are a few kilobytes",
    error: type[ConfigError] = ConfigError,
) -> str:
    """A regular file's text, bounded by ``max_bytes``. FileNotFoundError is left to the
    caller; everything else is ``error`` with one clear message."""
    with open_regular(path, what=what, field=field, error=error) as handle:
        data = read_limited(
            handle,
            max_bytes=max_bytes,
            path=path,
            what=what,
            field=field,
            fix=fix,
            error=error,
        )
    return decode(data, path=path, what=what, field=field, error=error)


def iter_lines(
    handle: BinaryIO,
    *,
    max_line_bytes: int,
    max_bytes: int,
    path: Path,
    what: str,
    field: str | None,
    line_fix: str,
    total_fix: str,
    error: type[ConfigError] = ConfigError,
) -> Iterator[tuple[int, str]]:
    """(line number, text without its line ending) for each line, read as a stream: no line
    may exceed ``max_line_bytes`` and the whole file ``max_bytes``."""
    total = 0
    number = 0
    while True:
        raw = handle.readline(max_line_bytes + 2)  # room for the line's own CR LF
        if not raw:
            return
        number += 1
        body = raw.rstrip(b"\r\n") if raw.endswith(b"\n") else raw
        if len(body) > max_line_bytes:
            raise error(
                f"{path}:{number}: the line is longer than the limit of {max_line_bytes:,} "
                f"bytes; {line_fix}.",
                field=field,
            )
        offset = total
        total += len(raw)
        if total > max_bytes:
            raise error(
                f"{what} {str(path)!r} is larger than the limit of {max_bytes:,} bytes; "
                f"{total_fix}.",
                field=field,
            )
        yield number, decode(body, path=path, what=what, field=field, error=error, offset=offset)


def check_out_dir(path: Path) -> str | None:
    """Why ``path`` cannot be the report folder (an existing file, or a parent that is
    one), or None when it can."""
    for candidate in (path, *path.parents):
        if candidate.exists() or candidate.is_symlink():
            if candidate.is_dir():
                return None
            which = "is" if candidate == path else f"sits under {str(candidate)!r}, which is"
            return f"{str(path)!r} {which} an existing file, not a folder; choose a folder name."
    return None


def read_user_lines(
    path: Path,
    *,
    what: str,
    field: str | None,
    max_bytes: int = LINES_MAX_BYTES,
    max_line_bytes: int = LINE_MAX_BYTES,
) -> list[str]:
    """The lines of a regular file (a load test's prompts, a trace), read as a stream within
    the limits: ``/dev/zero`` is an error, not the machine's memory. A missing file is a
    ``ConfigError`` naming ``what``."""
    fix = "split it, or pass a smaller file"
    try:
        with open_regular(path, what=what, field=field) as handle:
            return [
                line
                for _, line in iter_lines(
                    handle,
                    max_line_bytes=max_line_bytes,
                    max_bytes=max_bytes,
                    path=path,
                    what=what,
                    field=field,
                    line_fix=fix,
                    total_fix=fix,
                )
            ]
    except FileNotFoundError:
        raise ConfigError(f"{what} {str(path)!r} not found.", field=field) from None


def check_output_paths(out: Path | None, json_path: Path | None = None) -> None:
    """Refuse, before any work, a report folder that is a file and a ``--json`` path that is
    a folder: found only when writing, they cost the whole run.

    Raises:
        ConfigError: naming the flag and the fix.
    """
    why = check_out_dir(out) if out is not None else None
    if why:
        raise ConfigError(why, field="--out")
    if json_path is not None:
        if json_path.is_dir():
            raise ConfigError(
                f"{str(json_path)!r} is a folder; pass a file name such as summary.json.",
                field="--json",
            )
        why = check_out_dir(json_path.parent)
        if why:
            raise ConfigError(why, field="--json")
