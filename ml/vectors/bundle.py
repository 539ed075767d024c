"""Vectors embedded elsewhere (a lab's GPU cluster): reading and validating a vector file.

Two layouts: ``vectors.npy`` (float, N x D) with ``vectors.ids`` beside it (one illustration id
a line; ``--ids`` names another file), or a Parquet table with an ``id`` column and a ``vector``
column of fixed-size lists. Validation is pure: it says which rows are unusable and why, so
that an import can report them instead of failing on the first one.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "VectorBundle",
    "VectorFileError",
    "VectorValidation",
    "read_vector_file",
    "validate_vectors",
]

# Cosine search normalizes anyway; a norm this far from 1 usually means the wrong array
# (raw backbone features, a transposed export), so it is reported, not silently fixed.
UNIT_NORM_TOLERANCE = 1e-2
MIN_NORM = 1e-6


class VectorFileError(ValueError):
    """The file cannot be read as vectors with ids (shape, dtype, ids count, duplicates)."""


@dataclass(frozen=True)
class VectorBundle:
    ids: list[str]
    vectors: np.ndarray  # float32, N x D
    source: Path
    content_sha256: str  # of the vectors and ids as read: the identity of this import

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])


@dataclass(frozen=True)
class VectorValidation:
    """Rows that cannot be stored (non-finite or zero vectors) and the norms' spread."""

    rejected: dict[str, str]  # id -> reason
    not_unit: int  # usable rows whose norm is off 1 by more than UNIT_NORM_TOLERANCE
    norm_min: float
    norm_max: float

    def usable(self, bundle: VectorBundle) -> np.ndarray:
        """A boolean mask of the rows to import."""
        return np.fromiter((i not in self.rejected for i in bundle.ids), bool, len(bundle.ids))


def _digest(ids: list[str], vectors: np.ndarray) -> str:
    digest = hashlib.sha256(np.ascontiguousarray(vectors, dtype="<f4").tobytes())
    digest.update("\n".join(ids).encode())
    return digest.hexdigest()


def _read_ids(path: Path) -> list[str]:
    if not path.is_file():
        raise VectorFileError(f"ids file {path} not found (one illustration id a line)")
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def _read_parquet(path: Path) -> tuple[list[str], np.ndarray]:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise VectorFileError("reading Parquet needs pyarrow (pip install pyarrow)") from exc
    table = pq.read_table(path)
    for column in ("id", "vector"):
        if column not in table.column_names:
            raise VectorFileError(f"{path}: no {column!r} column (has {table.column_names})")
    ids = [str(i) for i in table.column("id").to_pylist()]
    column = table.column("vector").combine_chunks()
    try:
        flat = column.flatten().to_numpy(zero_copy_only=False)
    except AttributeError as exc:
        raise VectorFileError(f"{path}: 'vector' is not a list column") from exc
    if len(ids) and flat.size % len(ids):
        raise VectorFileError(f"{path}: vectors of different lengths")
    return ids, flat.reshape(len(ids), -1 if len(ids) else 0)


def read_vector_file(path: Path, ids_path: Path | None = None) -> VectorBundle:
    """Read `.npy` (+ ids) or `.parquet`; raises VectorFileError on a malformed file."""
    path = Path(path)
    if not path.is_file():
        raise VectorFileError(f"{path} not found")
    if path.suffix == ".parquet":
        ids, vectors = _read_parquet(path)
    elif path.suffix == ".npy":
        try:
            vectors = np.load(path, mmap_mode="r", allow_pickle=False)
        except ValueError as exc:
            raise VectorFileError(f"{path}: {exc}") from exc
        ids = _read_ids(ids_path or path.with_suffix(".ids"))
    else:
        raise VectorFileError(f"{path}: expected a .npy (with ids) or a .parquet file")
    if vectors.ndim != 2 or vectors.shape[1] == 0:
        raise VectorFileError(f"{path}: expected an N x D array, got shape {vectors.shape}")
    if not np.issubdtype(vectors.dtype, np.floating):
        raise VectorFileError(f"{path}: expected float vectors, got {vectors.dtype}")
    if len(ids) != len(vectors):
        raise VectorFileError(f"{path}: {len(vectors)} vectors but {len(ids)} ids")
    if len(set(ids)) != len(ids):
        counts = Counter(ids)
        duplicates = sorted(i for i, n in counts.items() if n > 1)
        raise VectorFileError(f"{path}: duplicated ids, e.g. {duplicates[:5]}")
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    return VectorBundle(ids, vectors, path, _digest(ids, vectors))


def validate_vectors(bundle: VectorBundle) -> VectorValidation:
    finite = np.isfinite(bundle.vectors).all(axis=1)
    norms = np.linalg.norm(np.where(finite[:, None], bundle.vectors, 0.0), axis=1)
    zero = finite & (norms < MIN_NORM)
    rejected = {bundle.ids[n]: "non-finite values" for n in np.flatnonzero(~finite)}
    rejected |= {bundle.ids[n]: "zero vector" for n in np.flatnonzero(zero)}
    good = finite & ~zero
    kept = norms[good]
    return VectorValidation(
        rejected=rejected,
        not_unit=int((np.abs(kept - 1.0) > UNIT_NORM_TOLERANCE).sum()),
        norm_min=float(kept.min()) if kept.size else 0.0,
        norm_max=float(kept.max()) if kept.size else 0.0,
    )
