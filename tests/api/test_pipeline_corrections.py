"""Human corrections are stored as such and win over re-ingest; CSV round-trip."""

import csv
from collections import deque

import pytest

from api.pipeline.corrections import (
    CorrectionError,
    correct_issue,
    correct_periodical,
    export_csv,
    import_csv,
)
from api.pipeline.ingest import process_task, start_ingest
from graph.errors import NotFoundError
from ingest.fetch import FetchConfig, Fetcher
from ingest.urls import UrlPolicy

ANZAC = "bl-vdc_100022545251-anzac-bulletin-1917-v2.json"


@pytest.fixture
def ingested(clean_graph, static_server):
    fetcher = Fetcher(
        FetchConfig(user_agent="t", retries=0), UrlPolicy.allowing([static_server.endpoint])
    )
    uri = f"{static_server.url}/fixtures/{ANZAC}"

    def run():
        queue = deque()
        start_ingest(clean_graph, corpus="c", uris=[uri], enqueue=queue.extend)
        while queue:
            process_task(clean_graph, queue.popleft(), fetcher=fetcher, enqueue=queue.extend)

    run()
    yield run
    fetcher.close()


def issue(db):
    records, _, _ = db.execute_query(
        "MATCH (p:Periodical)-[:HAS_ISSUE]->(i:Issue) "
        "OPTIONAL MATCH (i)-[:PUBLISHED_IN]->(pl:Place)-[:IN_COUNTRY]->(co:Country) "
        "RETURN i.id AS id, p.id AS pid, p.title AS title, i.date AS date, "
        "i.date_precision AS precision, pl.name AS place, co.code AS country"
    )
    assert len(records) == 1
    return records[0].data()


def test_corrections_win_over_reingest(clean_graph, ingested):
    before = issue(clean_graph)
    assert (before["date"], before["place"]) == ("1917-06-01", "London")
    correct_issue(clean_graph, before["id"], date="15 juin 1917", place="Melbourne")
    correct_periodical(clean_graph, before["pid"], title="The Anzac Bulletin")
    ingested()  # harvest the unchanged manifest again
    after = issue(clean_graph)
    assert after == before | {
        "date": "1917-06-15",
        "precision": "day",
        "place": "Melbourne",
        "country": "AU",
        "title": "The Anzac Bulletin",
    }
    records, _, _ = clean_graph.execute_query(
        "MATCH (c:Correction)-[:CORRECTS]->() RETURN c.field AS f ORDER BY f"
    )
    assert [r["f"] for r in records] == ["date", "place", "title"]


def test_bad_corrections_are_refused(clean_graph, ingested):
    target = issue(clean_graph)["id"]
    with pytest.raises(CorrectionError, match="not a date"):
        correct_issue(clean_graph, target, date="the day after")
    with pytest.raises(CorrectionError, match="no gazetteer place"):
        correct_issue(clean_graph, target, place="Xqzzyville")
    with pytest.raises(NotFoundError):
        correct_issue(clean_graph, "iss_nope", date="1920")
    assert issue(clean_graph)["date"] == "1917-06-01"


def test_csv_round_trip(clean_graph, ingested, tmp_path):
    out = tmp_path / "meta.csv"
    with out.open("w", newline="") as handle:
        assert export_csv(clean_graph, handle) == 1
    rows = list(csv.DictReader(out.open()))
    assert rows[0]["place"] == "London" and rows[0]["country"] == "GB"
    rows[0]["date"] = "1917-06-22"
    rows[0]["place"] = "Sydney"
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=rows[0].keys())
        writer.writeheader()
        writer.writerows([*rows, rows[0] | {"issue_id": "iss_unknown"}])
    report = import_csv(clean_graph, out)
    assert (report.rows, report.dates_corrected, report.places_corrected) == (2, 1, 1)
    assert report.errors == ("line 3: unknown issue_id 'iss_unknown'",)
    assert (issue(clean_graph)["date"], issue(clean_graph)["place"]) == ("1917-06-22", "Sydney")
    # Importing the same file again changes nothing.
    again = import_csv(clean_graph, out)
    assert (again.dates_corrected, again.places_corrected) == (0, 0)
