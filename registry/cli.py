"""``mosy-registry``: serve the registry and administer its store.

Commands are verbs on the store: ``serve``, ``db upgrade``, ``structures
load|list``, ``data load|list``, ``token create|list|revoke``, ``changes``,
``purge-rejected``. Every command takes ``--data-dir`` and ``--database-url``
(or the ``MOSY_*`` variables), and refuses bad settings with exit code 2 and
a message naming the variable.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from mosy_sdmx.exceptions import MosyError
from registry.settings import Settings, SettingsError, load_settings

app = typer.Typer(
    help="MoSy SDMX registry: serve the SDMX REST API and administer its store.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="The database schema (Alembic migrations).", no_args_is_help=True)
structures_app = typer.Typer(help="Structures held by the registry.", no_args_is_help=True)
token_app = typer.Typer(help="Bearer tokens (stored hashed).", no_args_is_help=True)
data_app = typer.Typer(help="Observations held by the registry.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(structures_app, name="structures")
app.add_typer(token_app, name="token")
app.add_typer(data_app, name="data")

out = Console()
err = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Folder of the SQLite database and files [MOSY_DATA_DIR]."),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="SQLAlchemy URL, e.g. postgresql://... [MOSY_DATABASE_URL]."
    ),
]


def _settings(data_dir: Path | None, database_url: str | None) -> Settings:
    overrides: dict = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if database_url is not None:
        overrides["database_url"] = database_url
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def _engine(settings: Settings, *, upgrade: bool = True):
    from registry.db import migrate
    from registry.db.engine import make_engine

    engine = make_engine(settings.effective_database_url, pool_size=1)
    if upgrade:
        migrate.upgrade(engine)
    return engine


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    demo: Annotated[bool, typer.Option("--demo", help="Also load generated demo data.")] = False,
) -> None:
    """Start the registry (migrations applied, THB structures loaded into an empty store)."""
    import uvicorn

    from registry.bootstrap import prepare_store

    settings = _settings(data_dir, database_url)
    try:
        prepared = prepare_store(settings, demo=demo)
    except MosyError as exc:
        err.print(f"[red]cannot start: {exc}[/red]")
        raise typer.Exit(2) from None
    if prepared.loaded is not None:
        out.print(f"loaded {len(prepared.loaded.results)} structures into the empty store")
    if prepared.demo_files:
        out.print(f"demo data: {len(prepared.demo_files)} files ready")
    prepared.engine.dispose()
    # Workers build their own app from the same settings, passed as MOSY_* variables.
    os.environ["MOSY_DATA_DIR"] = str(settings.data_dir.resolve())
    if settings.database_url:
        os.environ["MOSY_DATABASE_URL"] = settings.database_url
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    out.print(
        f"MoSy registry on [bold]http://{shown}:{port}/[/bold] "
        f"(API docs: http://{shown}:{port}/docs, dataflows: "
        f"http://{shown}:{port}/sdmx/2.1/dataflow)"
    )
    uvicorn.run(
        "registry.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        access_log=False,  # the registry logs each request itself, with its request id
        proxy_headers=True,
    )


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Apply every pending migration."""
    from registry.db import migrate

    engine = _engine(_settings(data_dir, database_url))
    out.print(f"schema at revision {migrate.current_revision(engine)}")


