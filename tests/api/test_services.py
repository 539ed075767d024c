import httpx

from api.services.manager import local_neo4j, local_redis, services_up
from api.services.process import read_pid


def test_start_is_idempotent_and_records_pids(services, settings):
    neo4j, redis = local_neo4j(settings), local_redis(settings)
    pids = (read_pid(neo4j.pid_file), read_pid(redis.pid_file))
    services_up(settings)
    assert (read_pid(neo4j.pid_file), read_pid(redis.pid_file)) == pids
    assert neo4j.is_running() and redis.is_running()


def test_generated_neo4j_config_binds_loopback_with_auth(services, settings):
    conf = (local_neo4j(settings).conf_dir / "neo4j.conf").read_text()
    assert f"server.bolt.listen_address=127.0.0.1:{settings.neo4j.bolt_port}" in conf
    assert f"server.http.listen_address=127.0.0.1:{settings.neo4j.http_port}" in conf
    assert "dbms.security.auth_enabled=true" in conf
    assert f"server.memory.heap.max_size={settings.neo4j.heap_size}" in conf


def test_redis_is_append_only_on_loopback(services, settings):
    conf = (local_redis(settings).root / "redis.conf").read_text()
    assert "bind 127.0.0.1" in conf.splitlines()
    assert "appendonly yes" in conf.splitlines()


def test_neo4j_browser_is_served(services, settings):
    response = httpx.get(f"http://127.0.0.1:{settings.neo4j.http_port}/browser/", timeout=10)
    assert response.status_code == 200
    assert "Neo4j Browser" in response.text
    discovery = httpx.get(f"http://127.0.0.1:{settings.neo4j.http_port}/", timeout=10).json()
    assert discovery["neo4j_edition"] == "community"
    assert discovery["neo4j_version"] == settings.neo4j.version


def test_down_stops_the_demo_servers_left_running(settings, tmp_path):
    import socket

    from api.demo.site import site_process
    from api.services.manager import demo_servers_down
    from api.services.process import port_open

    local = settings.model_copy(update={"data_dir": tmp_path})
    (tmp_path / "site").mkdir()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = site_process(tmp_path, port, local.run_dir)
    server.start(ready=lambda: port_open("127.0.0.1", port))
    assert server.is_running()
    demo_servers_down(local)
    assert not server.is_running()
    demo_servers_down(local)  # nothing left to stop: still fine
