"""Every screen of the explorer in a real browser, with real data, and the paths a researcher
takes through them (fixtures in conftest.py: the sample press, the API serving the app,
Debian's chromium)."""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import expect
from pydantic import SecretStr

AXE = Path(__file__).resolve().parents[2] / "explorer" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = os.environ.get("CONTAGIONS_EXPLORER_SCREENSHOTS")

CLUSTERS = """{ clusters(first: 100) { ... on ClusterConnection { totalCount nodes { id name size
  placeCount members(first: 100) { nodes { id illustration { id iiifRegionUrl } } } } } } }"""


def gql(api: str, query: str, headers: dict | None = None, **variables) -> dict:
    response = httpx.post(
        f"{api}/graphql",
        json={"query": query, "variables": variables},
        headers={"X-Requested-With": "contagions-explorer", **(headers or {})},
        timeout=60,
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def clusters(press) -> list[dict]:
    return gql(press.api, CLUSTERS)["clusters"]["nodes"]


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations (WCAG 2 A/AA and best practices)."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def screenshot(page, name: str) -> None:
    """Saved under CONTAGIONS_EXPLORER_SCREENSHOTS when set (scripts/explorer_screenshots.sh)."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))


def images_loaded(page, selector: str) -> None:
    """Every image matching `selector` within the window has loaded (lazy ones below wait)."""
    page.wait_for_function(
        """(s) => { const all = [...document.querySelectorAll(s)]
             .filter((i) => i.getBoundingClientRect().top < innerHeight);
           return all.length > 0 && all.every((i) => i.complete && i.naturalWidth > 0); }""",
        arg=selector,
    )


def test_clusters_wall_sorts_filters_pages_and_keeps_state_in_the_url(page, press):
    everything = gql(press.api, "{ clusters { ... on ClusterConnection { totalCount } } }")[
        "clusters"
    ]["totalCount"]
    assert everything >= 2
    page.goto("/")
    expect(page.locator(".lede strong")).to_have_text(str(everything))
    cards = page.locator("article.card")
    expect(cards).to_have_count(min(everything, 24))
    images_loaded(page, "article.card img")
    expect(cards.first.locator(".first")).to_contain_text("First seen in")
    screenshot(page, "clusters")

    page.get_by_label("Sort by").select_option("COUNTRIES")
    expect(page).to_have_url(re.compile(r"sort=COUNTRIES"))
    query = "{ clusters(sort: {by: COUNTRIES}) { ... on ClusterConnection { nodes { id } } } }"
    by_countries = gql(press.api, query)["clusters"]["nodes"]
    expect(cards.first.locator("h2 a")).to_have_attribute(
        "href", f"/cluster/{quote(by_countries[0]['id'], safe='')}"
    )
    country = page.get_by_label("Country")
    code = country.locator("option").nth(1).get_attribute("value")
    country.select_option(code)
    expect(page).to_have_url(re.compile(rf"country={code}"))
    query = (
        "query($c: String) { clusters(where: {country: $c}) "
        "{ ... on ClusterConnection { totalCount } } }"
    )
    in_country = gql(press.api, query, c=code)["clusters"]["totalCount"]
    expect(page.locator(".lede strong")).to_have_text(str(in_country))
    page.reload()  # a shared link opens the same wall
    expect(page.get_by_label("Sort by")).to_have_value("COUNTRIES")
    expect(page.get_by_label("Country")).to_have_value(code)

    # A corpus: clusters with a printing in one of its periodicals.
    corpus = press.runtime.settings.demo.corpus
    page.goto("/")
    page.get_by_label("Corpus").select_option(corpus)
    expect(page).to_have_url(re.compile(rf"corpus={quote(corpus)}"))
    query = (
        "query($c: ID) { clusters(where: {corpus: $c}) "
        "{ ... on ClusterConnection { totalCount } } }"
    )
    in_corpus = gql(press.api, query, c=corpus)["clusters"]["totalCount"]
    assert in_corpus == everything  # the sample press is one corpus
    expect(page.locator(".lede strong")).to_have_text(str(in_corpus))
    page.reload()
    expect(page.get_by_label("Corpus")).to_have_value(corpus)

    # Server-side paging: two cards a page, the next page when the end scrolls into view.
    page.goto("/?per=2")
    expect(cards).to_have_count(2)
    page.locator(".sentinel").scroll_into_view_if_needed()
    expect(cards).to_have_count(min(4, everything))


def test_cluster_to_illustration_to_page_in_context_to_similar_to_its_cluster(page, press):
    page.goto("/")
    page.locator("article.card h2 a").first.click()
    expect(page).to_have_url(re.compile(r"/cluster/"))
    expect(page.locator(".map circle").first).to_be_visible()
    expect(page.locator(".timeline rect").first).to_be_visible()
    members = page.locator("ul.members li")
    expect(members.first).to_be_visible()
    assert page.locator(".map path.arc").count() >= 1
    screenshot(page, "cluster")
    members.first.scroll_into_view_if_needed()
    images_loaded(page, "ul.members img")

    page.locator("ul.members a.thumb").first.click()
    expect(page).to_have_url(re.compile(r"/illustration/"))
    first = page.url
    images_loaded(page, "figure.crop img")
    # The manifest's rights and requiredStatement, as the issue stored them.
    rights = page.locator("dd.rights a")
    expect(rights).to_have_text("CC0 1.0")
    expect(rights).to_have_attribute("href", "http://creativecommons.org/publicdomain/zero/1.0/")
    expect(page.locator("dd.attribution")).to_contain_text("contagions sample corpus (synthetic)")
    page.get_by_role("button", name="See the page in context").click()
    status = page.get_by_test_id("page-status")
    expect(status).to_have_text(re.compile("Page loaded"), timeout=30_000)
    expect(page.get_by_test_id("region-outline")).to_be_visible()
    page.evaluate("scrollTo(0, 230)")
    page.wait_for_timeout(800)  # let the tiles settle for the picture
    screenshot(page, "illustration")
    similar = page.locator("ul.results li")
    expect(similar.first).to_be_visible()
    expect(similar.first.locator(".score")).to_have_text(re.compile(r"\d+%"))
    mirador = page.get_by_role("link", name="Open in Mirador").get_attribute("href")
    assert mirador.startswith("/mirador.html?manifest=")

    similar.first.locator("a.thumb").click()
    expect(page).to_have_url(re.compile(r"/illustration/"))
    assert page.url != first
    page.get_by_role("link", name=re.compile("Its cluster")).click()
    expect(page).to_have_url(re.compile(r"/cluster/"))
    expect(page.locator("ul.members li").first).to_be_visible()


def test_mirador_opens_the_page_locally(page, press):
    page.goto("/")
    page.locator("article.card h2 a").first.click()
    page.locator("ul.members a.thumb").first.click()
    href = page.get_by_role("link", name="Open in Mirador").get_attribute("href")
    page.goto(href)
    expect(page.locator(".mirador-viewer")).to_be_visible(timeout=30_000)
    expect(page.locator(".mirador-viewer canvas").first).to_be_attached(timeout=30_000)


def test_an_uploaded_crop_finds_its_reprints(page, press, tmp_path):
    cluster = max(clusters(press), key=lambda c: c["size"])
    members = {m["illustration"]["id"] for m in cluster["members"]["nodes"]}
    crop = cluster["members"]["nodes"][0]["illustration"]["iiifRegionUrl"]
    image = tmp_path / "query.jpg"
    image.write_bytes(httpx.get(crop, timeout=30).content)

    page.goto("/search")
    page.locator("input[type=file]").set_input_files(str(image))
    with page.expect_request(lambda r: r.url.endswith("/graphql") and r.method == "POST") as sent:
        page.get_by_role("button", name="Search with this file").click()
    assert sent.value.headers["content-type"].startswith("multipart/form-data")
    assert sent.value.headers["x-requested-with"] == "contagions-explorer"
    results = page.locator("ul.results li")
    expect(results.first).to_be_visible(timeout=30_000)
    found = {
        href.rsplit("/", 1)[-1]
        for href in results.locator("a.thumb").evaluate_all("(as) => as.map((a) => a.pathname)")
    }
    # The planted reprints of the picture come back, not only the printing that was cropped.
    assert len(found & members) >= 2, (found, members)
    screenshot(page, "search")


def test_a_region_of_an_illustration_as_the_query(page, press):
    cluster = max(clusters(press), key=lambda c: c["size"])
    member = cluster["members"]["nodes"][0]["illustration"]["id"]
    page.goto(f"/search?illustration={quote(member, safe='')}")
    picker = page.get_by_role("slider")
    images_loaded(page, ".region-picker img")
    box = picker.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.1)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.85, steps=5)
    page.mouse.up()
    page.get_by_role("button", name="Search with this region").click()
    expect(page.locator("ul.results li").first).to_be_visible(timeout=30_000)


def test_curation_round_trip_survives_reclustering(page, press):
    cluster = max(clusters(press), key=lambda c: c["size"])
    assert cluster["size"] >= 3
    page.goto(f"/cluster/{quote(cluster['id'], safe='')}")
    page.get_by_label("Name", exact=True).fill("The travelling picture")
    page.get_by_role("button", name="Save name and description").click()
    expect(page.locator("h1")).to_contain_text("The travelling picture")
    removed = page.locator("ul.members li input[type=checkbox]").last.get_attribute("value")
    page.locator("ul.members li input[type=checkbox]").last.check()
    page.get_by_role("button", name="Remove from cluster").click()
    expect(page.locator("ul.members li")).to_have_count(cluster["size"] - 1)

    page.get_by_role("link", name="Corpora & jobs").click()
    page.get_by_role("button", name="Re-cluster").click()
    expect(page.locator(".notice")).to_contain_text("curation re-applied", timeout=60_000)

    page.goto("/?status=curated")
    card = page.locator("article.card", has_text="The travelling picture")
    expect(card).to_have_count(1)
    expect(card.locator(".facts div").first.locator("dd")).to_have_text(str(cluster["size"] - 1))
    card.locator("h2 a").click()
    expect(page.locator("h1")).to_contain_text("The travelling picture")
    assert page.locator(f"ul.members input[value='{removed}']").count() == 0


def test_circulation_flows_matrix_and_reached_within(page, press):
    query = """{ flows { ... on Flows { flows {
        origin { id name countryCode } destination { id name countryCode } } } } }"""
    flows = gql(press.api, query)["flows"]["flows"]
    assert flows
    page.goto("/circulation")
    expect(page.locator("table.matrix tbody tr").first).to_be_visible()
    origins = {f["origin"]["name"] for f in flows}
    expect(page.locator("table.matrix tbody th")).to_have_count(len(origins))
    expect(page.locator(".map path.arc").first).to_be_attached()
    screenshot(page, "circulation")

    # By country: the API's country flows, the countries placed on the map.
    page.get_by_label("Group by").select_option("country")
    expect(page).to_have_url(re.compile("group=country"))
    query = """{ flows(groupBy: COUNTRY) { ... on Flows { flows {
        originCountry { code name } destinationCountry { code } count } } } }"""
    by_country = gql(press.api, query)["flows"]["flows"]
    countries = {f["originCountry"]["name"] for f in by_country}
    expect(page.locator("table.matrix tbody th")).to_have_count(len(countries))
    for name in countries:
        expect(page.locator("table.matrix tbody th", has_text=name)).to_have_count(1)
    if any(f["originCountry"]["code"] != f["destinationCountry"]["code"] for f in by_country):
        expect(page.locator(".map path.arc").first).to_be_attached()

    # By period: one bar per year, each opening that year's matrix (flowMatrix).
    query = """{ flowMatrix(groupBy: COUNTRY, period: YEAR) { ... on FlowMatrix { periods
        cells { period count originCountry { name } } } } }"""
    matrix = gql(press.api, query)["flowMatrix"]
    page.get_by_label("Periods").select_option("year")
    expect(page).to_have_url(re.compile("period=year"))
    bars = page.locator("nav.periods button.period")
    expect(bars).to_have_count(len(matrix["periods"]))
    busiest = max(
        matrix["periods"],
        key=lambda y: sum(c["count"] for c in matrix["cells"] if c["period"] == y),
    )
    page.get_by_role("button", name=str(busiest), exact=True).click()
    expect(page).to_have_url(re.compile(rf"at={busiest}"))
    expect(page.locator("#matrix-title")).to_have_text(f"Origin–destination matrix, {busiest}")
    in_year = [c for c in matrix["cells"] if c["period"] == busiest]
    shown = page.locator("table.matrix tbody td").filter(has_text=re.compile(r"\d"))
    expect(shown).to_have_count(len(in_year))
    page.reload()  # the period is in the link
    expect(page.locator("#matrix-title")).to_have_text(f"Origin–destination matrix, {busiest}")
    page.get_by_role("button", name="all", exact=True).click()
    expect(page.locator("#matrix-title")).to_have_text("Origin–destination matrix, every period")

    hop = flows[0]
    page.get_by_label("First seen in", exact=True).select_option(hop["origin"]["id"])
    page.get_by_label("reached", exact=True).select_option(hop["destination"]["id"])
    page.get_by_role("spinbutton", name="within").fill("20")
    page.get_by_role("button", name="Find clusters").click()
    expect(page.locator("ul.reach li").first).to_be_visible()


def test_corpora_create_harvest_and_watch_failures_live(page, press):
    page.goto("/corpora")
    expect(page.get_by_role("cell", name=press.runtime.settings.demo.corpus)).to_be_visible()
    page.get_by_label("Name", exact=True).fill("explorer-test")
    page.get_by_role("button", name="Create corpus").click()
    expect(page.locator(".notice")).to_contain_text("explorer-test")
    page.get_by_label("Corpus", exact=True).select_option("explorer-test")
    # A refused connection on loopback: the job fails that URI with its reason.
    page.get_by_label(re.compile("Manifest or collection URIs")).fill(
        "http://127.0.0.1:9/manifest.json"
    )
    page.get_by_role("button", name="Harvest").click()
    job = page.get_by_test_id("job")
    expect(job).to_contain_text("finished with failures", timeout=60_000)
    expect(job.locator("table.stages")).to_contain_text("manifests")
    expect(job.locator("table.reasons")).to_contain_text("BlockedUrlError")
    expect(job.locator("table.failures")).to_contain_text("http://127.0.0.1:9/manifest.json")
    page.evaluate("scrollTo(0, 120)")
    screenshot(page, "corpora")


def test_curation_asks_for_a_token_when_the_api_needs_one(browser, press):
    import uvicorn

    from api.app import create_app

    guarded = press.runtime.settings.model_copy(deep=True)
    guarded.api.curator_tokens = [SecretStr("s3cret-curator")]
    config = uvicorn.Config(create_app(guarded), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    context = browser.new_context(base_url=f"http://127.0.0.1:{port}")
    try:
        page = context.new_page()
        cluster = min(clusters(press), key=lambda c: c["size"])
        page.goto(f"/cluster/{quote(cluster['id'], safe='')}")
        page.get_by_role("button", name="Validate").click()
        dialog = page.get_by_role("dialog", name="Curator token")
        expect(dialog).to_be_visible()
        dialog.get_by_label("Token").fill("s3cret-curator")
        with page.expect_request(lambda r: "authorization" in r.headers) as sent:
            dialog.get_by_role("button", name="Use token").click()
        assert sent.value.headers["authorization"] == "Bearer s3cret-curator"
        expect(page.locator(".notice")).to_have_text("Validated.")
        expect(page.locator("h1 .badge.ok")).to_have_text("validated")
    finally:
        context.close()
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.parametrize("width", [1280, 820])
def test_every_screen_is_accessible(browser, press, width):
    cluster = max(clusters(press), key=lambda c: c["size"])
    illustration = cluster["members"]["nodes"][0]["illustration"]["id"]
    viewport = {"width": width, "height": 800 if width > 1000 else 1180}
    context = browser.new_context(viewport=viewport, base_url=press.api)
    page = context.new_page()
    try:
        screens = {
            "clusters": ("/", "article.card"),
            "cluster": (f"/cluster/{quote(cluster['id'], safe='')}", "ul.members li"),
            "illustration": (f"/illustration/{quote(illustration, safe='')}", "ul.results li"),
            "search": (f"/search?illustration={quote(illustration, safe='')}", ".region-picker"),
            "circulation": ("/circulation", "table.matrix"),
            "corpora": ("/corpora", "table"),
        }
        for name, (path, ready) in screens.items():
            page.goto(path)
            expect(page.locator(ready).first).to_be_visible()
            assert axe_violations(page) == [], name
            # Nothing wider than the window: the layout works at this width.
            assert page.evaluate("document.documentElement.scrollWidth") <= width, name
            if width < 1000:
                screenshot(page, f"tablet-{name}")
    finally:
        context.close()
