"""Neo4j's heap and page cache, sized from the machine and the store when settings say "auto".

The page cache holds the store files: when it covers the whole store, every read after warm-up
is a memory read, which is what the clustering and API queries need at 1M illustrations. The
heap holds the transaction state of the bulk writes (20k-edge batches, 100-manifest ingests).
Neo4j shares the machine with the vector service, the workers and the OS, so it takes a share
of the memory, not all of it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Neo4jMemory",
    "format_size",
    "machine_memory",
    "parse_size",
    "plan_neo4j_memory",
    "store_size",
]

MIB = 1024**2
GIB = 1024**3
MIN_HEAP = 512 * MIB
MAX_HEAP = 31 * GIB  # above this the JVM loses compressed object pointers
MIN_PAGECACHE = 256 * MIB
HEAP_PART = 0.4  # of Neo4j's share, when the store leaves room
# The store grows while it is served: room for a quarter more before the cache falls short.
STORE_GROWTH = 1.25
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Neo4jMemory:
    heap: int  # bytes
    pagecache: int
    reason: str

    @property
    def heap_setting(self) -> str:
        return f"{self.heap // MIB}m"

    @property
    def pagecache_setting(self) -> str:
        return f"{self.pagecache // MIB}m"

    def describe(self) -> str:
        return (
            f"neo4j memory: heap {format_size(self.heap)}, page cache "
            f"{format_size(self.pagecache)} ({self.reason})"
        )


def parse_size(text: str) -> int:
    """'512m', '2g', '1.5G', '300000000' → bytes."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"not a memory size: {text!r} (e.g. 512m, 2g)")
    number, unit = match.groups()
    return int(float(number) * 1024 ** "bkmgt".index((unit or "b").lower()))


def format_size(size: int) -> str:
    return f"{size / GIB:.1f} GiB" if size >= GIB else f"{size // MIB} MiB"


def plan_neo4j_memory(
    *, total: int, store: int, share: float, heap: str = "auto", pagecache: str = "auto"
) -> Neo4jMemory:
    """Heap and page cache for a machine of `total` bytes and a store of `store` bytes.

    Explicit settings win; "auto" takes `share` of the machine: the heap HEAP_PART of it, the
    page cache the rest. The store is measured when Neo4j starts, and a corpus being ingested
    grows it many times over before the next start (250 MiB at 100k illustrations, GiBs at
    1M): a page cache sized to today's store would send tomorrow's reads to the disk. Neo4j
    takes page cache memory as pages are read, so the rest of the share costs nothing while
    the store is small.
    """
    budget = int(total * share)
    wanted_cache = max(MIN_PAGECACHE, int(store * STORE_GROWTH))
    if heap == "auto":
        heap_bytes = min(MAX_HEAP, max(MIN_HEAP, int(budget * HEAP_PART)))
    else:
        heap_bytes = parse_size(heap)
    if pagecache != "auto":
        cache_bytes = parse_size(pagecache)
        fit = "set explicitly"
    elif wanted_cache <= budget - heap_bytes:
        cache_bytes = budget - heap_bytes
        fit = f"covers the {format_size(store)} store with room to grow"
    else:
        cache_bytes = max(MIN_PAGECACHE, budget - heap_bytes)
        fit = (
            f"SMALLER than the {format_size(store)} store: reads will hit the disk; "
            "give Neo4j a larger share (CONTAGIONS_NEO4J__MEMORY_SHARE) or a larger machine"
        )
    source = (
        "set explicitly"
        if heap != "auto"
        else f"{HEAP_PART:.0%} of Neo4j's {share:.0%} of {format_size(total)}"
    )
    return Neo4jMemory(heap_bytes, cache_bytes, f"heap {source}; page cache {fit}")


def machine_memory(meminfo: Path = Path("/proc/meminfo")) -> int:
    """Total memory in bytes (cgroup limits are not consulted: the services run on the host)."""
    for line in meminfo.read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def store_size(folder: Path) -> int:
    """Bytes of the files under `folder` (0 before the first start)."""
    if not folder.is_dir():
        return 0
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
