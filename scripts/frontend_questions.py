"""Regenerate docs/frontend-questions.md: each question as one GraphQL request, with the real
answer of a running API (the sample press: `contagions up && contagions demo run`).

    .venv/bin/python scripts/frontend_questions.py [--api http://127.0.0.1:8000]
                                                   [--corpus var/demo]

Long lists in the answers are cut (the cut is said in the JSON as a string).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.demo.corpus import page_file

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "frontend-questions.md"

Q1 = """query TopInternational($from: String!, $to: String!) {
  clusters(first: 10, sort: {by: COUNTRIES, direction: DESC},
           where: {window: {dateFrom: $from, dateTo: $to, mode: WITHIN}}) {
    __typename
    ... on ClusterConnection {
      totalCount
      nodes {
        id name size countryCount firstDate lastDate
        firstAppearance { date datePrecision place { name } country { code }
                          periodical { title } illustration { thumbnailUrl } }
      }
    }
    ... on InvalidInput { message field }
    ... on NotFound { message value }
  }
}"""

Q2 = """query ClusterPath($id: ID!) {
  cluster(id: $id) {
    id size placeCount countryCount firstDate lastDate
    firstAppearance { date place { name } country { code } }
    hops { origin { id name } destination { id name }
           fromDate toDate lagDays lagFromFirstDays datePrecision }
    timeSeries { year count }
    geojson
  }
}"""

Q3 = """query SearchByUpload($image: Upload!) {
  searchSimilar(upload: $image, k: 5) {
    __typename
    ... on SimilarResults {
      thresholds { exact reprint similar source modelId }
      hits { score match illustration { id date place { name } periodical { title } } }
    }
    ... on InvalidInput { message field }
    ... on SearchUnavailable { message }
  }
}"""

Q4 = """query InContext($id: ID!) {
  illustration(id: $id) {
    id date datePrecision pageNumber xywh thumbnailUrl iiifRegionUrl
    place { name latitude longitude } country { code name }
    periodical { title } issue { label manifestId }
    viewInContext { manifestId canvasId contentState }
    cluster { id size countryCount firstAppearance { date place { name } } }
    neighbours(k: 3) { score illustration { id date place { name } } }
  }
}"""

Q5 = """query ClusterCsv($id: ID!) {
  cluster(id: $id) { id size exports { csv excelCsv geojson } }
}"""

Q6 = """query FromParisAbroad($paris: ID!) {
  reachedWithin(from: {place: $paris}, to: {otherCountry: true}, years: 5) {
    __typename
    ... on Reaches {
      reaches {
        originDate arrivalDate lagDays
        origin { place { name } country { code } }
        destination { place { name } country { code } }
        cluster { id size }
      }
    }
    ... on InvalidInput { message field }
    ... on NotFound { message value }
  }
}"""

Q7 = """query CountryFlowsByDecade {
  flowMatrix(groupBy: COUNTRY, period: DECADE, where: {international: true}) {
    __typename
    ... on FlowMatrix {
      periods
      countries { code name }
      columns { period origin destination count clusters meanLagDays medianLagDays }
    }
    ... on InvalidInput { message field }
    ... on NotFound { message value }
  }
}"""


def cut(value, limit: int = 6):
    """The answer with every list beyond `limit` items cut, saying how many were left out."""
    if isinstance(value, list):
        kept = [cut(v, limit) for v in value[:limit]]
        return kept + ([f"… {len(value) - limit} more"] if len(value) > limit else [])
    if isinstance(value, dict):
        return {k: cut(v, limit) for k, v in value.items()}
    return value


class Api:
    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=60)

    def query(self, query: str, **variables) -> dict:
        response = self.client.post("/graphql", json={"query": query, "variables": variables})
        response.raise_for_status()
        return response.json()

    def upload(self, query: str, name: str, data: bytes) -> dict:
        operations = {"query": query, "variables": {name: None}}
        response = self.client.post(
            "/graphql",
            data={
                "operations": json.dumps(operations),
                "map": json.dumps({"0": [f"variables.{name}"]}),
            },
            files={"0": ("picture.png", data, "image/png")},
            # Multipart is a "simple" request: the API's CSRF guard wants a non-simple header.
            headers={"Apollo-Require-Preflight": "true"},
        )
        response.raise_for_status()
        return response.json()


def crop_of_a_reprint(corpus: Path) -> tuple[bytes, str]:
    """A planted picture cut from its page (the truth box): a researcher's own copy."""
    truth = json.loads((corpus / "truth.json").read_text())
    sources: dict[str, int] = {}
    for issue in truth["issues"]:
        for p in issue["printings"]:
            sources[p["source"]] = sources.get(p["source"], 0) + 1
    for issue in truth["issues"]:
        for p in issue["printings"]:
            if sources[p["source"]] >= 3:
                page = (
                    corpus / "images" / f"{page_file(p['periodical'], p['issue'], p['page'])}.jpg"
                )
                x, y, w, h = p["box"]
                buffer = io.BytesIO()
                Image.open(page).crop((x, y, x + w, y + h)).save(buffer, format="PNG")
                return buffer.getvalue(), f"{p['source']} ({page.name}, box {p['box']})"
    raise SystemExit("no reprinted picture in the truth")


