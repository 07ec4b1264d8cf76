"""The project's fuzz package (``fuzz/`` at the project root) for the tests that use it.

It is not installed with the library, so its folder is put on ``sys.path``
(after everything else: the library still comes from where pytest found it).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from fuzz.corpus_files import CORPUS, corpus_case, corpus_paths  # noqa: E402
from fuzz.mutators import mutate  # noqa: E402
from fuzz.pool import Worker, replay  # noqa: E402
from fuzz.seeds import thb_dataset, thb_seeds  # noqa: E402
from fuzz.target import Case, exercise  # noqa: E402

__all__ = [
    "CORPUS",
    "Case",
    "Worker",
    "corpus_case",
    "corpus_paths",
    "exercise",
    "mutate",
    "replay",
    "thb_dataset",
    "thb_seeds",
]
