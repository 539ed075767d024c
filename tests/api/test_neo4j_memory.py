"""Neo4j's heap and page cache sized from the machine and the store."""

from __future__ import annotations

import pytest

from api.services.memory import (
    GIB,
    MIB,
    machine_memory,
    parse_size,
    plan_neo4j_memory,
    store_size,
)


def test_sizes_parse_as_neo4j_writes_them():
    assert parse_size("512m") == 512 * MIB
    assert parse_size("2g") == 2 * GIB
    assert parse_size("1.5G") == int(1.5 * GIB)
    assert parse_size("300000000") == 300_000_000
    with pytest.raises(ValueError, match="not a memory size"):
        parse_size("lots")


def test_a_store_that_fits_gets_a_page_cache_covering_it_with_room_to_grow():
    plan = plan_neo4j_memory(total=24 * GIB, store=3 * GIB, share=0.5)
    assert plan.pagecache >= int(3 * GIB * 1.25)
    assert plan.heap + plan.pagecache == 12 * GIB
    assert 512 * MIB <= plan.heap <= 31 * GIB
    assert "covers the 3.0 GiB store" in plan.describe()


def test_a_small_store_gets_room_to_grow_into():
    # An empty store at set-up: the corpus about to be ingested grows it many times over.
    plan = plan_neo4j_memory(total=24 * GIB, store=10 * MIB, share=0.5)
    assert plan.heap == int(12 * GIB * 0.4)
    assert plan.pagecache == 12 * GIB - plan.heap
    huge = plan_neo4j_memory(total=512 * GIB, store=0, share=0.5)
    assert huge.heap == 31 * GIB  # compressed pointers end above 31 GiB


def test_a_store_larger_than_the_share_says_so():
    plan = plan_neo4j_memory(total=8 * GIB, store=20 * GIB, share=0.5)
    assert plan.heap + plan.pagecache <= 4 * GIB
    assert plan.pagecache >= 256 * MIB
    assert "SMALLER than the 20.0 GiB store" in plan.describe()


def test_explicit_settings_win():
    plan = plan_neo4j_memory(total=24 * GIB, store=GIB, share=0.5, heap="768m", pagecache="1g")
    assert (plan.heap_setting, plan.pagecache_setting) == ("768m", "1024m")
    assert "set explicitly" in plan.reason


def test_the_machine_and_the_store_are_measured(tmp_path):
    assert machine_memory() > 256 * MIB
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24000000 kB\nMemFree:  1 kB\n")
    assert machine_memory(meminfo) == 24_000_000 * 1024
    assert store_size(tmp_path / "absent") == 0
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "neostore").write_bytes(b"x" * 1000)
    (tmp_path / "db" / "tx").mkdir()
    (tmp_path / "db" / "tx" / "log").write_bytes(b"x" * 24)
    assert store_size(tmp_path / "db") == 1024


def test_the_running_neo4j_was_started_with_the_planned_memory(services, settings):
    from api.services.manager import local_neo4j

    conf = (local_neo4j(settings).conf_dir / "neo4j.conf").read_text()
    assert "# neo4j memory: heap" in conf
    assert f"server.memory.heap.max_size={parse_size(settings.neo4j.heap_size) // MIB}m" in conf
