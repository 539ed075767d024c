"""The explorer's Vitest tests of its pure parts (needs `explorer/node_modules`, installed by
`scripts/setup.sh`, whose `npm run build` also type-checks the app)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

EXPLORER = Path(__file__).resolve().parents[2] / "explorer"


@pytest.fixture
def npm() -> str:
    npm = shutil.which("npm")
    if npm is None or not (EXPLORER / "node_modules").is_dir():
        pytest.fail("npm and explorer/node_modules are needed: run `bash scripts/setup.sh`")
    return npm


def test_vitest(npm):
    done = subprocess.run(
        [npm, "run", "--silent", "test"], cwd=EXPLORER, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
