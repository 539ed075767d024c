"""Planning and building the sample press: periodicals, dated issues, pages, planted reprints.

Everything follows from a seed. The ground truth says which picture region is which source,
printed where, when and how; `bench/quality.py` and the end-to-end test score against it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import numpy as np

from api.demo.compose import compose_page
from api.demo.printing import print_picture, random_style
from api.demo.sources import Source, load_sources

MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class PeriodicalSpec:
    slug: str
    title: str
    city: str
    country: str
    language: str
    # How the library that digitized it writes place and date (the messy part).
    place_label: str
    place_value: str
    date_label: str
    date_style: str  # fr | de | iso-slash | en
    nav_date: str  # day | padded-year | none
    first_issue: date


PERIODICALS = (
    PeriodicalSpec(
        "miroir",
        "Le Miroir illustré",
        "Paris",
        "FR",
        "fre",
        "Lieu de publication",
        "Paris",
        "Date de publication",
        "fr",
        "day",
        date(1908, 1, 4),
    ),
    PeriodicalSpec(
        "rundschau",
        "Berliner Illustrirte Rundschau",
        "Berlin",
        "DE",
        "ger",
        "Ort",
        "Berlin : Ullstein",
        "Erscheinungsdatum",
        "de",
        "none",
        date(1908, 2, 9),
    ),
    PeriodicalSpec(
        "caras",
        "Caras y Caretas del Plata",
        "Buenos Aires",
        "AR",
        "spa",
        "Place of publication",
        "[Buenos Aires]",
        "Fecha",
        "iso-slash",
        "padded-year",
        date(1908, 3, 14),
    ),
    PeriodicalSpec(
        "weekly",
        "The Illustrated Weekly",
        "London",
        "GB",
        "eng",
        "published",
        "London, England",
        "Date",
        "en",
        "day",
        date(1908, 1, 25),
    ),
)


def format_date(value: date, style: str) -> str:
    if style == "fr":
        return f"{value.day} {MONTHS_FR[value.month - 1]} {value.year}"
    if style == "de":
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    if style == "iso-slash":
        return f"{value.year}/{value.month:02d}/{value.day:02d}."
    return f"{MONTHS_EN[value.month - 1]} {value.day}, {value.year}"


@dataclass(frozen=True)
class DemoSize:
    issues: int = 12
    pages: int = 6
    reprinted_sources: int = 16
    single_sources: int = 11
    page_size: tuple[int, int] = (1000, 1400)


@dataclass
class Printing:
    """One printed picture: the ground truth of one illustration."""

    id: str
    source: str
    periodical: str
    issue: int
    page: int
    date: str
    city: str
    country: str
    original: bool
    style: str
    box: tuple[int, int, int, int] = (0, 0, 0, 0)


@dataclass
class Issue:
    periodical: str
    number: int
    date: str
    pages: int
    printings: list[Printing] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.periodical}-{self.number:02d}"


def issue_dates(spec: PeriodicalSpec, count: int) -> list[date]:
    # Roughly every five months, so that a few years pass over twelve issues.
    return [spec.first_issue + timedelta(days=150 * n + 7 * (n % 3)) for n in range(count)]


def plan(size: DemoSize, seed: int, sources: list[Source]) -> list[Issue]:
    rng = np.random.default_rng(seed)
    issues = [
        Issue(spec.slug, n + 1, when.isoformat(), size.pages)
        for spec in PERIODICALS
        for n, when in enumerate(issue_dates(spec, size.issues))
    ]
    by_date = sorted(issues, key=lambda i: i.date)
    order = rng.permutation(len(sources))
    reprinted = [sources[k] for k in order[: size.reprinted_sources]]
    singles = [sources[k] for k in order[size.reprinted_sources :][: size.single_sources]]
    spec_of = {spec.slug: spec for spec in PERIODICALS}
    counter = 0

    def add(issue: Issue, source: Source, original: bool) -> None:
        nonlocal counter
        counter += 1
        spec = spec_of[issue.periodical]
        issue.printings.append(
            Printing(
                f"p{counter:04d}",
                source.id,
                issue.periodical,
                issue.number,
                0,
                issue.date,
                spec.city,
                spec.country,
                original,
                "",
            )
        )

    for source in reprinted:
        origin = by_date[int(rng.integers(0, int(len(by_date) * 0.6)))]
        add(origin, source, True)
        others = [s.slug for s in PERIODICALS if s.slug != origin.periodical]
        for slug in rng.permutation(others)[: int(rng.integers(1, 4))]:
            later = [i for i in by_date if i.periodical == slug and i.date > origin.date]
            if later:
                add(later[int(rng.integers(0, min(len(later), 4)))], source, False)
    for source in singles:
        add(by_date[int(rng.integers(0, len(by_date)))], source, True)
    for issue in issues:  # at most three pictures a page, spread over the issue
        for n, printing in enumerate(issue.printings):
            printing.page = 1 + (int(rng.integers(0, issue.pages)) + n) % issue.pages
        for page in range(1, issue.pages + 1):
            on_page = [p for p in issue.printings if p.page == page]
            for extra in on_page[3:]:
                extra.page = next(
                    q
                    for q in range(1, issue.pages + 1)
                    if sum(p.page == q for p in issue.printings) < 3
                )
    return issues


def page_file(periodical: str, number: int, page: int) -> str:
    """The page image's file name, without extension (the IIIF image id)."""
    return f"{periodical}-{number:02d}-p{page}"


