"""`billing`: serve, worker, migrate, create-user, demo, export-schema."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from domain.settings import Settings, get_settings

if TYPE_CHECKING:
    from starlette.applications import Starlette

app = typer.Typer(help="School billing runs: GraphQL API, workers and tools.", no_args_is_help=True)


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )


def _json_logging() -> None:
    """The long-running processes log JSON lines, for log collectors."""
    from api.logging_setup import setup_logging

    setup_logging()


@app.command()
def migrate() -> None:
    """Apply the database migrations."""
    from domain.db import migrate_db

    _logging()
    asyncio.run(migrate_db())
    typer.echo("migrations applied")


def served_app() -> Starlette:
    """The app as each `billing serve --workers N` process builds it (a uvicorn factory)."""
    from api.app import create_app

    _json_logging()
    return create_app()


def server_processes(workers: int | None, settings: Settings) -> int:
    """How many server processes to run: `workers`, else WEB_CONCURRENCY; 0 is one per core.
    More than one is refused in the embedded mode (its workers and SQLite file live in the
    one server process)."""
    count = settings.web_concurrency if workers is None else workers
    if count < 0:
        raise typer.BadParameter("must be 0 (one per core) or more", param_hint="--workers")
    count = count or os.cpu_count() or 1
    embedded = not settings.redis_url or settings.database_url.startswith("sqlite")
    if count > 1 and embedded:
        raise typer.BadParameter(
            "more than one server process needs REDIS_URL and a PostgreSQL DATABASE_URL "
            "(the embedded mode runs its workers and SQLite in the one server process)",
            param_hint="--workers",
        )
    return count


@app.command()
def serve(
    host: str = typer.Option(None, help="Interface to bind (default 127.0.0.1 or HOST)."),
    port: int = typer.Option(None, help="Port (default 8000 or PORT)."),
    workers: int = typer.Option(
        None,
        help="Server processes sharing the port (default 1 or WEB_CONCURRENCY; 0: one per "
        "core). More than one needs REDIS_URL and PostgreSQL.",
    ),
) -> None:
    """Migrate, then serve the API; without REDIS_URL the workers run in-process."""
    import uvicorn

    from domain.db import migrate_db
    from domain.share_links import MissingSecretKey, load_secret_key

    _json_logging()
    settings = get_settings()
    processes = server_processes(workers, settings)
    try:
        load_secret_key(settings)  # each server process builds its app: refuse here, once
    except MissingSecretKey as exc:
        typer.echo(f"billing serve: {exc}", err=True)
        raise typer.Exit(2) from exc
    asyncio.run(migrate_db())
    uvicorn.run(
        "api.cli:served_app",
        factory=True,
        workers=processes,
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
        log_config=None,
        access_log=False,
        ws="websockets-sansio",
    )


@app.command()
def worker() -> None:
    """Run Dramatiq workers against REDIS_URL."""
    from workers.runtime import run_worker_process

    _json_logging()
    run_worker_process(get_settings())


@app.command("create-user")
def create_user(
    account: str = typer.Option(..., help="Account name; created if new."),
    email: str = typer.Option(..., help="The user's e-mail."),
    role: str = typer.Option("ADMIN", help="ADMIN, FINANCE or VIEWER."),
    name: str = typer.Option(None, help="Display name."),
) -> None:
    """Create the account if new and the user; print the API token as the last line."""
    from domain.bootstrap import create_user_cli

    token = asyncio.run(create_user_cli(account=account, email=email, role=role, name=name))
    typer.echo(token)


@app.command()
def demo() -> None:
    """Fill a demo account and print an ADMIN token as the last line."""
    from domain.demo import run_demo

    _logging()
    token = asyncio.run(run_demo())
    typer.echo(token)


@app.command("export-schema")
def export_schema(path: Path = typer.Argument(Path("schema.graphql"))) -> None:
    """Write the GraphQL schema (SDL) to a file."""
    from api.schema import schema

    path.write_text(schema.as_str() + "\n")
    typer.echo(f"wrote {path}")


if __name__ == "__main__":
    app()
