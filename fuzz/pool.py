"""Worker processes under a memory cap and a timeout; aborts and hangs become outcomes.

The parent never runs an input itself. Each worker handles inputs one at a
time; one that dies (a signal, an abort from native code, running out of its
memory cap) or takes longer than the timeout is reported as such, with the
tail of its stderr, and replaced by a fresh worker.
"""

from __future__ import annotations

import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from fuzz.target import ROOT, Case

#: Address space a worker may use (pyarrow and pandas reserve much virtual memory).
MEMORY_CAP = 3 * 1024**3
#: Seconds an input may take before it counts as a hang.
TIMEOUT = 20.0
#: Seconds a fresh worker may take to import the library.
STARTUP = 60.0


@dataclass
class Outcome:
    """What running one case showed; ``violations`` is empty when the contract held."""

    violations: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.violations


class Worker:
    """One child process running ``fuzz.child``."""

    def __init__(
        self,
        memory_cap: int = MEMORY_CAP,
        timeout: float = TIMEOUT,
        command: list[str] | None = None,
    ) -> None:
        self.memory_cap = memory_cap
        self.timeout = timeout
        self.command = command or [sys.executable, "-m", "fuzz.child"]
        self.proc: subprocess.Popen | None = None
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115

    def _start(self) -> None:
        cap = self.memory_cap

        def limit() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

        self._stderr.seek(0)
        self._stderr.truncate()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "RUST_BACKTRACE": "0"}
        self.proc = subprocess.Popen(
            self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=ROOT,
            env=env,
            preexec_fn=limit,
        )
        if self._receive(STARTUP) != "ready":
            raise RuntimeError(f"fuzz worker did not start: {self._stderr_tail()}")

    def run(self, case: Case, *, thorough: bool = True) -> Outcome:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        assert self.proc is not None and self.proc.stdin is not None
        started = time.monotonic()
        try:
            data = pickle.dumps((case, thorough))
            self.proc.stdin.write(struct.pack(">I", len(data)) + data)
            self.proc.stdin.flush()
            answer = self._receive(self.timeout)
        except BrokenPipeError:
            answer = None
        seconds = time.monotonic() - started
        if isinstance(answer, list):
            return Outcome(answer, seconds)
        return Outcome([self._death(answer)], seconds)

    def _receive(self, timeout: float) -> object:
        assert self.proc is not None and self.proc.stdout is not None
        out = self.proc.stdout
        ready, _, _ = select.select([out], [], [], timeout)
        if not ready:
            return "timeout"
        head = out.read(4)
        if len(head) < 4:
            return "died"
        (size,) = struct.unpack(">I", head)
        return pickle.loads(out.read(size))

    def _death(self, answer: object) -> str:
        assert self.proc is not None
        if answer == "timeout":
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            return f"hang: no answer within {self.timeout:.0f} s"
        code = self.proc.wait()
        self.proc = None
        tail = self._stderr_tail()
        if code < 0:
            name = signal.Signals(-code).name
            return f"abort: killed by {name} ({tail})"
        if "MemoryError" in tail:
            return f"memory: the worker ran out of its {self.memory_cap >> 20} MiB cap ({tail})"
        return f"abort: worker exited with {code} ({tail})"

    def _stderr_tail(self) -> str:
        self._stderr.seek(0)
        lines = [
            line.strip()
            for line in self._stderr.read().decode("utf-8", "replace").splitlines()
            if line.strip()
        ]
        interesting = [line for line in lines if "panicked" in line or "Error" in line]
        return (interesting or lines or ["no output"])[-1][:200]

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        self._stderr.close()


def replay(paths: list[Path], *, timeout: float = TIMEOUT, workers: int = 2) -> dict[Path, Outcome]:
    """Run corpus files (named by ``corpus_case``) every form each, in parallel workers."""
    from concurrent.futures import ThreadPoolExecutor

    from fuzz.corpus_files import corpus_case

    def run_share(share: list[Path]) -> dict[Path, Outcome]:
        worker = Worker(timeout=timeout)
        try:
            return {path: worker.run(corpus_case(path)) for path in share}
        finally:
            worker.close()

    shares = [paths[i::workers] for i in range(workers) if paths[i::workers]]
    with ThreadPoolExecutor(len(shares) or 1) as pool:
        results = list(pool.map(run_share, shares))
    return {path: outcome for result in results for path, outcome in result.items()}
