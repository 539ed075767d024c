"""PCA whitening of descriptors, as DINO's ``utils.PCA`` in its copy-detection evaluation.

Fit: L2-normalize the sample, subtract its mean, eigendecompose the covariance (divided by N),
floor eigenvalues at 1e-5 × the largest, keep the top ``dim`` and build
``diag(λ^-power) · Vᵀ``. Transform: L2-normalize, subtract the mean, project, L2-normalize.

A fitted model is saved as a versioned artifact: ``NAME.npz`` (arrays) next to ``NAME.json``
(metadata), and identified by ``model_id``, a short hash of the arrays and the backbone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ml.printed import PrintNormalization

__all__ = ["ARTIFACT_VERSION", "PCAArtifactError", "PCAWhitening", "l2_normalize"]

ARTIFACT_VERSION = 2  # 2: the print normalization is part of the model
EIGENVALUE_FLOOR = 1e-5


class PCAArtifactError(ValueError):
    """A saved PCA artifact is missing, of another version, or does not match its hash."""


def l2_normalize(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


@dataclass(frozen=True, eq=False)
class PCAWhitening:
    mean: np.ndarray  # [D_in] float64
    projection: np.ndarray  # [dim, D_in] float64, diag(λ^-power) · Vᵀ
    eigenvalues: np.ndarray  # [dim] float64, after flooring, descending
    power: float
    backbone: str
    weights_sha256: str
    sample_size: int
    energy_kept: float
    created: str
    # How crops were prepared before the backbone; vectors only compare under one recipe.
    preprocessing: PrintNormalization = field(default_factory=PrintNormalization)

    @property
    def input_dim(self) -> int:
        return self.projection.shape[1]

    @property
    def dim(self) -> int:
        return self.projection.shape[0]

    @property
    def model_id(self) -> str:
        """12 hex digits identifying this descriptor model (recipe + backbone + weights + PCA)."""
        digest = hashlib.sha256()
        digest.update(f"{self.backbone}:{self.weights_sha256}:{self.power}".encode())
        digest.update(self.preprocessing.key.encode())
        for array in (self.mean, self.projection):
            digest.update(np.ascontiguousarray(array, dtype="<f8").tobytes())
        return digest.hexdigest()[:12]

    @classmethod
    def fit(
        cls,
        x: np.ndarray,
        dim: int,
        power: float = 0.5,
        backbone: str = "",
        weights_sha256: str = "",
        preprocessing: PrintNormalization | None = None,
    ) -> PCAWhitening:
        """Learn the whitening from descriptors ``x`` [N, D_in] (raw, not yet normalized)."""
        x = l2_normalize(np.asarray(x, dtype=np.float64))
        n, d_in = x.shape
        if not 0 < dim <= d_in:
            raise ValueError(f"dim must be in 1..{d_in}, got {dim}")
        mean = x.mean(axis=0)
        centred = x - mean
        cov = centred.T @ centred / n
        eigenvalues, eigenvectors = np.linalg.eigh(cov)
        floor = eigenvalues.max() * EIGENVALUE_FLOOR
        eigenvalues = np.maximum(eigenvalues, floor)
        order = np.argsort(eigenvalues)[::-1][:dim]
        kept = eigenvalues[order]
        projection = np.diag(kept**-power) @ eigenvectors[:, order].T
        return cls(
            mean=mean,
            projection=projection,
            eigenvalues=kept,
            power=power,
            backbone=backbone,
            weights_sha256=weights_sha256,
            sample_size=n,
            energy_kept=float(kept.sum() / eigenvalues.sum()),
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            preprocessing=preprocessing or PrintNormalization(),
        )

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Raw descriptors [N, D_in] → whitened, L2-normalized float32 [N, dim]."""
        x = l2_normalize(np.asarray(x, dtype=np.float64))
        return l2_normalize((x - self.mean) @ self.projection.T).astype(np.float32)

    def save(self, path: Path) -> tuple[Path, Path]:
        """Write ``path.npz`` and ``path.json``; returns both paths."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays, meta = path.with_suffix(".npz"), path.with_suffix(".json")
        np.savez(arrays, mean=self.mean, projection=self.projection, eigenvalues=self.eigenvalues)
        fields = asdict(self)
        for name in ("mean", "projection", "eigenvalues"):
            del fields[name]
        fields |= {
            "version": ARTIFACT_VERSION,
            "model_id": self.model_id,
            "input_dim": self.input_dim,
            "dim": self.dim,
        }
        meta.write_text(json.dumps(fields, indent=2, sort_keys=True) + "\n")
        return arrays, meta

    @classmethod
    def load(cls, path: Path) -> PCAWhitening:
        path = Path(path)
        arrays, meta = path.with_suffix(".npz"), path.with_suffix(".json")
        if not arrays.is_file() or not meta.is_file():
            raise PCAArtifactError(f"PCA artifact {arrays} / {meta} not found")
        fields = json.loads(meta.read_text())
        if fields.get("version") != ARTIFACT_VERSION:
            raise PCAArtifactError(
                f"{meta}: artifact version {fields.get('version')}, expected {ARTIFACT_VERSION}"
            )
        with np.load(arrays) as data:
            model = cls(
                mean=data["mean"],
                projection=data["projection"],
                eigenvalues=data["eigenvalues"],
                power=float(fields["power"]),
                backbone=fields["backbone"],
                weights_sha256=fields["weights_sha256"],
                sample_size=int(fields["sample_size"]),
                energy_kept=float(fields["energy_kept"]),
                created=fields["created"],
                preprocessing=PrintNormalization(**fields["preprocessing"]),
            )
        if model.model_id != fields["model_id"]:
            raise PCAArtifactError(
                f"{path}: content hash {model.model_id} differs from recorded {fields['model_id']}"
            )
        return model
