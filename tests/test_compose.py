"""docker-compose.yml cannot run here (no Docker): check it by reading it."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from api.settings import env_var_names

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_service_is_there(compose):
    assert set(compose["services"]) == {
        "neo4j",
        "qdrant",
        "redis",
        "api",
        "worker-ingest",
        "worker-gpu",
    }
    assert compose["services"]["neo4j"]["image"].startswith("neo4j:5.26")


def test_app_env_names_are_settings(compose):
    known = env_var_names()
    for name in ("api", "worker-ingest", "worker-gpu"):
        env = compose["services"][name]["environment"]
        names = {key for key in env if key.startswith("CONTAGIONS_")}
        assert names, name
        assert names <= known, f"{name}: unknown settings {sorted(names - known)}"
        assert env["CONTAGIONS_NEO4J__URI"] == "bolt://neo4j:7687"
        assert env["CONTAGIONS_BROKER__URL"] == "redis://redis:6379/0"
        assert env["CONTAGIONS_VECTORS__URL"] == "http://qdrant:6333"


def test_ports_volumes_and_healthchecks(compose):
    services = compose["services"]
    assert "127.0.0.1:7474:7474" in services["neo4j"]["ports"]
    assert "127.0.0.1:7687:7687" in services["neo4j"]["ports"]
    assert "127.0.0.1:8000:8000" in services["api"]["ports"]
    assert "neo4j-data:/data" in services["neo4j"]["volumes"]
    assert "qdrant-data:/qdrant/storage" in services["qdrant"]["volumes"]
    declared = set(compose["volumes"])
    for service in services.values():
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in declared
    for name in ("neo4j", "qdrant", "redis", "api"):
        assert services[name]["healthcheck"]["test"], name
    for name in ("api", "worker-ingest", "worker-gpu"):
        depends = services[name]["depends_on"]
        assert all(depends[d]["condition"] == "service_healthy" for d in depends)


def test_auth_comes_from_env_and_gpu_is_reserved(compose):
    services = compose["services"]
    assert services["neo4j"]["environment"]["NEO4J_AUTH"].startswith("neo4j/${NEO4J_PASSWORD")
    assert "redis-server" in services["redis"]["command"]
    assert "--appendonly" in services["redis"]["command"]
    devices = services["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]
    assert "gpu" in services["worker-gpu"]["command"]


def test_dockerfile_installs_the_packages():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("api", "graph", "ingest", "ml"):
        assert f"COPY {package} ./{package}" in dockerfile
    assert "pip install --require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-deps ." in dockerfile


def _locked(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        if line and not line.startswith((" ", "#")) and "==" in line:
            names.add(_canonical(line.split("==")[0]))
    return names


def _canonical(requirement: str) -> str:
    name = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def test_lock_files_pin_every_declared_dependency():
    # A dependency added to pyproject.toml without `bash scripts/lock.sh` fails here, not in CI's
    # install from the lock.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_canonical(r) for r in project["dependencies"]}
    dev = {_canonical(r) for r in project["optional-dependencies"]["dev"]}
    assert runtime <= _locked(ROOT / "requirements.lock")
    assert runtime | dev <= _locked(ROOT / "requirements-dev.lock")
