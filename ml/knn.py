"""Top-k nearest neighbours over L2-normalized descriptors, as a directed kNN graph.

Two ways to get neighbours:

- exact: a blocked matrix product. On the CPU the corpus is cut into square tiles and only the
  upper triangle is computed (the similarity matrix is symmetric, so each tile serves the rows
  on both of its sides: half the multiply-adds of a row-by-row scan). Each tile is screened
  without sorting it: the maxima of ``segment``-sized slices bound the k-th best score of a row
  from below, so only the few scores above ``max(min_score, bound, running k-th best)`` are
  kept, then ranked. On CUDA a plain row-blocked product plus ``torch.topk`` is faster.
- index: batched queries against an ANN index (``knn_from_index``) for corpora too large for
  the exact route (see ``choose_method``).

All results are exact for the exact route: a neighbour is dropped only when ``k`` better ones
exist (ties at the k-th place are broken by the smaller corpus position).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

# Sustained float32 throughputs used by ``choose_method`` (multiply-adds count as 2 flops).
# CPU: measured OpenBLAS sgemm on 2 cores of an AVX-512 EPYC (about 190 GFLOP/s; the symmetric
# tiling halves the work). GPU: a conservative fraction of an H100's FP32 rate.
CPU_FLOPS = 150e9
GPU_FLOPS = 20e12


class KnnError(ValueError):
    """Vectors or parameters that a kNN computation cannot use."""


# (source, destination, score) arrays of one tile of the kNN computation.
Triple = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class KnnGraph:
    """Directed kNN edges ``src -> dst`` (corpus positions), each row's best first.

    ``src`` is sorted; within a source, scores are non-increasing. At most ``k`` edges per
    source, all with ``score >= min_score``; self-matches are never included.
    """

    src: np.ndarray  # int64
    dst: np.ndarray  # int64
    score: np.ndarray  # float32
    k: int
    min_score: float

    def __len__(self) -> int:
        return int(self.src.size)


class Pairs(NamedTuple):
    """Undirected edges, one per unordered pair: ``i < j``, sorted by ``(i, j)``."""

    i: np.ndarray  # int64
    j: np.ndarray  # int64
    score: np.ndarray  # float32


def edge_set_id(model_id: str, k: int, min_score: float) -> str:
    """Short stable hash naming the parameters an edge set was computed with."""
    text = f"{model_id}|k={int(k)}|min_score={float(min_score):.6f}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def choose_method(
    n: int,
    dim: int,
    has_gpu: bool,
    memory_budget: int,
    max_seconds: float = 900.0,
) -> Literal["exact", "index"]:
    """Pick the exact product when it fits in memory and its estimated time in ``max_seconds``.

    The CPU route computes half the ``n x n`` product (symmetric tiling), the GPU one all of
    it. Memory (``memory_budget``: host RAM, or GPU memory when ``has_gpu``): the corpus in
    float32 twice plus the blocks of scores in flight.
    """
    if n <= 1:
        return "exact"
    flops = (2.0 if has_gpu else 1.0) * n * n * dim
    seconds = flops / (GPU_FLOPS if has_gpu else CPU_FLOPS)
    block = min(4096 * n * 4, 1 << 31) if has_gpu else 4096 * 4096 * 4 * 2
    needed = n * dim * 4 * 2 + block
    return "exact" if seconds <= max_seconds and needed <= memory_budget else "index"


def exact_knn(
    vectors: np.ndarray,
    k: int,
    min_score: float,
    block_size: int = 4096,
    device: str = "cpu",
    threads: int = 2,
) -> KnnGraph:
    """Exact top-``k`` neighbours of every vector among all the others (cosine = dot product).

    ``vectors`` must be L2-normalized rows. ``device`` is ``"cpu"`` (numpy, ``threads`` tiles at
    a time) or a torch device such as ``"cuda"``.
    """
    x = _as_matrix(vectors)
    _check_k(k)
    if device != "cpu":
        positions = np.arange(x.shape[0], dtype=np.int64)
        return _torch_knn(x, x, positions, k, min_score, block_size, device)
    return _TiledKnn(x, x, None, k, min_score, block_size, threads).run_symmetric()


def knn_query(
    query_vectors: np.ndarray,
    corpus_vectors: np.ndarray,
    k: int,
    min_score: float,
    query_positions: np.ndarray | None = None,
    block_size: int = 4096,
    device: str = "cpu",
    threads: int = 2,
) -> KnnGraph:
    """Top-``k`` neighbours in ``corpus_vectors`` of each query (incremental: new vs everything).

    When the queries are also in the corpus (new illustrations already appended),
    ``query_positions[q]`` is the corpus position of query ``q``: it excludes the self-match
    and becomes the edge source. Without it, sources are query row numbers.
    """
    q = _as_matrix(query_vectors)
    x = _as_matrix(corpus_vectors)
    _check_k(k)
    if q.shape[1] != x.shape[1]:
        raise KnnError(f"query dim {q.shape[1]} != corpus dim {x.shape[1]}")
    if query_positions is None:
        positions = np.full(q.shape[0], -1, dtype=np.int64)
    else:
        positions = np.asarray(query_positions, dtype=np.int64)
        if positions.shape != (q.shape[0],):
            raise KnnError("query_positions must have one entry per query")
        if positions.size and (positions.min() < 0 or positions.max() >= x.shape[0]):
            raise KnnError("query_positions must be positions in the corpus")
    if device != "cpu":
        graph = _torch_knn(q, x, positions, k, min_score, block_size, device)
    else:
        graph = _TiledKnn(q, x, positions, k, min_score, block_size, threads).run_queries()
    if query_positions is None:
        return graph
    return KnnGraph(positions[graph.src], graph.dst, graph.score, k, min_score)


def knn_from_index(
    search_batch_fn: Callable[[np.ndarray, int, float], Sequence[Sequence[tuple[object, float]]]],
    ids: Sequence[object],
    vectors: np.ndarray,
    k: int,
    min_score: float,
    query_positions: np.ndarray | None = None,
    batch_size: int = 256,
    workers: int = 1,
) -> KnnGraph:
    """Top-``k`` neighbours from an ANN index queried in batches.

    ``search_batch_fn(batch, limit, score_threshold)`` returns, per query row, ``(id, score)``
    hits best first (e.g. a vector store's ``search_batch``). ``ids`` maps corpus positions to
    ids; ``vectors`` are the queries: all of the corpus, or the rows at ``query_positions``.
    Hits on ids outside ``ids`` are ignored; the self-hit is dropped (hence ``k + 1`` asked).
    ``workers`` batches are in flight at once: the engine answers one batch on one core.
    """
    q = _as_matrix(vectors)
    _check_k(k)
    position_of = {item: pos for pos, item in enumerate(ids)}
    if query_positions is None:
        if q.shape[0] != len(ids):
            raise KnnError("without query_positions, vectors must be the whole corpus")
        sources = np.arange(q.shape[0], dtype=np.int64)
    else:
        sources = np.asarray(query_positions, dtype=np.int64)
    src: list[int] = []
    dst: list[int] = []
    score: list[float] = []
    starts = range(0, q.shape[0], batch_size)

    def search(start: int) -> Sequence[Sequence[tuple[object, float]]]:
        return search_batch_fn(q[start : start + batch_size], k + 1, min_score)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        # map() keeps the batches in order; at most `workers` run at once.
        answered = pool.map(search, starts) if workers > 1 else map(search, starts)
        for start, hits_per_query in zip(starts, answered, strict=True):
            _keep_hits(hits_per_query, start, sources, position_of, k, min_score, src, dst, score)
    return _ranked(
        np.asarray(src, dtype=np.int64),
        np.asarray(dst, dtype=np.int64),
        np.asarray(score, dtype=np.float32),
        k,
        min_score,
    )


def _keep_hits(
    hits_per_query: Sequence[Sequence[tuple[object, float]]],
    start: int,
    sources: np.ndarray,
    position_of: dict[object, int],
    k: int,
    min_score: float,
    src: list[int],
    dst: list[int],
    score: list[float],
) -> None:
    """Append one batch's kept hits (known ids, not the query itself, above the score)."""
    for offset, hits in enumerate(hits_per_query):
        me = int(sources[start + offset])
        kept = 0
        for hit_id, hit_score in hits:
            pos = position_of.get(hit_id)
            if pos is None or pos == me or hit_score < min_score:
                continue
            src.append(me)
            dst.append(pos)
            score.append(hit_score)
            kept += 1
            if kept == k:
                break


def unique_pairs(graph: KnnGraph) -> Pairs:
    """One undirected edge per unordered pair, keeping the higher score of ``a->b``, ``b->a``."""
    a = np.minimum(graph.src, graph.dst)
    b = np.maximum(graph.src, graph.dst)
    keep = a != b
    a, b, s = a[keep], b[keep], graph.score[keep]
    order = np.lexsort((-s, b, a))
    a, b, s = a[order], b[order], s[order]
    first = np.ones(a.size, dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return Pairs(a[first], b[first], s[first].astype(np.float32, copy=False))


def _as_matrix(vectors: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if x.ndim != 2:
        raise KnnError(f"expected a 2-d array of vectors, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise KnnError("vectors contain NaN or infinity")
    return x


def _check_k(k: int) -> None:
    if k < 1:
        raise KnnError(f"k must be >= 1, got {k}")


def _ranked(
    src: np.ndarray, dst: np.ndarray, score: np.ndarray, k: int, min_score: float
) -> KnnGraph:
    """Keep the ``k`` best edges per source, ordered by source, score desc, destination."""
    order = np.lexsort((dst, -score, src))
    src, dst, score = src[order], dst[order], score[order]
    rank = np.arange(src.size) - np.searchsorted(src, src, side="left")
    keep = rank < k
    return KnnGraph(src[keep], dst[keep], score[keep], k, min_score)


def _torch_knn(
    q: np.ndarray,
    x: np.ndarray,
    positions: np.ndarray,
    k: int,
    min_score: float,
    block_size: int,
    device: str,
) -> KnnGraph:
    """Row-blocked product and ``torch.topk`` on ``device`` (float32, no TF32)."""
    import torch

    dev = torch.device(device)
    corpus = torch.from_numpy(x).to(dev)
    kk = min(k + 1, x.shape[0])
    srcs, dsts, scores = [], [], []
    previous_tf32 = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False  # TF32 would round descriptors to 10 bits
    try:
        # Keep one block of scores under 2 GiB whatever the corpus size.
        step = max(1, min(block_size, (1 << 31) // (4 * max(1, x.shape[0]))))
        for start in range(0, q.shape[0], step):
            stop = min(start + step, q.shape[0])
            sims = torch.from_numpy(q[start:stop]).to(dev) @ corpus.T
            rows = torch.arange(stop - start, device=dev)
            own = torch.from_numpy(positions[start:stop]).to(dev)
            mine = own >= 0
            sims[rows[mine], own[mine]] = float("-inf")
            if kk == 0:
                continue
            top = torch.topk(sims, kk, dim=1)
            top_s, top_d = top.values.cpu().numpy(), top.indices.cpu().numpy()
            src = np.repeat(np.arange(start, stop, dtype=np.int64), top_s.shape[1])
            srcs.append(src)
            dsts.append(top_d.reshape(-1).astype(np.int64))
            scores.append(top_s.reshape(-1))
    finally:
        torch.backends.cuda.matmul.allow_tf32 = previous_tf32
    return _finish(srcs, dsts, scores, k, min_score)


def _finish(srcs, dsts, scores, k: int, min_score: float) -> KnnGraph:
    if not srcs:
        empty = np.empty(0, dtype=np.int64)
        return KnnGraph(empty, empty, np.empty(0, dtype=np.float32), k, min_score)
    src = np.concatenate(srcs)
    dst = np.concatenate(dsts)
    score = np.concatenate(scores).astype(np.float32, copy=False)
    keep = (score >= min_score) & np.isfinite(score)
    return _ranked(src[keep], dst[keep], score[keep], k, min_score)


class _TiledKnn:
    """The CPU engine: square tiles, screened by segment maxima, merged per source row."""

    segment = 32  # rows/columns per segment; tiles are multiples of it

    def __init__(
        self,
        q: np.ndarray,
        x: np.ndarray,
        positions: np.ndarray | None,
        k: int,
        min_score: float,
        block_size: int,
        threads: int,
    ) -> None:
        seg = self.segment
        self.block = max(seg, (block_size // seg) * seg)
        self.k = k
        self.min_score = np.float32(min_score)
        self.threads = max(1, threads)
        self.n_q, self.n_x = q.shape[0], x.shape[0]
        self.q = _pad_rows(q, seg)
        self.x = self.q if q is x else _pad_rows(x, seg)
        self.positions = positions
        # Running lower bound of each source row's k-th best score (only ever rises).
        self.floor = np.full(self.q.shape[0], self.min_score, dtype=np.float32)
        self.best: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.pending: list[Triple] = []

    def run_symmetric(self) -> KnnGraph:
        starts = range(0, self.q.shape[0], self.block)
        with threadpool_limits(limits=1, user_api="blas"), self._pool() as pool:
            for a in starts:
                tiles = [(a, b) for b in starts if b >= a]
                for found in pool.map(self._symmetric_tile, tiles):
                    self.pending.extend(found)
                self._merge()
        return self._graph()

    def run_queries(self) -> KnnGraph:
        q_starts = range(0, self.q.shape[0], self.block)
        x_starts = range(0, self.x.shape[0], self.block)
        with threadpool_limits(limits=1, user_api="blas"), self._pool() as pool:
            for a in q_starts:
                tiles = [(a, b) for b in x_starts]
                for found in pool.map(self._query_tile, tiles):
                    self.pending.extend(found)
                self._merge()
        return self._graph()

    def _pool(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=self.threads)

    def _scores(self, qa: int, xb: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        tile = rows @ cols.T
        # Padding rows/columns must never be selected.
        tile[max(0, self.n_q - qa) :, :] = -np.inf
        tile[:, max(0, self.n_x - xb) :] = -np.inf
        return tile

    def _symmetric_tile(self, ab: tuple[int, int]) -> list[Triple]:
        a, b = ab
        rows = self.q[a : a + self.block]
        cols = self.q[b : b + self.block]
        tile = self._scores(a, b, rows, cols)
        if a == b:
            np.fill_diagonal(tile, -np.inf)
            return [self._screen_rows(tile, a, b)]
        return [self._screen_rows(tile, a, b), self._screen_columns(tile, a, b)]

    def _query_tile(self, ab: tuple[int, int]) -> list[Triple]:
        a, b = ab
        rows = self.q[a : a + self.block]
        cols = self.x[b : b + self.block]
        tile = self._scores(a, b, rows, cols)
        if self.positions is not None:
            own = np.full(rows.shape[0], -1, dtype=np.int64)
            real = self.positions[a : a + rows.shape[0]]
            own[: real.size] = real
            local = own - b
            hit = (local >= 0) & (local < cols.shape[0])
            tile[np.flatnonzero(hit), local[hit]] = -np.inf
        return [self._screen_rows(tile, a, b)]

    def _screen_rows(self, tile: np.ndarray, a: int, b: int) -> Triple:
        """Candidates of the tile's rows: scores above each row's bound."""
        n_rows, n_cols = tile.shape
        seg = self.segment
        n_seg = n_cols // seg
        # Segment s holds columns s, s + n_seg, s + 2 n_seg, ...: its maxima are an elementwise
        # reduction over contiguous slices, which numpy vectorizes well.
        strided = tile.reshape(n_rows, seg, n_seg)
        seg_max = strided.max(axis=1)
        bound = np.maximum(self.floor[a : a + n_rows], self._kth(seg_max))
        hit_row, hit_seg = np.nonzero(seg_max >= bound[:, None])
        values = strided[hit_row, :, hit_seg]  # (hits, seg)
        h, offset = np.nonzero(values >= bound[hit_row][:, None])
        rows = hit_row[h]
        cols = offset * n_seg + hit_seg[h]
        return (rows + a, cols + b, values[h, offset])

    def _screen_columns(self, tile: np.ndarray, a: int, b: int) -> Triple:
        """Candidates of the tile's columns (as sources) among its rows."""
        n_rows, n_cols = tile.shape
        seg = self.segment
        n_seg = n_rows // seg
        strided = tile.reshape(seg, n_seg, n_cols)
        seg_max = strided.max(axis=0)  # (n_seg, n_cols)
        bound = np.maximum(self.floor[b : b + n_cols], self._kth(seg_max.T))
        hit_seg, hit_col = np.nonzero(seg_max >= bound[None, :])
        values = strided[:, hit_seg, hit_col]  # (seg, hits)
        offset, h = np.nonzero(values >= bound[hit_col][None, :])
        cols = hit_col[h]
        rows = offset * n_seg + hit_seg[h]
        return (cols + b, rows + a, values[offset, h])

    def _kth(self, seg_max: np.ndarray) -> np.ndarray:
        """Per row, the k-th largest segment maximum: k distinct scores are at least that."""
        n_seg = seg_max.shape[1]
        if n_seg < self.k:
            return np.full(seg_max.shape[0], -np.inf, dtype=np.float32)
        return np.partition(seg_max, n_seg - self.k, axis=1)[:, n_seg - self.k]

    def _merge(self) -> None:
        parts = self.pending
        if self.best is not None:
            parts = [self.best, *parts]
        self.pending = []
        if not parts:
            return
        src = np.concatenate([p[0] for p in parts]).astype(np.int64, copy=False)
        dst = np.concatenate([p[1] for p in parts]).astype(np.int64, copy=False)
        score = np.concatenate([p[2] for p in parts]).astype(np.float32, copy=False)
        graph = _ranked(src, dst, score, self.k, float(self.min_score))
        self.best = (graph.src, graph.dst, graph.score)
        # Rows holding k candidates: their k-th score now bounds anything worth keeping.
        counts = np.bincount(graph.src, minlength=self.floor.size)
        full = np.flatnonzero(counts >= self.k)
        if full.size:
            last = np.cumsum(counts)[full] - 1
            self.floor[full] = np.maximum(self.floor[full], graph.score[last])

    def _graph(self) -> KnnGraph:
        self._merge()
        if self.best is None:
            return _finish([], [], [], self.k, float(self.min_score))
        src, dst, score = self.best
        return KnnGraph(src, dst, score, self.k, float(self.min_score))


def _pad_rows(x: np.ndarray, multiple: int) -> np.ndarray:
    extra = (-x.shape[0]) % multiple
    if extra == 0:
        return x
    return np.vstack([x, np.zeros((extra, x.shape[1]), dtype=np.float32)])
