"""Where the project and the shared folder (official schemas, real-world specimens) are."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MOSY_SHARED", ROOT.parent / "shared")).resolve()
STANDARDS = SHARED / "sdmx-standards"
SPECIMENS = SHARED / "specimens"
DOMAIN = SHARED / "domain"
