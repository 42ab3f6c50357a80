"""The ``python`` target: an in-process callable, ``module:function``, sync or async.

It receives the user's text (or the chat as a list of ``{role, content}`` dicts) and returns a
string or yields strings. Sync code runs in a daemon worker thread, so it can stall neither
the event loop nor golive's exit if it never returns. Whatever it raises is recorded as a
failure of the target, never propagated.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from golive._unicode import SurrogateJoiner, clean_text
from golive.errors import ConfigError, TargetFailure
from golive.registry import ComponentArgs, target
from golive.schemas import Chunk, FailureMode, Request, StreamEnd
from golive.targets._threads import DaemonThreads
from golive.targets.base import StreamItem

__all__ = ["PythonArgs", "PythonTarget"]

_FIELD = "target.callable"
_MESSAGE_CHARS = 300
_DONE = object()
# Daemon threads: a user function that never returns must not keep golive from exiting.
_THREADS = DaemonThreads()


class PythonArgs(ComponentArgs):
    """A Python function in this process."""

    kind: Literal["python"] = "python"
    callable: str = Field(
        description="'module:function' (dotted attributes allowed after the colon).",
        examples=["myapp.bot:answer"],
    )
    pass_messages: bool = Field(
        default=False,
        description="Pass the whole chat as a list of {role, content} dicts, not the user text.",
    )
    app_dir: str = Field(
        default=".",
        description="Folder put first on sys.path before importing, like uvicorn's --app-dir.",
    )

    @field_validator("callable")
    @classmethod
    def _shape(cls, value: str) -> str:
        module, colon, attr = value.partition(":")
        if not colon or not module or not attr:
            raise ValueError("must look like 'package.module:function'")
        return value


def _put_first_on_path(folder: str) -> None:
    """The console script's sys.path lacks the working directory, where the user's package
    usually is: put the app folder first, once."""
    app_dir = str(Path(folder).absolute())
    if app_dir not in sys.path:
        sys.path.insert(0, app_dir)


def _load(spec: str) -> Callable[..., Any]:
    module_name, _, attr_path = spec.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:  # the user's module may fail in any way while importing
        raise ConfigError(
            f"cannot import {module_name!r}: {type(exc).__name__}: {exc}", field=_FIELD
        ) from exc
    for attr in attr_path.split("."):
        try:
            obj = getattr(obj, attr)
        except AttributeError:
            raise ConfigError(
                f"{module_name!r} has no attribute {attr_path!r}", field=_FIELD
            ) from None
    if not callable(obj):
        raise ConfigError(f"{spec!r} is a {type(obj).__name__}, not a callable", field=_FIELD)
    return obj  # type: ignore[no-any-return]


def _failure(exc: BaseException) -> TargetFailure:
    text = clean_text(f"{type(exc).__name__}: {exc}")
    if len(text) > _MESSAGE_CHARS:
        text = text[: _MESSAGE_CHARS - 1] + "…"
    return TargetFailure(FailureMode.PROTOCOL_ERROR, f"the callable raised {text}")


def _piece(value: object) -> str:
    if not isinstance(value, str):
        raise TargetFailure(
            FailureMode.PROTOCOL_ERROR, f"the callable produced a {type(value).__name__}, not str"
        )
    return value


@target("python", args=PythonArgs)
class PythonTarget:
    """A Python function called in-process."""

    def __init__(self, args: PythonArgs) -> None:
        self.args = args
        self._fn: Callable[..., Any] | None = None

    def __repr__(self) -> str:
        return f"PythonTarget(callable={self.args.callable!r})"

    async def start(self) -> None:
        _put_first_on_path(self.args.app_dir)
        self._fn = _load(self.args.callable)

    async def close(self) -> None:
        self._fn = None

    async def validate(self) -> str | None:
        return None

    def fingerprint(self) -> dict[str, str]:
        return {"kind": "python", "callable": self.args.callable}

    def _argument(self, request: Request) -> Any:
        if self.args.pass_messages:
            return [{"role": m.role, "content": m.content} for m in request.messages]
        return next((m.content for m in reversed(request.messages) if m.role == "user"), "")

    async def stream(self, request: Request) -> AsyncIterator[StreamItem]:
        fn = self._fn
        if fn is None:
            raise RuntimeError(f"{self!r} was used before start()")
        argument = self._argument(request)
        try:
            if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
                result = fn(argument)
            elif inspect.isgeneratorfunction(fn):
                result = fn(argument)  # creating a generator runs none of its code
            else:
                # Stamped in the worker thread as the function returns, not when the event
                # loop gets round to it: the loop's other work stays out of the latency.
                result, t_ns = await _THREADS.run(_timed, fn, argument)
                if isinstance(result, str):
                    if result:
                        yield Chunk(clean_text(result), t_ns)
                    yield StreamEnd("stop")
                    return
            if inspect.isawaitable(result):
                result = await result
        except TargetFailure:
            raise
        except Exception as exc:
            raise _failure(exc) from exc
        # A str may hold lone surrogates (an emoji split across two pieces): joined or
        # escaped here, where the reply enters golive.
        joiner = SurrogateJoiner()
        t_ns = 0
        async for piece, t_ns in _pieces(result):
            piece = joiner.feed(piece)
            if piece:
                yield Chunk(piece, t_ns)
        held = joiner.flush()
        if held:
            yield Chunk(held, t_ns)
        yield StreamEnd("stop")


def _timed(fn: Callable[..., Any], *args: Any) -> tuple[Any, int]:
    """``fn(*args)`` and the moment it returned, read in the thread that ran it."""
    value = fn(*args)
    return value, time.perf_counter_ns()


async def _pieces(result: object) -> AsyncIterator[tuple[str, int]]:
    """The strings a result stands for (itself, or what its iterator yields), each with the
    time it was produced: read in the worker thread for a sync iterator."""
    if isinstance(result, str):
        yield result, time.perf_counter_ns()
        return
    try:
        if hasattr(result, "__aiter__"):
            async for value in result:
                yield _piece(value), time.perf_counter_ns()
        elif isinstance(result, Iterator):
            while True:
                value, t_ns = await _THREADS.run(_timed, next, result, _DONE)
                if value is _DONE:
                    break
                yield _piece(value), t_ns
        else:
            yield _piece(result), time.perf_counter_ns()
    except TargetFailure:
        raise
    except Exception as exc:
        raise _failure(exc) from exc
    finally:
        await _close(result)


async def _close(result: object) -> None:
    """Close the user's generator when we stop early (oversized, timeout), best effort."""
    try:
        aclose = getattr(result, "aclose", None)
        if aclose is not None:
            await aclose()
            return
        close = getattr(result, "close", None)
        if close is not None and inspect.isgenerator(result):
            close()  # raises ValueError if a cancelled next() still runs in its thread
    except Exception:  # closing is a courtesy; the outcome is already decided
        pass
