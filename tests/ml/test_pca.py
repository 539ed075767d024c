"""PCA whitening against a case computed by hand, and the saved artifact."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ml.pca import ARTIFACT_VERSION, PCAArtifactError, PCAWhitening
from ml.printed import PrintNormalization


def test_fit_matches_hand_computed_case():
    # Unit rows, twice as many along the first axis, so the eigenvalues differ.
    x = np.array([[1.0, 0.0], [-1.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    pca = PCAWhitening.fit(x, dim=2, power=0.5)
    # mean 0; cov = diag(4/6, 2/6); eigenvalues descending 2/3, 1/3.
    np.testing.assert_allclose(pca.mean, [0.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(pca.eigenvalues, [2 / 3, 1 / 3], rtol=1e-12)
    # projection = diag(λ^-0.5) Vᵀ, up to the sign of each eigenvector.
    np.testing.assert_allclose(np.abs(pca.projection), [[1.5**0.5, 0.0], [0.0, 3**0.5]], atol=1e-12)
    # transform: [3, 4] → unit [0.6, 0.8] → [0.6·√1.5, 0.8·√3] → L2-normalized.
    raw = np.array([0.6 * 1.5**0.5, 0.8 * 3**0.5])
    out = pca.transform(np.array([[3.0, 4.0]]))
    np.testing.assert_allclose(np.abs(out[0]), raw / np.linalg.norm(raw), rtol=1e-6)
    assert out.dtype == np.float32


def test_eigenvalue_floor_and_dimension_cut():
    # Rank-1 sample in 3-d: two zero eigenvalues are floored at 1e-5 × max.
    x = np.array([[1.0, 1.0, 0.0], [2.0, 0.0, 0.0]])
    pca = PCAWhitening.fit(x, dim=3)
    top = pca.eigenvalues[0]
    np.testing.assert_allclose(pca.eigenvalues[1:], [top * 1e-5, top * 1e-5], rtol=1e-9)
    assert PCAWhitening.fit(x, dim=2).projection.shape == (2, 3)
    with pytest.raises(ValueError, match=r"1\.\.3"):
        PCAWhitening.fit(x, dim=4)


def test_mean_is_subtracted_after_l2_normalization():
    x = np.array([[3.0, 4.0], [4.0, 3.0], [0.0, 5.0], [5.0, 0.0]])
    pca = PCAWhitening.fit(x, dim=2)
    np.testing.assert_allclose(pca.mean, [(0.6 + 0.8 + 0 + 1) / 4, (0.8 + 0.6 + 1 + 0) / 4])


def test_whitened_sample_has_identity_covariance():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 16)) * np.linspace(0.1, 3.0, 16) + 5.0
    pca = PCAWhitening.fit(x, dim=8)
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    projected = (unit - pca.mean) @ pca.projection.T
    cov = projected.T @ projected / len(x)
    np.testing.assert_allclose(cov, np.eye(8), atol=1e-9)


@pytest.mark.parametrize("dim", [768, 384, 256])
def test_configurable_dimensions(dim: int):
    rng = np.random.default_rng(1)
    pca = PCAWhitening.fit(rng.normal(size=(1000, 768)), dim=dim)
    out = pca.transform(rng.normal(size=(5, 768)))
    assert out.shape == (5, dim)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), np.ones(5), rtol=1e-6)


def test_artifact_round_trip(tmp_path: Path):
    rng = np.random.default_rng(2)
    recipe = PrintNormalization(size=320, descreen_radius=4.0, grayscale=True)
    pca = PCAWhitening.fit(
        rng.normal(size=(300, 32)),
        dim=16,
        backbone="dino_vits16",
        weights_sha256="ab" * 32,
        preprocessing=recipe,
    )
    arrays, meta = pca.save(tmp_path / "pca" / "model")
    assert (arrays.name, meta.name) == ("model.npz", "model.json")
    fields = json.loads(meta.read_text())
    assert fields["version"] == ARTIFACT_VERSION == 2
    assert fields["model_id"] == pca.model_id
    assert len(pca.model_id) == 12
    assert (fields["input_dim"], fields["dim"], fields["sample_size"]) == (32, 16, 300)
    assert fields["backbone"] == "dino_vits16"
    assert fields["preprocessing"] == {"size": 320, "descreen_radius": 4.0, "grayscale": True}
    loaded = PCAWhitening.load(tmp_path / "pca" / "model")
    assert loaded.model_id == pca.model_id
    assert loaded.preprocessing == recipe
    probe = rng.normal(size=(3, 32))
    np.testing.assert_array_equal(loaded.transform(probe), pca.transform(probe))


def test_model_id_changes_with_weights_and_tampering(tmp_path: Path):
    x = np.random.default_rng(3).normal(size=(100, 8))
    a = PCAWhitening.fit(x, dim=4, backbone="dino_vits16", weights_sha256="00")
    b = PCAWhitening.fit(x, dim=4, backbone="dino_vits16", weights_sha256="11")
    assert a.model_id != b.model_id
    # Same arrays, crops prepared otherwise: vectors would not compare, so another model.
    grey = PrintNormalization(grayscale=True)
    c = PCAWhitening.fit(x, dim=4, backbone="dino_vits16", weights_sha256="00", preprocessing=grey)
    assert c.model_id != a.model_id
    a.save(tmp_path / "m")
    np.savez(
        tmp_path / "m.npz", mean=a.mean + 1, projection=a.projection, eigenvalues=a.eigenvalues
    )
    with pytest.raises(PCAArtifactError, match="differs from recorded"):
        PCAWhitening.load(tmp_path / "m")
    with pytest.raises(PCAArtifactError, match="not found"):
        PCAWhitening.load(tmp_path / "absent")
