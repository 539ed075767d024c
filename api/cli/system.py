"""Running the system: local services, the API server, workers, health."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from api.cli.common import fail, load_settings
from api.services.process import ServiceError
from api.settings import Settings


def _print_neo4j_memory(settings: Settings) -> None:
    """What the local Neo4j will be started with (nothing when it runs already or is remote)."""
    from api.services.manager import local_neo4j

    if settings.neo4j.is_local and not local_neo4j(settings).is_running():
        click.echo(local_neo4j(settings).memory().describe())


@click.group()
def services() -> None:
    """Local Neo4j and Redis (used when no external URI is configured)."""


@services.command("up")
def services_up_command() -> None:
    from api.services.manager import services_up

    settings = load_settings()
    _print_neo4j_memory(settings)
    try:
        for status in services_up(settings):
            click.echo(f"{status.name:7} {'up' if status.running else 'DOWN':5} {status.address}")
    except ServiceError as exc:
        fail(str(exc))


@services.command("down")
def services_down_command() -> None:
    from api.services.manager import services_down

    services_down(load_settings())
    click.echo("local services stopped")


@services.command("status")
def services_status_command() -> None:
    from api.services.manager import services_status

    statuses = services_status(load_settings())
    for status in statuses:
        where = "local" if status.managed else "external"
        state = "up" if status.running else "down"
        click.echo(f"{status.name:7} {state:5} {where:8} {status.address}")
    if not all(s.running for s in statuses):
        sys.exit(3)


@click.group()
def vectors() -> None:
    """The vector store."""


@vectors.command("serve")
def vectors_serve() -> None:
    """Run the service that owns the embedded Qdrant engine (foreground)."""
    from ml.vectors.service import serve

    settings = load_settings()
    settings.vector_path.mkdir(parents=True, exist_ok=True)
    serve(
        settings.vector_path,
        host=settings.vectors.service_host,
        port=settings.vectors.service_port,
        idle_close_s=settings.vectors.idle_close_s or None,
    )


@vectors.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--ids",
    "ids_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="For a .npy: the ids file, one illustration id a line (default: FILE.ids).",
)
@click.option("--backbone", required=True, help="The network that made the vectors.")
@click.option("--weights-sha256", required=True, help="SHA-256 of its weights file.")
@click.option(
    "--recipe",
    required=True,
    help="Preprocessing, pooling and projection, e.g. 'grey+blur2/cls+gem4/pca384'.",
)
@click.option(
    "--activate/--no-activate",
    default=True,
    show_default=True,
    help="Make the imported model the active one (edges and clusters use it).",
)
@click.option("--chunk", type=int, default=20_000, show_default=True)
def vectors_import(
    file: Path,
    ids_path: Path | None,
    backbone: str,
    weights_sha256: str,
    recipe: str,
    activate: bool,
    chunk: int,
) -> None:
    """Import vectors embedded elsewhere (.npy + ids, or Parquet with id/vector columns)."""
    import time

    from api.pipeline.vector_import import ImportedModel, ImportMismatchError, import_vectors
    from api.runtime import get_runtime
    from ml.vectors.bundle import VectorFileError, read_vector_file

    runtime = get_runtime()
    settings = runtime.settings
    started = time.monotonic()
    try:
        bundle = read_vector_file(file, ids_path)
    except VectorFileError as exc:
        fail(str(exc))
    model = ImportedModel(backbone, weights_sha256, recipe, bundle.dim)
    store = runtime.vector_store
    vector_settings = settings.vectors
    store.ensure_collection(
        model.record(str(file)).collection,
        model.dim,
        vector_settings.hnsw_m,
        vector_settings.hnsw_ef_construct,
        vector_settings.quantization,
    )
    with click.progressbar(length=len(bundle.ids), label=f"importing into {model.id}") as bar:
        try:
            report = import_vectors(
                runtime.db,
                bundle,
                model=model,
                store=store,
                activate=activate,
                chunk=chunk,
                progress=bar.update,
            )
        except ImportMismatchError as exc:
            fail(str(exc))
    elapsed = time.monotonic() - started
    click.echo(
        f"model {report.model_id} ({model.dim}-d, {'active' if activate else 'not active'}): "
        f"{report.imported} imported, {report.already} already there, "
        f"{len(report.unknown)} unknown ids, {len(report.rejected)} rejected; "
        f"{report.rows / elapsed:,.0f} rows/s"
    )
    low, high = report.norm_range
    if report.not_unit:
        click.secho(
            f"{report.not_unit} vectors were not unit-norm (norms {low:.3g}..{high:.3g}): "
            "normalized; check the export if that is unexpected",
            fg="yellow",
        )
    for illustration_id in report.unknown[:20]:
        click.echo(f"unknown id: {illustration_id}")
    for illustration_id, reason in list(report.rejected.items())[:20]:
        click.echo(f"rejected {illustration_id}: {reason}")
    if len(report.unknown) > 20 or len(report.rejected) > 20:
        listing = settings.run_dir / f"import-{report.model_id}-skipped.tsv"
        listing.parent.mkdir(parents=True, exist_ok=True)
        lines = [f"{i}\tunknown id" for i in report.unknown]
        lines += [f"{i}\t{reason}" for i, reason in report.rejected.items()]
        listing.write_text("\n".join(lines) + "\n")
        click.echo(f"… all {len(lines)} skipped ids in {listing}")


@click.command("schema")
def schema_command() -> None:
    """Create graph constraints and indexes (idempotent)."""
    from api.resources import Resources
    from graph.errors import GraphUnavailableError
    from graph.schema import ensure_schema

    settings = load_settings()
    resources = Resources.open(settings)
    try:
        version = ensure_schema(resources.db)
    except Exception as exc:
        fail(f"could not create the graph schema: {GraphUnavailableError(exc)}")
    finally:
        resources.close()
    click.echo(f"graph schema version {version}")


@click.command("serve")
def serve_command() -> None:
    """Run the HTTP API (GraphQL, health, exports) in the foreground."""
    import uvicorn

    from api.app import create_app

    settings = load_settings()
    uvicorn.run(create_app(settings), host=settings.api.host, port=settings.api.port)


@click.command("worker")
@click.option("--queues", "-Q", help="Comma-separated queues (default: all from settings).")
@click.option("--processes", "-p", type=int, help="Worker processes.")
@click.option("--threads", "-t", type=int, help="Threads per process.")
def worker_command(queues: str | None, processes: int | None, threads: int | None) -> None:
    """Run Dramatiq workers for the named queues in the foreground."""
    settings = load_settings()
    chosen = queues.split(",") if queues else settings.worker.queues
    argv = [
        sys.executable,
        "-m",
        "dramatiq",
        "api.broker",
        "api.actors",
        "--processes",
        str(processes or settings.worker.processes),
        "--threads",
        str(threads or settings.worker.threads),
        "--queues",
        *chosen,
    ]
    os.execv(sys.executable, argv)


@click.command("up")
def up_command() -> None:
    """Start everything (databases, API, workers) and print where to find it."""
    from api.services.manager import system_up

    settings = load_settings()
    _print_neo4j_memory(settings)
    try:
        system_up(settings)
    except ServiceError as exc:
        fail(str(exc))
    _print_urls(settings)


@click.command("down")
def down_command() -> None:
    """Stop the API, the workers and the local databases."""
    from api.services.manager import system_down

    system_down(load_settings())
    click.echo("contagions stopped")


@click.command("status")
def status_command() -> None:
    """Health of Neo4j, the broker and the vector store, as JSON."""
    from api.health import check_all
    from api.resources import Resources

    settings = load_settings()
    resources = Resources.open(settings)
    try:
        health = check_all(settings, resources.db)
    finally:
        resources.close()
    click.echo(json.dumps(health.as_dict(), indent=2))
    if not health.ok:
        sys.exit(3)


def _print_urls(settings: Settings) -> None:
    api = f"http://{settings.api.host}:{settings.api.port}"
    click.echo("")
    click.secho("contagions is running", fg="green", bold=True)
    click.echo(f"  GraphQL (GraphiQL):  {api}/graphql")
    click.echo(f"  Health:              {api}/healthz")
    if settings.neo4j.is_local:
        click.echo(f"  Neo4j Browser:       http://127.0.0.1:{settings.neo4j.http_port}/browser/")
        click.echo(
            f"                       connect to {settings.neo4j.bolt_uri} "
            f"as {settings.neo4j.user} (password: CONTAGIONS_NEO4J__PASSWORD)"
        )
    click.echo(f"  Logs:                {settings.run_dir}")
    click.echo("  Stop with:           contagions down")


COMMANDS = [
    services,
    vectors,
    schema_command,
    serve_command,
    worker_command,
    up_command,
    down_command,
    status_command,
]
