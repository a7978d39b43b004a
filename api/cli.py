"""`billing`: serve, worker, migrate, create-user, demo, export-schema."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import typer

from domain.settings import get_settings

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


@app.command()
def serve(
    host: str = typer.Option(None, help="Interface to bind (default 127.0.0.1 or HOST)."),
    port: int = typer.Option(None, help="Port (default 8000 or PORT)."),
) -> None:
    """Migrate, then serve the API; without REDIS_URL the workers run in-process."""
    import uvicorn

    from api.app import create_app
    from domain.db import migrate_db
    from domain.share_links import MissingSecretKey

    _json_logging()
    settings = get_settings()
    try:
        application = create_app()
    except MissingSecretKey as exc:
        typer.echo(f"billing serve: {exc}", err=True)
        raise typer.Exit(2) from exc
    asyncio.run(migrate_db())
    uvicorn.run(
        application,
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
