"""The fast MiniLM forward pass computes the same vectors as the textbook one.

Why: bot.nlp.embeddings trades SciPy's erf for a rational approximation, row-major for
column-major weights and fresh arrays for in-place updates (issue 10, per-turn cost).
Each is only acceptable if the vectors stay what they were; the classifier was trained
on them. The reference here is BERT written plainly in float64 from the checkpoint's own
tensors, with SciPy's erf GELU.
"""

from __future__ import annotations

from typing import Dict

import numpy as np
import pytest
from scipy.special import erf

from bot.nlp import embeddings

SENTENCES = [
    "hi", "what is ascites", "can it spread to the bones",
    "what are the symptoms when breast cancer has spread to the bones",
    "my dad has bowel cancer and the doctors found spots on his liver, what does that mean",
    "metastisis?? liver", "",
]


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + embeddings.LAYER_NORM_EPS) * gamma + beta


def _reference(w: Dict[str, np.ndarray], ids: np.ndarray) -> np.ndarray:
    """BERT + mean pooling + L2 norm in float64, weights as the checkpoint stores them."""
    def dense(x: np.ndarray, name: str) -> np.ndarray:
        return x @ w[name + ".weight"].T + w[name + ".bias"]

    n, heads, size = len(ids), embeddings.HEADS, embeddings.DIMENSION // embeddings.HEADS
    x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
         + w["embeddings.token_type_embeddings.weight"][0])
    x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    for i in range(embeddings.LAYERS):
        p = f"encoder.layer.{i}."
        q, k, v = (dense(x, p + "attention.self." + name).reshape(n, heads, size).transpose(1, 0, 2)
                   for name in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(size)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(1, 0, 2).reshape(n, embeddings.DIMENSION)
        x = _layer_norm(dense(context, p + "attention.output.dense") + x,
                        w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        hidden = dense(x, p + "intermediate.dense")
        hidden = 0.5 * hidden * (1.0 + erf(hidden / np.sqrt(2.0)))
        x = _layer_norm(dense(hidden, p + "output.dense") + x,
                        w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


@pytest.fixture(scope="module")
def checkpoint() -> Dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return {k.removeprefix("bert."): v.astype(np.float64)
            for k, v in load_file(str(embeddings.model_dir() / "model.safetensors")).items()}


def test_the_vectorised_erf_matches_scipy() -> None:
    x = np.linspace(-8, 8, 400_001, dtype=np.float32)
    assert np.abs(embeddings.erf(x) - erf(x.astype(np.float64))).max() < 5e-7


def test_vectors_match_textbook_bert(checkpoint: Dict[str, np.ndarray]) -> None:
    model = embeddings.model()
    expected = np.stack([_reference(checkpoint, np.asarray(model.tokenizer.encode(t).ids))
                         for t in SENTENCES])
    assert np.abs(model.encode(SENTENCES) - expected).max() < 1e-5
    assert np.abs(model.encode(SENTENCES, batch_size=4) - expected).max() < 1e-5


def test_encoding_leaves_the_blas_thread_count_as_it_was() -> None:
    from threadpoolctl import ThreadpoolController

    def threads() -> list:
        return [lib.num_threads for lib in ThreadpoolController().select(user_api="blas").lib_controllers]

    before = threads()
    embeddings.model().encode(["what is ascites"])
    assert threads() == before