@structures_app.command("load")
def structures_load(
    file: Annotated[
        Path, typer.Argument(help="SDMX-ML 2.1 or 3.0, or SDMX-JSON 2.0, structure message.")
    ],
    replace_final: Annotated[
        bool,
        typer.Option("--replace-final", help="Also replace stable (final) artefacts that changed."),
    ] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Add or replace the artefacts of a structure message.

    Each artefact is judged on its own, as a POST is: those refused (a changed
    stable artefact, a reference the registry cannot resolve) and those that
    need them are not stored, the rest is; the exit status is 1 if any was refused.
    """
    from registry.store.changes import CLI
    from registry.store.structures import load_structure_file

    engine = _engine(_settings(data_dir, database_url))
    try:
        report = load_structure_file(engine, file, actor=CLI, replace_stable=replace_final)
    except MosyError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    for result in report.results:
        colour = "green" if result.outcome.ok else "red"
        out.print(f"[{colour}]{result.outcome:>17}[/{colour}]  {result.message}")
    if not report.ok:
        refused = sum(not r.outcome.ok for r in report.results)
        kept = len(report.results) - refused
        if report.applied and kept:
            err.print(f"[red]{refused} refused[/red], {kept} stored or unchanged")
        else:
            err.print("[red]nothing was stored[/red]")
        raise typer.Exit(1)


@structures_app.command("list")
def structures_list(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Every artefact held, with its type, version and last change."""
    from registry.store.structures import list_artefacts

    engine = _engine(_settings(data_dir, database_url))
    with engine.connect() as conn:
        rows = list_artefacts(conn)
    table = Table("type", "agency", "id", "version", "final", "updated")
    for row in rows:
        table.add_row(
            row.ref.type,
            row.ref.agency,
            row.ref.id,
            row.ref.version,
            "yes" if row.is_final else "no",
            row.updated_at.isoformat(),
        )
    out.print(table)
    out.print(f"{len(rows)} artefacts")


@data_app.command("load")
def data_load(
    file: Annotated[Path, typer.Argument(help="A data file in any format the library reads.")],
    flow: Annotated[str, typer.Option("--flow", help="Dataflow id, e.g. DF_THB_VICTIMS.")],
    provider: Annotated[str, typer.Option("--provider", help="Data provider id, e.g. PT_NREM.")],
    action: Annotated[
        str | None,
        typer.Option(help="append, replace or delete (default: the file's own; else replace)."),
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Validate a data file and store it, all or nothing; rejected data stores nothing."""
    from mosy_sdmx.dataset import Action
    from mosy_sdmx.validation.render import render_text
    from registry.loading import load_file
    from registry.publication.publish import publish_pending
    from registry.store.changes import CLI

    if action is not None and action.lower() not in ("append", "replace", "delete"):
        err.print(f"[red]--action must be append, replace or delete, not {action!r}[/red]")
        raise typer.Exit(2)
    if not file.is_file():
        err.print(f"[red]{file} is not a file[/red]")
        raise typer.Exit(2)
    engine = _engine(_settings(data_dir, database_url))
    try:
        outcome = load_file(
            engine,
            file,
            flow=flow,
            provider=provider,
            action=Action.parse(action) if action else None,
            actor=CLI,
        )
        published = publish_pending(engine) if outcome.accepted else []
    except MosyError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    if not outcome.accepted:
        print(render_text(outcome.report), end="", file=sys.stderr)
        err.print("[red]rejected: nothing was stored[/red]")
        raise typer.Exit(2 if outcome.report.unusable else 1)
    if outcome.report.issues:
        print(render_text(outcome.report), end="")
    result = outcome.result
    assert result is not None
    out.print(
        f"[green]stored[/green] {file.name} in {result.flow} for {provider} "
        f"({result.action.value}, load {result.load_pk}): {result.added} added, "
        f"{result.changed} changed, {result.deleted} deleted, {result.unchanged} unchanged"
    )
    if published:
        out.print(
            f"published: release(s) {', '.join(map(str, published))} (public dataflows updated)"
        )


@data_app.command("list")
def data_list(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Dataflows holding data: observations, series and providers, last change."""
    from registry.store.data_queries import flow_summaries

    engine = _engine(_settings(data_dir, database_url))
    with engine.connect() as conn:
        rows = flow_summaries(conn)
    engine.dispose()
    table = Table("dataflow", "observations", "series", "providers", "updated")
    for row in rows:
        table.add_row(
            str(row.flow),
            str(row.observations),
            str(row.series),
            ", ".join(row.providers),
            row.updated_at.isoformat() if row.updated_at else "",
        )
    out.print(table)


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="admin, submitter or reader.")] = "admin",
    name: Annotated[str | None, typer.Option(help="A label to tell tokens apart.")] = None,
    provider: Annotated[
        str | None, typer.Option(help="Data provider the token acts for (not for admin).")
    ] = None,
    expires: Annotated[int | None, typer.Option(min=1, help="Days until it expires.")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a token; its secret is printed once, as the last line."""
    from registry.store.tokens import Role, create_token

    try:
        role_value = Role(role.lower())
    except ValueError:
        err.print(f"[red]--role must be admin, submitter or reader, not {role!r}[/red]")
        raise typer.Exit(2) from None
    engine = _engine(_settings(data_dir, database_url))
    try:
        with engine.begin() as conn:
            token, secret = create_token(
                conn,
                name=name or f"{role_value}{'-' + provider if provider else ''}",
                role=role_value,
                provider=provider,
                expires_in=timedelta(days=expires) if expires else None,
            )
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    expiry = token.expires_at.isoformat() if token.expires_at else "never"
    out.print(f"token {token.pk} ({token.name}, role {token.role}, expires {expiry}):")
    print(secret)


@token_app.command("list")
def token_list(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Tokens without their secrets."""
    from registry.store.tokens import list_tokens

    engine = _engine(_settings(data_dir, database_url))
    with engine.connect() as conn:
        rows = list_tokens(conn)
    table = Table("#", "name", "starts with", "role", "provider", "created", "expires", "revoked")
    for t in rows:
        table.add_row(
            str(t.pk),
            t.name,
            t.prefix + "…",
            t.role.value,
            t.provider or "",
            t.created_at.isoformat(),
            t.expires_at.isoformat() if t.expires_at else "",
            t.revoked_at.isoformat() if t.revoked_at else "",
        )
    out.print(table)


@token_app.command("revoke")
def token_revoke(
    number: Annotated[int, typer.Argument(help="The token's number (see 'token list').")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a token at once (every process refuses it on its next request)."""
    from registry.store.tokens import revoke_token

    engine = _engine(_settings(data_dir, database_url))
    with engine.begin() as conn:
        done = revoke_token(conn, pk=number)
    if not done:
        err.print(f"[red]no active token number {number}[/red]")
        raise typer.Exit(1)
    out.print(f"token {number} revoked")


@app.command()
def changes(
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 50,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """The change log: who changed what, and when."""
    from registry.store.changes import list_changes

    engine = _engine(_settings(data_dir, database_url))
    with engine.connect() as conn:
        rows = list_changes(conn, limit=limit)
    table = Table("at", "actor", "action", "target")
    for c in rows:
        table.add_row(c.at.isoformat(), c.actor, c.action, c.target)
    out.print(table)


@app.command("purge-rejected")
def purge_rejected(
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            min=0,
            help="Remove files of rejected submissions older than this many days; 0: keep "
            "all [MOSY_REJECTED_FILE_DAYS, default 90].",
        ),
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Remove the files of old rejected submissions now (the worker does it hourly).

    Their log rows, checksums and reports stay; accepted files are never removed.
    """
    from registry.store.revisions import now
    from registry.submissions.retention import cutoff_of, purge_rejected_files

    settings = _settings(data_dir, database_url)
    keep = settings.rejected_file_days if days is None else days
    if keep == 0:
        out.print("rejected files are kept forever (0 days): nothing removed")
        return
    engine = _engine(settings)
    at = now()
    try:
        purged = purge_rejected_files(engine, keep, at=at)
    finally:
        engine.dispose()
    out.print(
        f"removed {purged.files} file(s), {purged.bytes:,} bytes, of rejected submissions "
        f"received before {cutoff_of(keep, at):%Y-%m-%d %H:%M} UTC ({keep} days)",
        soft_wrap=True,
    )


def main() -> None:
    try:
        app()
    except SettingsError as exc:  # pragma: no cover - settings are checked in _settings
        err.print(f"[red]{exc}[/red]")
        sys.exit(2)
