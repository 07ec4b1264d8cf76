"""Registry settings from ``MOSY_*`` environment variables (pydantic-settings).

The embedded default (SQLite and local files under ``./mosy-data``) needs no
configuration; several workers share one PostgreSQL database through
``MOSY_DATABASE_URL``. Nonsense is refused at start-up by ``load_settings``
with one line per bad setting, naming the variable, not deep in a request.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

#: Database URL schemes the registry runs on; SQLAlchemy dialect+driver they become.
_DRIVERS = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}


class SettingsError(ValueError):
    """Settings that cannot work; the message names each variable and the fix."""


class Settings(BaseSettings):
    """Everything the registry can be told; each field is ``MOSY_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="MOSY_", frozen=True, extra="forbid")

    data_dir: Path = Field(
        Path("mosy-data"), description="Folder for the SQLite database and stored files."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; default: SQLite in the data directory. "
        "PostgreSQL: postgresql://user@host/db (driver psycopg 3).",
    )
    structure_file: Path | None = Field(
        None,
        description="Structure message loaded into an empty store instead of the THB structures.",
    )
    public_url: str | None = Field(
        None, description="Base URL the registry is reached at, for links (no trailing /)."
    )
    cors_origins: Annotated[
        list[str], NoDecode, Field(description="Origins allowed by CORS (comma-separated).")
    ] = ["*"]
    max_url_length: int = Field(
        4096, ge=256, le=65536, description="Longer request targets are refused with 414."
    )
    max_body_mb: int = Field(
        64, ge=1, le=1 << 20, description="Larger request bodies are refused with 413."
    )
    max_upload_mb: int = Field(
        256,
        ge=1,
        le=1 << 20,
        description="Larger data submissions are refused with 413 (streamed to disk, "
        "never held in memory).",
    )
    gzip_min_bytes: int = Field(
        1024, ge=0, description="Responses shorter than this are sent uncompressed."
    )
    log_level: str = Field("info", description="debug, info, warning or error.")
    background_worker: bool = Field(
        True, description="Publish releases and deliver notifications in this process."
    )
    worker_poll_seconds: float = Field(
        2.0, gt=0, le=3600, description="How often the worker looks for work of other processes."
    )
    publish_processes: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=0,
        le=256,
        description="Processes that protect a large table's sub-tables in parallel when "
        "publishing (default: the machine's CPUs); 0 or 1: in the publishing thread.",
    )
    notification_retry_seconds: float = Field(
        30.0, gt=0, description="First retry delay of a failed notification (doubles each time)."
    )
    notification_max_attempts: int = Field(
        10, ge=1, le=100, description="Attempts before a notification is given up."
    )
    callback_private: bool = Field(
        False,
        description="Allow subscription callbacks to loopback, private and link-local "
        "addresses (a closed network); off, they are refused.",
    )
    notification_timeout_seconds: float = Field(
        10.0, gt=0, le=300, description="How long a subscriber's callback may take to answer."
    )
    rejected_file_days: int = Field(
        90,
        ge=0,
        le=36500,
        description="Days a rejected submission's file is kept before the background worker "
        "removes it (its log row and report stay); 0: kept forever. Accepted files always stay.",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",")]
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        scheme, sep, rest = value.partition("://")
        if not sep or scheme.lower() not in _DRIVERS:
            raise ValueError(
                f"{value!r} is not a database URL the registry runs on; use "
                "sqlite:///path/registry.sqlite3 or postgresql://user@host:5432/db"
            )
        return f"{_DRIVERS[scheme.lower()]}://{rest}"

    @field_validator("data_dir")
    @classmethod
    def _usable_folder(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError(f"{value} exists and is not a folder")
        return value

    @field_validator("structure_file")
    @classmethod
    def _existing_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a file")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().lower()
        if level not in ("debug", "info", "warning", "error"):
            raise ValueError(f"{value!r} is not one of debug, info, warning, error")
        return level

    @field_validator("public_url")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} must start with http:// or https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _no_empty_origins(self) -> Settings:
        if any(not origin.strip() for origin in self.cors_origins):
            raise ValueError("MOSY_CORS_ORIGINS holds an empty origin")
        return self

    @property
    def effective_database_url(self) -> str:
        """The URL in use: MOSY_DATABASE_URL, or SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'registry.sqlite3').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")


def load_settings(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from the environment (or ``environ``) and keyword overrides.

    Raises SettingsError with one line per bad value, each naming its
    ``MOSY_*`` variable, so that a start-up failure says what to change.
    """
    try:
        if environ is None:
            return Settings(**overrides)
        values: dict[str, Any] = {
            name: environ[f"MOSY_{name.upper()}"]
            for name in Settings.model_fields
            if f"MOSY_{name.upper()}" in environ
        }
        values.update(overrides)
        return _FromMapping(**values)
    except ValidationError as exc:
        raise SettingsError(_explain(exc)) from None


class _FromMapping(Settings):
    """Settings read from a given mapping only (tests, embedding), not os.environ."""

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, **sources):  # type: ignore[override]
        return (init_settings,)


def _explain(exc: ValidationError) -> str:
    lines = ["invalid registry settings:"]
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"]) or "settings"
        variable = f"MOSY_{field.upper()}" if field != "settings" else "settings"
        message = error["msg"].removeprefix("Value error, ")
        value = error.get("input")
        shown = f" (got {value!r})" if value is not None and not isinstance(value, dict) else ""
        lines.append(f"  {variable}: {message}{shown}")
    return "\n".join(lines)