def noise() -> bytes:
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def compact(value, indent: int = 0, used: int = 0, width: int = 96) -> str:
    """JSON indented by 2, with every object or list that fits on its line kept on one line
    (`used`: characters already on the line before the value)."""
    flat = json.dumps(value, ensure_ascii=False)
    if indent + used + len(flat) <= width or not isinstance(value, dict | list) or not value:
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        items = [
            f"{pad}{json.dumps(k, ensure_ascii=False)}: {compact(v, indent + 2, len(k) + 4, width)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [pad + compact(v, indent + 2, 0, width) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


def block(language: str, text: str) -> str:
    return f"```{language}\n{text.rstrip()}\n```\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", default="http://127.0.0.1:8000")
    parser.add_argument("--corpus", type=Path, default=ROOT / "var" / "demo")
    parser.add_argument("--decade", type=int, default=None)
    args = parser.parse_args()
    api = Api(args.api)
    places = api.query("{ places { id name } }")["data"]["places"]
    paris = next(p["id"] for p in places if p["name"] == "Paris")
    years = api.query(
        "{ clusters(first: 1, sort: {by: FIRST_DATE, direction: ASC}) {"
        " ... on ClusterConnection { nodes { firstDate } } } }"
    )
    start = int(years["data"]["clusters"]["nodes"][0]["firstDate"][:4])
    decade = args.decade or start // 10 * 10
    window = {"from": f"{decade}-01-01", "to": f"{decade + 9}-12-31"}

    parts = [HEADER]
    answer1 = api.query(Q1, **window)
    top = answer1["data"]["clusters"]["nodes"][0]["id"]
    parts.append(
        section(
            f"1. The top 10 clusters by countries in the {decade}s, with where each started",
            "`window.mode: WITHIN` counts and sorts on the printings inside the decade only"
            " (`PRESENT_IN`, the default, would select the same clusters but rank them by their"
            " whole life). `firstAppearance` is the cluster's first dated printing, whenever it"
            " was. A window that is one whole year or decade (1 January to 31 December) with no"
            " condition on places, countries or periodicals reads each cluster's statistics"
            " stored for that period; other windows aggregate their printings on the request.",
            Q1,
            window,
            answer1,
        )
    )
    parts.append(
        section(
            "2. One cluster's path, as map and timeline data",
            "`geojson` holds a Point per place in order of first printing (`id` = the place id,"
            " `properties.order` 1 = where it started) and a LineString per hop in order of"
            " arrival; `timeSeries` has every year from the first printing to the last, zeros"
            " included; `lagFromFirstDays` is the delay since the first printing anywhere.",
            Q2,
            {"id": top},
            api.query(Q2, id=top),
        )
    )
    picture, described = crop_of_a_reprint(args.corpus)
    parts.append(
        section(
            "3. Search by upload, with a confidence",
            f"A multipart request (GraphQL multipart spec) with one picture: here {described}"
            " cut from its page. Every hit has a `match` level from the active descriptor"
            " model's calibrated thresholds (given with the answer); NONE hits are left out"
            " unless `includeNone: true`. Random noise, uploaded the same way, gets no hit at"
            " all (second answer).",
            Q3,
            {"image": "<the file>"},
            api.upload(Q3, "image", picture),
            extra=api.upload(Q3, "image", noise()),
        )
    )
    first_id = api.query(
        "query($id: ID!) { cluster(id: $id) { firstAppearance { illustrationId } } }", id=top
    )["data"]["cluster"]["firstAppearance"]["illustrationId"]
    parts.append(
        section(
            "4. An illustration in context",
            "Where it was printed, its page and region, a IIIF Content State to open the page at"
            " the region in a viewer served with the application, its cluster and neighbours.",
            Q4,
            {"id": first_id},
            api.query(Q4, id=first_id),
        )
    )
    answer5 = api.query(Q5, id=top)
    csv_url = answer5["data"]["cluster"]["exports"]["csv"]
    csv_text = api.client.get(csv_url).text
    lines = csv_text.splitlines()
    parts.append(
        section(
            "5. The CSV of a cluster",
            "The request gives the links; the CSV is one GET away (`excelCsv` adds a byte order"
            " mark for spreadsheets). `score` is each member's best similarity edge inside the"
            " cluster. The first lines of the file:",
            Q5,
            {"id": top},
            answer5,
            extra_text=block(
                "csv",
                "\n".join(lines[:4])
                + (f"\n… {len(lines) - 4} more rows" if len(lines) > 4 else ""),
            ),
        )
    )
    parts.append(
        section(
            "6. First seen in Paris, then in any other country within five years",
            "`otherCountry: true` is any country but the origin's; `destination` is the first"
            " printing abroad. The ends may also mix levels (`from: {place}`, `to: {country}`).",
            Q6,
            {"paris": paris},
            api.query(Q6, paris=paris),
        )
    )
    parts.append(
        section(
            "7. Country-to-country flows by decade",
            "Aggregated in the graph from the place-to-place hops: `count` hops, `clusters`"
            " distinct clusters, lags over all hops (so the mean is count-weighted) with their"
            " median. `periods` lists every decade from the first to the last, empty ones"
            " included; `international: true` leaves out hops within one country. A chart"
            " takes the cells as `columns` (entry n of each list is cell n; countries are"
            " named once in `countries`): the benchmark's press of 12 countries over ten decades"
            " has 1,320 cells, and"
            " `cells { originCountry { code name } … }` would resolve and send eleven fields"
            " for each of them.",
            Q7,
            {},
            api.query(Q7),
        )
    )
    OUT.write_text("\n".join(parts))
    print(f"wrote {OUT}", file=sys.stderr)


