"""`golive guard check`: run guards over a JSONL file and write one decision per line."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from golive.cli import app

if TYPE_CHECKING:
    from golive.guard.base import Origin
    from golive.guard.chain import ChainOutcome, GuardChain

guard_app = typer.Typer(
    help="Runtime guardrails: check texts for PII, prompt injection and more.",
    no_args_is_help=True,
)
app.add_typer(guard_app, name="guard")

EPILOG = """\
Examples:

  golive guard check inputs.jsonl --field text --guards pii,injection -o out.jsonl

  golive guard check chats.jsonl --field message --guards pii     # JSONL on stdout

  golive guard check mails.jsonl --guards injection --as document

--as document checks each text as content the application did not write
(a retrieved page, an e-mail, a tool's output), where any instruction
addressed to the assistant is an attack; --as user (the default) checks it
as a user's own message.

Each output line holds the input's `id` (or its line number), the `decision`
(allow/redact/escalate/block), `scores` and `detections`. `scores` maps each
guard that scores a text (injection) to its score from 0 to 1, below its
threshold too: choose your own threshold, or draw a ROC curve, from it.
`detections`: for PII {type, start, end, score, guard} with character offsets
into the field; for injection {type, score, flagged, guard}, flagged when the
guard acted on it. A redacted text comes as `redacted`. A text longer than
--max-chars is not scanned: its decision is `block` with one OVERSIZED
detection. Lines that are not JSON or lack the field are reported one by one
(an `error` line in the output) and skipped. A summary goes to stderr. Exit 4
on a bad flag (an --as other than user or document), an unknown guard or
a missing file.
"""

_ORIGINS = ("user", "document")


def _detections(outcome: ChainOutcome) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for result in outcome.results:
        decision = result.decision
        spanless = [d for d in decision.detections if d.start is None or d.end is None]
        for d in decision.detections:
            if d.start is not None and d.end is not None:
                rows.append({"type": d.kind, "start": d.start, "end": d.end,
                             "score": round(d.score, 4), "guard": result.guard})  # fmt: skip
        flagged = decision.action.value > 0
        for d in spanless:
            rows.append({"type": d.kind, "score": round(d.score, 4), "flagged": flagged,
                         "guard": result.guard})  # fmt: skip
        if decision.score is not None and not spanless:  # allowed: its score all the same
            rows.append({"type": result.guard.upper(), "score": round(decision.score, 4),
                         "flagged": flagged, "guard": result.guard})  # fmt: skip
    return rows


def _scores(outcome: ChainOutcome) -> dict[str, float]:
    """Each guard's own score, where it has one (also when it allowed the text)."""
    return {r.guard: round(r.decision.score, 4) for r in outcome.results
            if r.decision.score is not None}  # fmt: skip


def _check_lines(
    chain: GuardChain, lines: IO[str], field: str, out: IO[str], origin: Origin = "user"
) -> tuple[Counter[str], Counter[str], int, float]:
    decisions: Counter[str] = Counter()
    types: Counter[str] = Counter()
    errors, seconds = 0, 0.0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        row: Any
        try:
            row = json.loads(line)
        except ValueError:  # RecursionError too: deeply nested JSON is a bad line, not a crash
            row = None
        except RecursionError:
            row = None
        key: Any = row.get("id", number) if isinstance(row, dict) else number
        text = row.get(field) if isinstance(row, dict) else None
        if not isinstance(text, str):
            if row is None:
                why = "not JSON"
            elif not isinstance(row, dict):
                why = "not a JSON object"
            else:
                why = f"field {field!r} " + ("missing" if field not in row else "not text")
            typer.secho(f"line {number}: {why}; skipped", err=True, fg="yellow")
            out.write(json.dumps({"id": key, "line": number, "error": why}) + "\n")
            errors += 1
            continue
        t0 = time.perf_counter()
        outcome = chain.check_detailed(text, stage="input", origin=origin)
        seconds += time.perf_counter() - t0
        decision = outcome.decision
        record: dict[str, Any] = {"id": key, "decision": decision.action.label}
        scores = _scores(outcome)
        if scores:
            record["scores"] = scores
        record["detections"] = _detections(outcome)
        if decision.text is not None:
            record["redacted"] = decision.text
        decisions[decision.action.label] += 1
        types.update(d["type"] for d in record["detections"] if d.get("flagged", True))
        # ensure_ascii: hostile text (control characters, bidi marks) stays escaped.
        out.write(json.dumps(record, ensure_ascii=True) + "\n")
    return decisions, types, errors, seconds


@guard_app.command("check", epilog=EPILOG)
def check_command(
    file: Annotated[Path, typer.Argument(help="JSONL file, one object per line.")],
    field: Annotated[str, typer.Option("--field", "-f", help="The field holding the text.")] = (
        "text"
    ),
    guards: Annotated[
        str, typer.Option("--guards", "-g", help="Guard names, comma-separated.")
    ] = "pii,injection",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the JSONL here (default: stdout).")
    ] = None,
    max_chars: Annotated[
        int,
        typer.Option(
            "--max-chars",
            min=1,
            help="Longest text the guards scan; a longer one is blocked unscanned (OVERSIZED).",
        ),
    ] = 50_000,
    as_: Annotated[
        str,
        typer.Option(
            "--as",
            metavar="user|document",
            help="Who wrote the texts: user (a user's message) or document (content the "
            "application passes on: a retrieved page, an e-mail, a tool's output). "
            "Example: --as document",
        ),
    ] = "user",
    pii_backend: Annotated[
        str,
        typer.Option(
            "--pii-backend",
            metavar="builtin|presidio",
            help="builtin (default): checksum-validated recognizers. presidio: adds PERSON and "
            "LOCATION from Presidio's spaCy NER; needs presidio-analyzer and a spaCy model "
            "installed by you (golive downloads nothing).",
        ),
    ] = "builtin",
) -> None:
    """Check each line's text with the guards and write its decision, scores and detections.

    Example: golive guard check inputs.jsonl --field text --guards pii,injection -o out.jsonl
    """
    from golive._validation import quote
    from golive.errors import ConfigError
    from golive.guard.chain import build_chain

    if as_ not in _ORIGINS:
        raise ConfigError(f"{quote(as_)} is neither user nor document", field="--as")
    origin: Origin = "document" if as_ == "document" else "user"
    names = [n.strip() for n in guards.split(",") if n.strip()]
    if pii_backend not in ("builtin", "presidio"):
        raise ConfigError(
            f"{quote(pii_backend)} is neither builtin nor presidio", field="--pii-backend"
        )
    specs: list[str | dict[str, str]] = [
        {"kind": "pii", "backend": pii_backend} if n == "pii" else n for n in names
    ]
    chain = build_chain(specs, field="--guards", max_chars=max_chars)
    if not file.is_file():
        raise ConfigError(f"no such file: {file}", field="FILE")
    with file.open(encoding="utf-8", errors="replace", newline=None) as lines:
        if out is None:
            stats = _check_lines(chain, lines, field, sys.stdout, origin)
        else:
            with out.open("w", encoding="utf-8") as sink:
                stats = _check_lines(chain, lines, field, sink, origin)
    decisions, types, errors, seconds = stats
    checked = sum(decisions.values())
    summary = {
        "lines": checked + errors,
        "checked": checked,
        "errors": errors,
        "as": origin,
        "decisions": dict(sorted(decisions.items())),
        "detections": dict(sorted(types.items())),
        "ms_per_line": round(1000 * seconds / checked, 3) if checked else 0.0,
        "out": str(out) if out else None,
    }
    typer.echo(json.dumps(summary), err=True)
