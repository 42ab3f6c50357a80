"""A disk cache of model rewrites: one small JSON file per entry, written atomically.

One file per entry (``<dir>/<key[:2]>/<key>.json``) needs no lock: concurrent runs writing
the same key write the same content, and ``os.replace`` of a finished temporary file means a
killed process leaves either the old state or a whole entry, never half a file. Entries that
cannot be read are misses.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

__all__ = ["RewriteCache", "cache_key"]

_FORMAT = 1


def cache_key(*parts: object) -> str:
    """sha256 of the parts as canonical JSON (never Python's salted ``hash``)."""
    blob = json.dumps(parts, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


class RewriteCache:
    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> str | None:
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("format") != _FORMAT:
            return None
        text = entry.get("text")
        return text if isinstance(text, str) and text else None

    def put(self, key: str, text: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps({"format": _FORMAT, "text": text}, ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
