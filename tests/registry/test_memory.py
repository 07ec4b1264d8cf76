"""Memory a worker thread freed goes back to the system (the publication's big frames)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from registry import memory

#: In a fresh process: a worker thread makes and drops ~400 MiB of mid-size arrays
#: (a publication's pattern), then the resident size before and after the trim (MiB).
_CHILD = """
import threading
import numpy as np
from registry.memory import give_back_memory

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024

def work():
    kept = []
    for _ in range(400):
        kept.append(np.ones(1 << 17))
        if len(kept) > 300:
            kept.pop(0)
    small = [np.ones(100) for _ in range(1000)]
    kept.clear()
    return small

held = []
thread = threading.Thread(target=lambda: held.append(work()))
thread.start()
thread.join()
before = rss()
give_back_memory()
print(before, rss())
"""


@pytest.mark.skipif(
    memory._MALLOC_TRIM is None or not sys.platform.startswith("linux"),
    reason="malloc_trim is glibc's (Linux)",
)
def test_memory_freed_in_a_worker_thread_goes_back_to_the_system() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    before, after = map(int, out.split())
    assert before - after >= 50, (before, after)
