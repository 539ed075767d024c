"""Bulk correction of metadata through a CSV round-trip."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from api.cli.common import load_settings


@click.group()
def metadata() -> None:
    """Bulk correction of dates, places and titles through a CSV round-trip."""


@metadata.command("export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--corpus", help="Only this corpus.")
def metadata_export(out: Path, corpus: str | None) -> None:
    """Write one row per issue (date, place, periodical) to OUT."""
    from api.pipeline.corrections import export_csv
    from api.resources import Resources

    resources = Resources.open(load_settings())
    try:
        with out.open("w", newline="", encoding="utf-8") as handle:
            count = export_csv(resources.db, handle, corpus=corpus)
    finally:
        resources.close()
    click.echo(f"{count} issues written to {out}")


@metadata.command("import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def metadata_import(source: Path) -> None:
    """Apply edited dates, places and titles from SOURCE as corrections."""
    from api.pipeline.corrections import import_csv
    from api.resources import Resources

    resources = Resources.open(load_settings())
    try:
        report = import_csv(resources.db, source)
    finally:
        resources.close()
    click.echo(
        f"{report.rows} rows: {report.dates_corrected} dates, {report.places_corrected} places,"
        f" {report.titles_corrected} titles corrected"
    )
    for error in report.errors:
        click.secho(f"  {error}", fg="yellow")
    if report.errors:
        sys.exit(2)


COMMANDS = [metadata]
