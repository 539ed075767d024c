from starlette.testclient import TestClient

from api.app import create_app
from api.services.manager import local_neo4j
from graph.schema import SCHEMA_VERSION


def test_healthz_follows_neo4j_down_and_up(services, settings):
    with TestClient(create_app(settings)) as client:
        healthy = client.get("/healthz")
        assert healthy.status_code == 200, healthy.text
        assert healthy.json()["components"]["neo4j"]["ok"] is True

        neo4j = local_neo4j(settings)
        assert neo4j.stop()
        try:
            down = client.get("/healthz")
            assert down.status_code == 503
            body = down.json()
            assert body["status"] == "unavailable"
            assert body["components"]["neo4j"]["ok"] is False
            assert body["components"]["broker"]["ok"] is True
        finally:
            neo4j.start()

        again = client.get("/healthz")
        assert again.status_code == 200, again.text


def test_graphql_answers_with_schema_version(services, settings):
    with TestClient(create_app(settings)) as client:
        response = client.post("/graphql", json={"query": "{ about { version schemaVersion } }"})
        assert response.status_code == 200
        assert response.json() == {
            "data": {"about": {"version": "0.1.0", "schemaVersion": SCHEMA_VERSION}}
        }
        ide = client.get("/graphql", headers={"accept": "text/html"})
        assert ide.status_code == 200 and "graphiql" in ide.text.lower()


def test_healthz_makes_a_search_round_trip_and_sees_a_vector_service_restart(
    services, settings, clean_graph
):
    from api.services.manager import vector_service
    from api.services.process import port_open
    from graph.descriptors import DescriptorModelRecord, record_model

    record_model(
        clean_graph,
        DescriptorModelRecord(
            id="model_health",
            backbone="efficientnet_lite0",
            weights_sha256="0" * 64,
            dim=8,
            power=0.5,
            sample_size=10,
            artifact="/nonexistent",
            collection="health_probe",
        ),
    )
    with TestClient(create_app(settings)) as client:
        healthy = client.get("/healthz").json()["components"]["vectors"]
        assert healthy == {"ok": True, "detail": "search round-trip on health_probe"}

        service = vector_service(settings)
        service.stop()
        try:
            down = client.get("/healthz")
            assert down.status_code == 503
            assert down.json()["components"]["vectors"]["ok"] is False
        finally:
            port = settings.vectors.service_port
            service.start(ready=lambda: port_open("127.0.0.1", port), timeout_s=60)
        # The restarted service knows no collection: the check reopens it and searches.
        again = client.get("/healthz")
        assert again.status_code == 200, again.text
        assert (
            again.json()["components"]["vectors"]["detail"] == "search round-trip on health_probe"
        )
