"""Real `contagions worker` processes, for tests and module fixtures."""

from __future__ import annotations

import os
from pathlib import Path


class WorkerProcess:
    """A real `contagions worker` process; its output goes to a log file, not to /dev/null."""

    def __init__(
        self,
        queues: tuple[str, ...],
        env: dict[str, str],
        log: Path,
        threads: int,
        netns: str | None = None,
    ):
        import subprocess
        import sys

        self.log = log
        command = [sys.executable, "-m", "api.cli", "worker", "-p", "1", "-t", str(threads)]
        if netns is not None:  # another host: a Linux network namespace the test made
            command = ["ip", "netns", "exec", netns, *command]
        if queues:
            command += ["-Q", ",".join(queues)]
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                command,
                env=os.environ | env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, sig: int | None = None) -> None:
        import signal

        if self.process.poll() is None:
            os.killpg(self.process.pid, sig if sig is not None else signal.SIGTERM)
            self.process.wait(timeout=60)

    def tail(self, chars: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""
