"""The registry application: ``create_app(settings)`` wires the service, nothing more.

Nothing is built at import time: the engine is made in the lifespan (so
tests and workers each get their own, after fork), the schema is checked to
be at the migrations' head (``mosy-registry serve`` upgrades before starting
workers), and every route is a router of ``registry.routers``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from mosy_sdmx import __version__
from registry.compression import CompressionMiddleware
from registry.db.engine import make_engine
from registry.db.migrate import check_schema
from registry.errors import install_error_handlers
from registry.middleware import (
    HeadMiddleware,
    LimitsMiddleware,
    RequestIdMiddleware,
    TrailingSlashMiddleware,
)
from registry.portal import mount_static
from registry.publication.worker import BackgroundWorker
from registry.routers import ROUTERS
from registry.settings import Settings, load_settings
from registry.store.structures import StructureCache

DESCRIPTION = """\
The MoSy SDMX registry publishes the THB structures (and, with the next
releases, data) over the standard SDMX REST API: SDMX REST 1.5.0 (SDMX 2.1
messages) under `/sdmx/2.1/` and SDMX REST 2.1.0 (SDMX 3.0 messages) under
`/sdmx/3.0/`. Errors are SDMX error messages on SDMX routes and
`{"status", "code", "title", "detail"}` elsewhere.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for ``settings`` (default: from ``MOSY_*`` variables)."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.effective_database_url)
        try:
            check_schema(engine)
        except Exception:
            engine.dispose()
            raise
        app.state.engine = engine
        app.state.structure_cache = StructureCache()
        worker = (
            BackgroundWorker(engine, settings, app.state.structure_cache).start()
            if settings.background_worker
            else None
        )
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            engine.dispose()

    app = FastAPI(
        title="MoSy SDMX registry",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    _configure_logging(settings.log_level)
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    mount_static(app)
    # Outermost last: limits run first, then ids, CORS and compression.
    app.add_middleware(CompressionMiddleware, minimum_size=settings.gzip_min_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=[
            "Accept",
            "Accept-Language",
            "If-None-Match",
            "If-Modified-Since",
            "X-Request-ID",
        ],
        expose_headers=["ETag", "Last-Modified", "X-Request-ID", "Content-Disposition"],
        max_age=3600,
    )
    app.add_middleware(TrailingSlashMiddleware)
    app.add_middleware(HeadMiddleware)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(
        LimitsMiddleware,
        max_url_length=settings.max_url_length,
        max_body_bytes=settings.max_body_mb << 20,
        # the file may reach the limit; its multipart framing comes on top
        max_upload_bytes=(settings.max_upload_mb << 20) + (1 << 16),
    )
    return app


def _configure_logging(level: str) -> None:
    """Log lines of the registry (one per request, with its request id) to stderr.

    Left alone when the embedding application configured the ``registry``
    logger itself.
    """
    logger = logging.getLogger("registry")
    logger.setLevel(level.upper())
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
