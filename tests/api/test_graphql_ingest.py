import json

import redis
from PIL import Image
from pydantic import SecretStr
from starlette.testclient import TestClient

from api.app import create_app
from tests.support.graphql import gql

ADD = """
mutation($corpus: String!, $uris: [String!]!) {
  addManifests(corpus: $corpus, uris: $uris) {
    __typename
    ... on IngestJob { id corpus total done pending finished }
    ... on InvalidInput { message field }
    ... on Forbidden { message }
  }
}
"""


def test_create_corpus_and_queue_manifests(clean_graph, clean_broker, settings):
    with TestClient(create_app(settings)) as client:
        created = gql(
            client,
            'mutation { createCorpus(name: "Presse", segmenter: "layout") '
            "{ __typename ... on Corpus { name segmenter periodicalCount } } }",
        )
        assert created["createCorpus"] == {
            "__typename": "Corpus",
            "name": "Presse",
            "segmenter": "layout",
            "periodicalCount": 0,
        }
        uris = ["https://iiif.example/a.json", "https://iiif.example/b.json"]
        job = gql(client, ADD, corpus="Presse", uris=[*uris, uris[0]])["addManifests"]
        assert job["__typename"] == "IngestJob"
        assert (job["corpus"], job["total"], job["done"], job["pending"]) == ("Presse", 2, 0, 2)
        assert job["finished"] is False

        # One message carries up to `ingest.task_batch_size` (16) tasks: both go in one.
        broker = redis.Redis.from_url(settings.broker.broker_url)
        assert broker.llen("dramatiq:ingest") == 1
        (message,) = [json.loads(m) for m in broker.hvals("dramatiq:ingest.msgs")]
        assert message["actor_name"] == "harvest_tasks" and len(message["args"][0]) == 2

        again = gql(
            client, "query($id: ID!) { ingestJob(id: $id) { total pending } }", id=job["id"]
        )
        assert again["ingestJob"] == {"total": 2, "pending": 2}
        corpora = gql(client, "{ corpora { name } }")["corpora"]
        assert corpora == [{"name": "Presse"}]


def test_bad_input_comes_back_as_data(clean_graph, clean_broker, settings):
    with TestClient(create_app(settings)) as client:
        bad = gql(client, ADD, corpus="x", uris=["file:///etc/passwd"])["addManifests"]
        assert bad == {"__typename": "InvalidInput", "message": bad["message"], "field": "uris"}
        empty = gql(client, ADD, corpus=" ", uris=["https://a.example/m"])["addManifests"]
        assert empty["field"] == "name"
        for hostile in ("http://[::1", "https://a.example/m\ud800"):
            # As JSON text with `\ud800` escaped, the way a client that allows it sends it.
            body = json.dumps({"query": ADD, "variables": {"corpus": "x", "uris": [hostile]}})
            response = client.post(
                "/graphql", content=body, headers={"content-type": "application/json"}
            )
            refused = response.json()["data"]["addManifests"]
            assert (refused["__typename"], refused["field"]) == ("InvalidInput", "uris")


def test_mutations_need_a_curator_token_when_tokens_are_set(clean_graph, settings):
    secured = settings.model_copy(deep=True)
    secured.api.curator_tokens = [SecretStr("s3cret-token")]
    with TestClient(create_app(secured)) as client:
        denied = gql(client, ADD, corpus="c", uris=["https://a.example/m"])
        assert denied["addManifests"]["__typename"] == "Forbidden"
        wrong = gql(
            client, ADD, {"Authorization": "Bearer nope"}, corpus="c", uris=["https://a.example/m"]
        )
        assert wrong["addManifests"]["__typename"] == "Forbidden"
        allowed = gql(
            client,
            ADD,
            {"Authorization": "Bearer s3cret-token"},
            corpus="c",
            uris=["https://a.example/m"],
        )
        assert allowed["addManifests"]["__typename"] == "IngestJob"


def test_a_refresh_job_ignores_validators(clean_graph, clean_broker, settings):
    from graph.ingest import get_task, task_id

    refresh = """
    mutation($corpus: String!, $uris: [String!]!) {
      addManifests(corpus: $corpus, uris: $uris, refresh: true) { ... on IngestJob { id } }
    }
    """
    uri = "https://iiif.example/a.json"
    with TestClient(create_app(settings)) as client:
        plain = gql(client, ADD, corpus="Presse", uris=[uri])["addManifests"]["id"]
        forced = gql(client, refresh, corpus="Presse", uris=[uri])["addManifests"]["id"]
    assert get_task(clean_graph, task_id(plain, uri)).refresh is False
    assert get_task(clean_graph, task_id(forced, uri)).refresh is True


STAGES = """
query($id: ID!) {
  ingestJob(id: $id) {
    harvested finished hasFailures
    stages { name done pending failed tracked }
    failureGroups { stage reason count examples }
  }
}
"""


def test_a_job_shows_every_stage_and_its_failures_by_reason(
    clean_graph, settings, static_server, iiif_image_server
):
    from api.pipeline.ingest import process_task, start_ingest
    from api.pipeline.pages import PageLimits, segment_pages
    from graph.illustrations import page_ids_of_corpus
    from ml.segment import get_segmenter
    from tests.support.press import loopback_fetcher, write_manifest

    pictures = [(f"gq-{n}-{id(clean_graph)}", Image.new("RGB", (80, 90), "red")) for n in range(3)]
    url = write_manifest(
        "graphql-stages", pictures, static_server=static_server, iiif_image_server=iiif_image_server
    )
    for name, _ in pictures[1:]:
        (iiif_image_server.image_dir / f"{name}.jpg").unlink()
    queue: list[str] = []
    job_id = start_ingest(clean_graph, corpus="stages", uris=[url], enqueue=queue.extend)
    with TestClient(create_app(settings)) as client:
        waiting = gql(client, STAGES, id=job_id)["ingestJob"]
        assert (waiting["harvested"], waiting["finished"]) == (False, False)
        with loopback_fetcher(static_server, iiif_image_server) as fetcher:
            process_task(clean_graph, queue.pop(), fetcher=fetcher, enqueue=queue.extend)
            harvested = gql(client, STAGES, id=job_id)["ingestJob"]
            assert harvested["harvested"] and not harvested["finished"]
            assert {"name": "segmented", "done": 0, "pending": 3, "failed": 0, "tracked": True} in (
                harvested["stages"]
            )
            segment_pages(
                clean_graph,
                page_ids_of_corpus(clean_graph, "stages"),
                fetcher=fetcher,
                segmenter=get_segmenter("layout"),
                limits=PageLimits(),
            )
        job = gql(client, STAGES, id=job_id)["ingestJob"]
    assert (job["harvested"], job["finished"], job["hasFailures"]) == (True, True, True)
    stages = {s["name"]: s for s in job["stages"]}
    assert list(stages) == ["manifests", "pages", "segmented", "illustrations", "embedded", "edges"]
    assert (stages["manifests"]["done"], stages["pages"]["done"]) == (1, 3)
    assert (stages["segmented"]["done"], stages["segmented"]["failed"]) == (1, 2)
    assert stages["embedded"]["tracked"] is False  # no descriptor model yet
    [group] = job["failureGroups"]
    assert group == {
        "stage": "segmented",
        "reason": "HttpStatusError: <url> answered HTTP <n>",
        "count": 2,
        "examples": group["examples"],
    }
    assert len(group["examples"]) == 2