# Raised whenever the drawing changes, so that pages drawn by an older generator are redrawn.
GENERATOR_VERSION = 2  # 2: column rules stop at pictures that span the gutter


def is_built(out: Path, size: DemoSize, seed: int) -> bool:
    """Whether `out` holds this press, drawn by this generator."""
    if not (out / "truth.json").exists():
        return False
    truth = load_truth(out)
    wanted = json.loads(json.dumps(asdict(size)))  # tuples as JSON lists
    return (truth.get("generator"), truth["seed"], truth["size"]) == (
        GENERATOR_VERSION,
        seed,
        wanted,
    )


def build(out: Path, size: DemoSize = DemoSize(), seed: int = 7) -> list[Issue]:
    """Render every page to `out/images/` and write `out/truth.json`. Idempotent by seed."""
    sources = load_sources()
    by_id = {s.id: s for s in sources}
    issues = plan(size, seed, sources)
    images = out / "images"
    images.mkdir(parents=True, exist_ok=True)
    spec_of = {spec.slug: spec for spec in PERIODICALS}
    for issue in issues:
        spec = spec_of[issue.periodical]
        when = date.fromisoformat(issue.date)
        for page in range(1, issue.pages + 1):
            on_page = [p for p in issue.printings if p.page == page]
            rng = np.random.default_rng([seed, PERIODICALS.index(spec), issue.number, page])
            styles = [random_style(rng, original=p.original) for p in on_page]

            def printed(k: int, slot: tuple[int, int], on_page=on_page, styles=styles, rng=rng):
                return print_picture(by_id[on_page[k].source].image, styles[k], slot, rng)

            composed = compose_page(
                spec.title,
                f"N° {issue.number} — {format_date(when, spec.date_style)} — page {page}",
                [by_id[p.source].image.width / by_id[p.source].image.height for p in on_page],
                printed,
                partial(_caption, on_page),
                rng,
                front=page == 1,
                size=size.page_size,
            )
            # A slot that did not fit drops its printing from this page (and from the truth).
            placed = on_page[: len(composed.pictures)]
            for printing, box, style in zip(placed, composed.pictures, styles, strict=False):
                printing.box = box
                printing.style = style.describe()
            for dropped in on_page[len(composed.pictures) :]:
                issue.printings.remove(dropped)
            name = page_file(issue.periodical, issue.number, page)
            composed.image.save(images / f"{name}.jpg", quality=88)
    truth = {
        "generator": GENERATOR_VERSION,
        "seed": seed,
        "size": asdict(size),
        "periodicals": [
            asdict(spec) | {"first_issue": spec.first_issue.isoformat()} for spec in PERIODICALS
        ],
        "issues": [asdict(issue) for issue in issues],
    }
    (out / "truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False))
    return issues


def load_truth(out: Path) -> dict:
    return json.loads((out / "truth.json").read_text())


def _caption(on_page: Sequence[Printing], k: int) -> str:
    return f"Fig. {k + 1}. ({on_page[k].id})"
