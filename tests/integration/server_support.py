"""SeclakeServer: one real `seclake serve` subprocess on a free loopback port, restartable (used by conftest)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from seclake.control.scopes import ALL_SCOPES
from seclake.control.tokens import create_token

STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SeclakeServer:
    """One `python -m seclake serve` process; restartable on the same port and data directory."""

    def __init__(self, data_dir: Path, *, env: dict[str, str] | None = None, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env or {}
        self.admin_token = create_token(data_dir, "test admin", sorted(ALL_SCOPES))[1]
        self.log_path = data_dir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None, "server is not running"
        return self.process.pid

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Api-Token {self.admin_token}"}

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def start(self) -> SeclakeServer:
        assert self.process is None or self.process.poll() is not None, "already running"
        env = os.environ | {"SECLAKE_LOG_LEVEL": "WARNING"} | self.env
        cmd = [
            sys.executable,
            "-m",
            "seclake",
            "serve",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"seclake serve exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(self.url + "/readyz", timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"seclake serve not ready after {STARTUP_TIMEOUT_S}s:\n{self.log_tail()}")

    def stop(self) -> bool:
        """SIGTERM (graceful: lifespan shutdown closes the store); SIGKILL if it hangs.

        True when the server shut down cleanly (uvicorn re-raises the SIGTERM after its graceful shutdown,
        so a clean exit is 0 or -SIGTERM).
        """
        if self.process is None or self.process.poll() is not None:
            return False
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()
            raise RuntimeError(f"seclake serve ignored SIGTERM:\n{self.log_tail()}") from None
        return code in (0, -signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: a crash, no shutdown code runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)

    def rss_bytes(self) -> int:
        return int(psutil.Process(self.pid).memory_info().rss)
