"""The registry application: ``create_app(settings)`` wires the service.

A skeleton for now: it loads the structures once at start-up (the library's
``load_structures``) and answers a health check. The SDMX REST routers and the
submission endpoints come with the registry issues.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from mosy_sdmx import __version__, load_structures
from registry.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; nothing is created at import time, so tests can swap settings."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.structures = load_structures(settings.structure_file)
        yield

    app = FastAPI(title="MoSy SDMX registry", version=__version__, lifespan=lifespan)
    app.state.settings = settings

    @app.get("/health")
    def health() -> dict[str, object]:
        structures = app.state.structures
        return {
            "status": "ok",
            "version": __version__,
            "dataflows": sorted(structures.dataflows),
        }

    return app
