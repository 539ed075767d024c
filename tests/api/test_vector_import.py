"""`contagions vectors import`: vectors embedded elsewhere, into the real vector service."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from api.pipeline.index import NoDescriptorModelError
from api.pipeline.search import ActiveModelSimilarity
from api.pipeline.vector_import import ImportedModel, ImportMismatchError, import_vectors
from api.resources import make_vector_store
from graph.descriptors import active_model, indexed_illustrations
from ml.vectors import SearchFilter
from ml.vectors.bundle import VectorFileError, read_vector_file

MODEL = ImportedModel("dinov2_vits14", "ab" * 32, "grey/cls+gem4/pca64", 64)


def unit(rng, n, dim=64):
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def write_npy(tmp_path, ids, vectors, name="vectors"):
    np.save(tmp_path / f"{name}.npy", vectors)
    (tmp_path / f"{name}.ids").write_text("\n".join(ids) + "\n")
    return tmp_path / f"{name}.npy"


@pytest.fixture
def store(services, settings):
    store = make_vector_store(settings)
    record = MODEL.record("test")
    store.ensure_collection(record.collection, MODEL.dim)
    # The service outlives tests: empty the collection of what these tests write.
    store.delete([f"ill_{n:07d}" for n in range(400)])
    assert store.count() == 0
    yield store
    store.close()


def test_import_validates_records_the_model_and_is_a_no_op_the_second_time(
    clean_graph, press_graph, store, tmp_path, settings
):
    db = clean_graph
    ids = press_graph(300)
    rng = np.random.default_rng(0)
    vectors = unit(rng, 304) * 3.0  # not unit-norm: stored normalized, and reported
    vectors[10] = np.nan
    vectors[11] = 0.0
    file_ids = [*ids, "ill_unknown_a", "ill_unknown_b", "ill_unknown_c", "ill_unknown_d"]
    bundle = read_vector_file(write_npy(tmp_path, file_ids, vectors))
    report = import_vectors(db, bundle, model=MODEL, store=store, chunk=128)

    assert report.rejected == {ids[10]: "non-finite values", ids[11]: "zero vector"}
    assert sorted(report.unknown) == [f"ill_unknown_{c}" for c in "abcd"]
    assert report.imported == 298 and report.already == 0
    assert report.not_unit == 302 and report.norm_range[0] == pytest.approx(3.0, rel=1e-3)
    assert store.count() == 298
    # Every stage's wait is clocked (the bench prints where the time goes from it).
    assert set(report.seconds) == {"validate", "lookup", "upsert", "mark"}
    assert all(spent >= 0 for spent in report.seconds.values())
    stored = store.retrieve([ids[0]])[ids[0]]
    assert np.linalg.norm(stored) == pytest.approx(1.0, abs=1e-5)
    assert stored @ (vectors[0] / 3.0) == pytest.approx(1.0, abs=1e-5)
    # The payload came from the graph: filters work on imported vectors.
    berlin = store.search(vectors[0] / 3.0, 400, filter=SearchFilter(country="DE"))
    assert berlin and all(h.payload["country_code"] == "DE" for h in berlin)
    assert all(h.payload["corpus"] == "press" and "year" in h.payload for h in berlin)

    record = active_model(db)
    assert record is not None and record.id == MODEL.id and record.artifact == ""
    assert (record.backbone, record.weights_sha256, record.preprocessing, record.dim) == (
        MODEL.backbone,
        MODEL.weights_sha256,
        MODEL.recipe,
        MODEL.dim,
    )
    assert len(indexed_illustrations(db, MODEL.id)) == 298

    # The API searches an imported model by stored vector; only embedding an image needs a PCA.
    similarity = ActiveModelSimilarity(db, settings=settings, store=make_vector_store(settings))
    hits = similarity.by_id(ids[0], 3, None, None)
    assert len(hits) == 3 and ids[0] not in {h.id for h in hits}
    assert hits == store.search(vectors[0] / 3.0, 4)[1:]
    assert similarity.by_vector(vectors[5] / 3.0, 1, None, None)[0].id == ids[5]
    with pytest.raises(NoDescriptorModelError, match="no local embedder"):
        similarity.by_image_bytes(b"not needed", 3, None, None)
    similarity.store.close()

    again = import_vectors(db, bundle, model=MODEL, store=store, chunk=128)
    assert (again.imported, again.already) == (0, 298)
    assert store.count() == 298


def test_an_interrupted_import_resumes_where_the_graph_says(
    clean_graph, press_graph, store, tmp_path
):
    db = clean_graph
    ids = press_graph(200)
    vectors = unit(np.random.default_rng(1), 200)
    # The first half went in earlier (say a run that was killed after 100 rows).
    first = read_vector_file(write_npy(tmp_path, ids[:100], vectors[:100], "first"))
    assert import_vectors(db, first, model=MODEL, store=store).imported == 100
    whole = read_vector_file(write_npy(tmp_path, ids, vectors, "whole"))
    report = import_vectors(db, whole, model=MODEL, store=store, chunk=64)
    assert (report.imported, report.already) == (100, 100)
    assert store.count() == 200


def test_a_malformed_file_is_refused_before_anything_is_written(
    clean_graph, press_graph, store, tmp_path
):
    db = clean_graph
    ids = press_graph(8)
    with pytest.raises(VectorFileError, match="8 vectors but 7 ids"):
        read_vector_file(write_npy(tmp_path, ids[:7], unit(np.random.default_rng(2), 8)))
    with pytest.raises(VectorFileError, match="duplicated ids"):
        read_vector_file(write_npy(tmp_path, [ids[0]] * 8, unit(np.random.default_rng(2), 8)))
    np.save(tmp_path / "ints.npy", np.ones((8, 64), dtype=np.int64))
    (tmp_path / "ints.ids").write_text("\n".join(ids))
    with pytest.raises(VectorFileError, match="float"):
        read_vector_file(tmp_path / "ints.npy")
    wrong_dim = read_vector_file(write_npy(tmp_path, ids, unit(np.random.default_rng(2), 8, 32)))
    with pytest.raises(ImportMismatchError, match="32-d"):
        import_vectors(db, wrong_dim, model=MODEL, store=store)
    assert store.count() == 0 and active_model(db) is None


def test_parquet_through_the_command_line(press_graph, store, tmp_path, settings):
    pa = pytest.importorskip("pyarrow", reason="Parquet import needs pyarrow (extra 'parquet')")
    import pyarrow.parquet as pq

    ids = press_graph(40)
    vectors = unit(np.random.default_rng(3), 40)
    vectors[1] = vectors[0] + 0.05 * vectors[1]  # a reprint of the first illustration
    vectors[1] /= np.linalg.norm(vectors[1])
    table = pa.table(
        {
            "id": [*ids, "ill_nowhere"],
            "vector": pa.array(
                [*vectors.tolist(), vectors[0].tolist()], type=pa.list_(pa.float32(), 64)
            ),
        }
    )
    pq.write_table(table, tmp_path / "vectors.parquet")
    identity = ["--backbone", MODEL.backbone, "--weights-sha256", MODEL.weights_sha256]
    command = [sys.executable, "-m", "api.cli", "vectors", "import"]
    command += [str(tmp_path / "vectors.parquet"), *identity, "--recipe", MODEL.recipe]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"model {MODEL.id} (64-d, active): 40 imported" in done.stdout
    assert "1 unknown ids" in done.stdout and "unknown id: ill_nowhere" in done.stdout
    assert store.count() == 40
    again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert "0 imported, 40 already there" in again.stdout

    # Edges come from the imported vectors: no embedder is needed for them.
    similarity = [sys.executable, "-m", "api.cli", "similarity", "--method", "exact"]
    done = subprocess.run(
        [*similarity, "--min-score", "0.9"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "40 illustrations queried, 1 edges written" in done.stdout
