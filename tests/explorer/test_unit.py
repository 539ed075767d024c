"""The explorer's own checks: Vitest on its pure parts, svelte-check on its types (both need
`explorer/node_modules`, installed by `scripts/setup.sh`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

EXPLORER = Path(__file__).resolve().parents[2] / "explorer"


@pytest.fixture(scope="module")
def npm() -> str:
    npm = shutil.which("npm")
    if npm is None or not (EXPLORER / "node_modules").is_dir():
        pytest.fail("npm and explorer/node_modules are needed: run `bash scripts/setup.sh`")
    return npm


@pytest.mark.parametrize("script", ["test", "check"])
def test_npm_script(npm, script):
    done = subprocess.run(
        [npm, "run", "--silent", script], cwd=EXPLORER, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
