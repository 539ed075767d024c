"""The bundled sample corpus: build it, serve it, run the main job on it."""

from __future__ import annotations

from pathlib import Path

import click

from api.cli.common import fail, load_settings


@click.group("demo")
def demo() -> None:
    """The sample press, built from images that PyPI packages ship."""


@demo.command("build")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path))
def demo_build(out: Path | None) -> None:
    """Draw the pages and write the ground truth (which picture is printed where, when)."""
    from api.demo.corpus import DemoSize, build

    settings = load_settings()
    out = out or settings.data_dir.resolve() / "demo"
    issues = build(
        out, DemoSize(issues=settings.demo.issues, pages=settings.demo.pages), settings.demo.seed
    )
    printings = sum(len(i.printings) for i in issues)
    reprints = sum(not p.original for i in issues for p in i.printings)
    click.echo(f"{len(issues)} issues, {printings} printed pictures ({reprints} reprints) in {out}")


@demo.command("run")
def demo_run() -> None:
    """Serve the sample press as IIIF and run the whole pipeline on it, then summarize."""
    from api.demo.run import print_summary, run
    from api.runtime import get_runtime
    from api.services.manager import services_status
    from ml.backbones import WeightsUnavailableError

    settings = load_settings()
    down = [s.name for s in services_status(settings) if not s.running]
    if down:
        fail(f"services not running: {', '.join(down)} — start them with `contagions up`")
    runtime = get_runtime()
    try:
        result = run(runtime)
    except (WeightsUnavailableError, TimeoutError) as exc:
        fail(str(exc))
    print_summary(runtime, result)


COMMANDS = [demo]
