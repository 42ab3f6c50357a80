"""Turn one request to a target into one ``Observation``, whatever the target does.

This is the measurement boundary: it takes ``t_send`` just before the call, keeps each
content chunk's own arrival time, enforces the deadline and the output cap, and converts
every misbehaviour of the target into a failure mode. It never raises for the target,
never hangs past its deadline, and always closes the stream. Only golive's own errors
(a target that finds the configuration wrong raises ``ConfigError``) pass through.

It is also where the target's text enters golive: every secret the target was configured
with (``golive._secrets``) is masked in the reply and the error message here, so the store,
the cache, the reports and the logs never see a key the target reflected back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp

from golive._secrets import secrets_of
from golive.errors import GoliveError, TargetFailure
from golive.schemas import (
    Chunk,
    FailureMode,
    Observation,
    ObservationError,
    Request,
    StreamEnd,
)
from golive.targets.base import StreamItem, Target

__all__ = ["observe"]

_MESSAGE_CHARS = 300
# Closing a stream is only ever a few socket operations; a target that takes longer
# to clean up must not hold the run hostage.
_CLOSE_TIMEOUT_S = 1.0


def _bounded(text: str) -> str:
    return text if len(text) <= _MESSAGE_CHARS else text[: _MESSAGE_CHARS - 1] + "…"


async def observe(
    target: Target,
    request: Request,
    *,
    case_id: str,
    sample: int,
    t_sched_ns: int,
    timeout_s: float,
    max_output_chars: int,
    idle_timeout_s: float | None = None,
) -> Observation:
    """Send ``request`` and record what came back.

    Args:
        timeout_s: Deadline for the whole request, stream included (→ ``timeout``).
        max_output_chars: Output beyond this is cut off and the stream closed (→ ``oversized``).
        idle_timeout_s: Longest allowed silence between two stream items (→ ``timeout``).
    """
    parts: list[str] = []
    times: list[int] = []
    size = 0
    end: StreamEnd | None = None
    error: ObservationError | None = None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    t_send_ns = time.perf_counter_ns()
    stream: AsyncIterator[StreamItem] | None = None
    cm = asyncio.timeout_at(deadline)
    try:
        async with cm:
            stream = target.stream(request)
            iterator = aiter(stream)
            while True:
                if idle_timeout_s is not None:
                    cm.reschedule(min(deadline, loop.time() + idle_timeout_s))
                try:
                    item = await anext(iterator)
                except StopAsyncIteration:
                    break
                if isinstance(item, Chunk):
                    if not item.text:
                        continue
                    room = max_output_chars - size
                    if len(item.text) > room:
                        if room > 0:
                            parts.append(item.text[:room])
                            times.append(item.t_ns)
                            size += room
                        error = ObservationError(
                            FailureMode.OVERSIZED,
                            f"output exceeded {max_output_chars} characters; the rest was not read",
                        )
                        break
                    parts.append(item.text)
                    times.append(item.t_ns)
                    size += len(item.text)
                elif isinstance(item, StreamEnd):
                    end = item
                    break
                else:
                    error = ObservationError(
                        FailureMode.PROTOCOL_ERROR,
                        f"the target yielded a {type(item).__name__}, not a Chunk or StreamEnd",
                    )
                    break
    except TargetFailure as failure:
        error = ObservationError(failure.mode, failure.message, failure.status)
    except TimeoutError as exc:
        if cm.expired() and loop.time() < deadline:
            message = f"no data for {idle_timeout_s:g} s"
        elif cm.expired():
            message = f"no complete reply within {timeout_s:g} s"
        else:  # a timeout the target raised itself (a socket read timeout)
            message = f"{type(exc).__name__}: {exc}".rstrip(": ")
        error = ObservationError(FailureMode.TIMEOUT, message)
    except (aiohttp.ClientError, OSError) as exc:
        error = ObservationError(FailureMode.TRANSPORT_ERROR, f"{type(exc).__name__}: {exc}")
    except GoliveError:  # the configuration is wrong (no such model): stop, do not measure
        raise
    except Exception as exc:  # a buggy target must not crash the run
        error = ObservationError(
            FailureMode.PROTOCOL_ERROR, f"the target raised {type(exc).__name__}: {exc}"
        )
    finally:
        t_end_ns = time.perf_counter_ns()
        if stream is not None:
            await _close(stream)
    if error is None and end is None:
        error = ObservationError(FailureMode.TRUNCATED, "the stream ended without a finish")
    # Masked before the message is cut short: a key split by the cut would leak its prefix.
    secrets = secrets_of(target)
    output = secrets.mask("".join(parts))
    if error is not None:
        message = _bounded(secrets.mask(error.message))
        error = ObservationError(error.mode, message, error.status)
    return Observation(
        case_id=case_id,
        sample=sample,
        request=request,
        output=output,
        t_sched_ns=t_sched_ns,
        t_send_ns=t_send_ns,
        chunk_times_ns=tuple(times),
        t_end_ns=t_end_ns,
        finish_reason=end.finish_reason if end else None,
        usage=end.usage if end else None,
        error=error,
    )


async def _close(stream: AsyncIterator[StreamItem]) -> None:
    """aclose() the stream so its connection is released now, not at garbage collection."""
    aclose = getattr(stream, "aclose", None)
    if aclose is None:
        return
    try:
        async with asyncio.timeout(_CLOSE_TIMEOUT_S):
            await aclose()
    except Exception:  # the outcome is decided; cleanup errors change nothing
        pass
