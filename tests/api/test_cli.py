"""The command line fails loudly and clearly: stores down, weights missing (issue 8)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def contagions(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env=os.environ | (env or {}),
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture
def nothing_running(tmp_path) -> dict[str, str]:
    """Settings whose local services would listen on ports where nothing listens."""
    bolt = free_port()
    return {
        "CONTAGIONS_DATA_DIR": str(tmp_path),
        "CONTAGIONS_NEO4J__BOLT_PORT": str(bolt),
        "CONTAGIONS_NEO4J__HTTP_PORT": str(free_port()),
        "CONTAGIONS_BROKER__REDIS_PORT": str(free_port()),
        "CONTAGIONS_VECTORS__SERVICE_PORT": str(free_port()),
    }


def test_demo_run_refuses_when_services_are_down(nothing_running):
    done = contagions("demo", "run", env=nothing_running)
    assert done.returncode == 1
    assert "services not running" in done.stderr
    assert "neo4j" in done.stderr and "contagions up" in done.stderr
    assert "Traceback" not in done.stderr


def test_status_reports_each_store_and_exits_3(nothing_running):
    done = contagions("status", env=nothing_running)
    assert done.returncode == 3, done.stderr
    health = json.loads(done.stdout)
    assert health["status"] == "unavailable"
    assert not any(c["ok"] for c in health["components"].values())
    assert "Traceback" not in done.stderr


def test_pca_fit_without_weights_says_how_to_get_them(services):
    no_weights = {
        "CONTAGIONS_MODEL__BACKBONE": "dino_vits16",
        "CONTAGIONS_MODEL__ALLOW_DOWNLOAD": "false",
        "CONTAGIONS_MODEL__FALLBACK_BACKBONE": "none",
    }
    done = contagions("pca", "fit", env=no_weights)
    assert done.returncode == 1
    assert "No weights for backbone 'dino_vits16'" in done.stderr
    assert "CONTAGIONS_MODEL__CHECKPOINT" in done.stderr
    assert "Traceback" not in done.stderr


def test_pca_fit_with_a_missing_checkpoint_names_it(services, tmp_path):
    missing = tmp_path / "dino_deitsmall16_pretrain.pth"
    done = contagions(
        "pca",
        "fit",
        env={
            "CONTAGIONS_MODEL__CHECKPOINT": str(missing),
            "CONTAGIONS_MODEL__FALLBACK_BACKBONE": "none",
        },
    )
    assert done.returncode == 1
    assert str(missing) in done.stderr and "does not exist" in done.stderr
    assert "Traceback" not in done.stderr


def test_ingest_refresh_makes_a_job_that_ignores_validators(clean_graph, clean_broker, tmp_path):
    from graph.ingest import get_task, task_id

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("https://iiif.example/a.json\n")
    done = contagions("ingest", str(corpus), "--corpus", "cli", "--refresh", "--no-wait")
    assert done.returncode == 0, done.stderr
    job_id = done.stdout.split()[2].rstrip(":")
    assert get_task(clean_graph, task_id(job_id, "https://iiif.example/a.json")).refresh is True