HEADER = """# Seven front-end questions, one GraphQL request each

Each question below is answered by **one** request to `/graphql`, shown with the real answer
of the API on the sample press (`contagions up && contagions demo run`; regenerate this page
with `.venv/bin/python scripts/frontend_questions.py --api URL --corpus var/demo`). Long lists
are cut in the answers shown here (the cut says how many items were left out).

Conventions the answers rely on:

- Operations that can refuse their input answer a union: the result type, or `InvalidInput
  {message, field}` (malformed: a date, a country code, a page size), or `NotFound {message,
  value}` (an id or code that names nothing: `country: "XX"`, `place: "Paris"`). The export
  endpoints take the same parameter names (`dateFrom`, `dateTo`, `place`, ...) and answer the
  same shapes as JSON (`{"error": {"__typename": ..., ...}, "validParameters": [...]}`).
- Dates are ISO; a date with a coarser `datePrecision` (month, year) is the first day of it.
- Lists of printings are Relay connections (`first`, `after`, `pageInfo`, `totalCount`).
"""


def section(title, text, query, variables, answer, extra=None, extra_text=None) -> str:
    out = [f"## {title}\n", text + "\n", block("graphql", query)]
    if variables:
        out.append("Variables:\n\n" + block("json", json.dumps(variables)))
    out.append("Answer:\n\n" + block("json", compact(cut(answer))))
    if extra is not None:
        out.append(block("json", compact(cut(extra))))
    if extra_text:
        out.append(extra_text)
    return "\n".join(out)


if __name__ == "__main__":
    main()
