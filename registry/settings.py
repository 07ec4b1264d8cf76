"""Registry settings from ``MOSY_*`` environment variables.

The embedded default (SQLite and local files under ``./mosy-data``) needs no
configuration; several workers share one PostgreSQL database through
``MOSY_DATABASE_URL``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path = Path("mosy-data")
    database_url: str = ""
    structure_file: Path | None = None

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'registry.sqlite3'}"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        structure = env.get("MOSY_STRUCTURE_FILE")
        return cls(
            data_dir=Path(env.get("MOSY_DATA_DIR", "mosy-data")),
            database_url=env.get("MOSY_DATABASE_URL", ""),
            structure_file=Path(structure) if structure else None,
        )
