"""The one typed settings object.

Every setting is read here, from the environment (prefix ``CONTAGIONS_``, nested fields joined
with ``__``, e.g. ``CONTAGIONS_NEO4J__PASSWORD``) or a ``.env`` file. Nothing else in the code
base reads the environment: ``graph/``, ``ingest/`` and ``ml/`` receive plain values.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.urls import parse_endpoint
from ml.clustering import ClusterParams
from ml.segment.registry import SEGMENTER_NAMES

ENV_PREFIX = "CONTAGIONS_"
ENV_NESTED_DELIMITER = "__"


class Neo4jSettings(BaseModel):
    # None means: run the local Neo4j Community that `contagions services up` manages.
    uri: str | None = None
    user: str = "neo4j"
    # Neo4j 5 refuses passwords shorter than 8 characters.
    password: SecretStr = SecretStr("contagions-local")
    database: str = "neo4j"
    # The address the local Neo4j listens on and clients dial. Loopback: a worker on another
    # host needs the services on an address it can reach (tests/api/test_two_hosts.py).
    host: str = "127.0.0.1"
    bolt_port: int = 7687
    http_port: int = 7474
    version: str = "5.26.30"
    browser_version: str = "5.24.0"
    # "auto": sized from the machine and the store by `contagions up` (api/services/memory.py).
    heap_size: str = "auto"
    pagecache_size: str = "auto"
    memory_share: float = 0.5  # of the machine, for "auto"
    start_timeout_s: float = 120.0

    @field_validator("memory_share")
    @classmethod
    def _a_share(cls, value: float) -> float:
        if not 0.0 < value <= 0.9:
            raise ValueError("memory_share is a fraction of the machine's memory, in (0, 0.9]")
        return value

    @field_validator("password")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 8:
            raise ValueError("Neo4j requires a password of at least 8 characters")
        return value

    @property
    def is_local(self) -> bool:
        return self.uri is None

    @property
    def bolt_uri(self) -> str:
        return self.uri or f"bolt://{self.host}:{self.bolt_port}"


class BrokerSettings(BaseModel):
    # None means: the local Redis that `contagions services up` manages.
    url: str | None = None
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    # Required when `redis_host` is not loopback: Redis then accepts other hosts' workers.
    redis_password: SecretStr | None = None
    # A worker silent this long is dead: its unacknowledged messages go back to the queue.
    # Workers beat every `heartbeat_interval_s` even while busy (api/heartbeat.py), so this can
    # be short without long messages being taken for orphans.
    heartbeat_timeout_ms: int = 15_000
    heartbeat_interval_s: float = 1.0
    # Out of a million broker commands, how many also run that clean-up (heartbeats included).
    maintenance_chance: int = 100_000
    # How long a worker's send waits for an unreachable Redis (a restart) before it raises
    # (api/broker.py: DurableRedisBroker); the API and the CLI do not wait.
    send_retry_s: float = 300.0

    @property
    def is_local(self) -> bool:
        return self.url is None

    @property
    def broker_url(self) -> str:
        if self.url:
            return self.url
        secret = f":{self.redis_password.get_secret_value()}@" if self.redis_password else ""
        return f"redis://{secret}{self.redis_host}:{self.redis_port}/0"


class VectorSettings(BaseModel):
    # "edge": the embedded Qdrant engine (qdrant-edge-py) under data_dir, owned by the local
    # vector service on `service_port` (the engine allows one process per collection).
    # "client": qdrant-client, against a Qdrant server at `url`, else its local mode
    # (single process: scripts and tests only).
    backend: Literal["edge", "client"] = "edge"
    service_host: str = "127.0.0.1"
    service_port: int = 6335
    url: str | None = None
    api_key: SecretStr | None = None
    path: Path | None = None
    hnsw_m: int = 16
    hnsw_ef_construct: int = 100
    quantization: Literal["none", "int8"] = "none"
    # The vector service closes a collection unused this long (its memory goes back; the next
    # client call reopens it). 0: keep every opened collection open.
    idle_close_s: float = 900.0


class ModelSettings(BaseModel):
    backbone: Literal["dino_vits16", "efficientnet_lite0"] = "dino_vits16"
    # A local checkpoint for the backbone; used instead of the hub when set.
    checkpoint: Path | None = None
    allow_download: bool = True
    # Fall back to the packaged, ImageNet-trained backbone when DINO weights are unavailable.
    fallback_backbone: Literal["efficientnet_lite0", "none"] = "efficientnet_lite0"
    # The PCA keeps at most this many dimensions, and fewer when the sample is small
    # (api/pipeline/index.py: SAMPLES_PER_DIM).
    dim: Literal[768, 384, 256, 128, 64] = 384
    whitening_power: float = 0.5
    # How crops are prepared before the backbone (ml/printed.py): a Gaussian blur in pixels at
    # the backbone's input size removes halftone screens and paper grain; grey removes the ink
    # (colour, grey, sepia printings of one picture). None: the backbone's calibrated choice
    # (ml.printed.CALIBRATED_RECIPES, measured in bench/recipes.py).
    descreen_radius: float | None = None
    grayscale: bool | None = None
    batch_size: int = 32
    device: str = "auto"
    compile: bool = False


class SegmenterSettings(BaseModel):
    default: str = "layout"

    @field_validator("default")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in SEGMENTER_NAMES:
            raise ValueError(f"unknown segmenter {value!r}; known: {', '.join(SEGMENTER_NAMES)}")
        return value

    docextractor_weights: Path | None = None
    working_size: int = 1280


class SimilaritySettings(BaseModel):
    k: int = 32
    min_score: float = 0.5
    # None: the threshold the descriptor model's backbone is calibrated at
    # (ml.clustering.CALIBRATED_THRESHOLDS).
    cluster_threshold: float | None = None
    giant_size: int = ClusterParams.giant_size
    giant_fraction: float = ClusterParams.giant_fraction
    threshold_step: float = ClusterParams.threshold_step
    # Index query batches in flight at once while building edges: the embedded engine answers
    # one batch on one core (`ml.knn.knn_from_index`).
    search_workers: int = 2


class ContinuousSettings(BaseModel):
    """Continuous mode: illustrations that get their vectors flow on to edges and clusters."""

    enabled: bool = True
    # A burst of vector batches triggers one update: the first waits this long for the others.
    debounce_seconds: float = 10.0
    # The first PCA fit happens on its own once the graph holds this many illustrations;
    # later fits are explicit (`contagions pca fit`: a new model means re-indexing).
    first_fit_min_illustrations: int = 500
    first_fit_sample: int = 20_000


class IngestSettings(BaseModel):
    max_collection_depth: int = 8
    # Pages of one paged collection (`first`/`next`) followed before the chain is refused:
    # an endless `next` chain stops here with a failure that says so.
    max_collection_pages: int = Field(default=10_000, ge=1)
    # A manifest with more canvases is written in transactions of this many pages (45k
    # canvases in one transaction exceeded Neo4j's transaction memory).
    pages_per_transaction: int = Field(default=2_000, ge=1)
    # Messages to the pages queue carry this many page ids.
    page_batch_size: int = 16
    # Messages to the ingest queue carry this many tasks; their manifests are written in one
    # transaction (bench/ingest_throughput.py: the worker path's pages/s grow with it).
    task_batch_size: int = 16
    # Re-harvest on a schedule (api/pipeline/reharvest.py): every corpus is read again, with
    # conditional requests, this many seconds after its last ingest job (0: never); a corpus
    # named in `reharvest_interval_s_by_corpus` follows its own interval (0: never).
    reharvest_interval_s: float = Field(default=0.0, ge=0.0)
    reharvest_interval_s_by_corpus: dict[str, float] = Field(default_factory=dict)
    # How often each worker looks for a corpus due.
    reharvest_check_s: float = Field(default=60.0, gt=0.0)

    @field_validator("task_batch_size")
    @classmethod
    def _positive_batch(cls, value: int) -> int:
        if not 1 <= value <= 500:
            raise ValueError("task_batch_size must be within 1..500")
        return value


class HttpSettings(BaseModel):
    user_agent: str = "contagions/0.1 (+https://github.com/contagions/contagions)"
    timeout_s: float = 30.0
    retries: int = 4
    per_host_concurrency: int = 4
    max_document_bytes: int = 50_000_000
    max_image_bytes: int = 80_000_000
    max_image_pixels: int = 180_000_000
    # One fetch (connection, reads, redirects, retries and the waits between them) ends here.
    deadline_s: float = 300.0
    # A transfer slower than this (averaged after a few seconds) is dropped.
    min_bytes_per_s: float = 1024.0
    # Exact `host:port` pairs the harvester may fetch although they resolve to non-global
    # addresses (a local IIIF site, an intranet mirror): never a whole host. The public image
    # search ignores this list (see `ApiSettings`).
    allowed_private_hosts: list[str] = Field(default_factory=list)
    cache_max_bytes: int = 2_000_000_000

    @field_validator("allowed_private_hosts")
    @classmethod
    def _exact_endpoints(cls, value: list[str]) -> list[str]:
        for entry in value:
            parse_endpoint(entry)  # raises ValueError with what to write instead
        return value


class ApiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8000
    # Bearer tokens with the curator role. Empty: single-user mode, mutations are accepted
    # from loopback clients only.
    curator_tokens: list[SecretStr] = Field(default_factory=list)
    public_reads: bool = True
    max_query_depth: int = 12
    max_upload_bytes: int = 20_000_000
    # Origins (scheme://host[:port]) of browser apps that may call the API, credentials
    # included. Empty: the API's own origin only. Mutations from other origins are refused.
    cors_origins: list[str] = Field(default_factory=list)
    # Request bodies of /graphql and /export (multipart uploads: max_upload_bytes + this).
    max_body_bytes: int = 1_000_000
    # The public `searchSimilar(imageUrl:)`: a short overall deadline and a pixel budget below
    # the harvester's (`HttpSettings`); it never fetches from non-global addresses.
    image_fetch_deadline_s: float = 15.0
    max_image_pixels: int = 40_000_000

    @field_validator("cors_origins")
    @classmethod
    def _bare_origins(cls, value: list[str]) -> list[str]:
        return [origin.rstrip("/") for origin in value]

    # The built explorer app served at /; None: explorer/dist next to the packages.
    explorer_dir: Path | None = None


class DemoSettings(BaseModel):
    """The bundled sample corpus (`contagions demo run`)."""

    corpus: str = "sample-press"
    seed: int = 7
    issues: int = 12
    pages: int = 6
    site_port: int = 8190
    iiif_port: int = 8191


class ReconcileSettings(BaseModel):
    """The reconciler: units pending in a stage past a deadline are sent again
    (api/pipeline/reconcile.py), from every worker on a clock, one worker at a time."""

    enabled: bool = True
    interval_s: float = Field(default=30.0, gt=0)
    # A unit whose message was sent this long ago and is still pending is sent again, but only
    # while its stage's queue holds no message: a long backlog is work flowing, not work lost.
    deadline_s: float = Field(default=120.0, ge=0)
    # At most this many units of a stage per round.
    batch_limit: int = Field(default=5_000, ge=1)


class WorkerSettings(BaseModel):
    queues: list[str] = Field(
        default_factory=lambda: ["default", "ingest", "pages", "gpu", "clusters"]
    )
    processes: int = 1
    threads: int = 2


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_NESTED_DELIMITER,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    data_dir: Path = Path("var")
    neo4j: Neo4jSettings = Field(default_factory=Neo4jSettings)
    broker: BrokerSettings = Field(default_factory=BrokerSettings)
    vectors: VectorSettings = Field(default_factory=VectorSettings)
    model: ModelSettings = Field(default_factory=ModelSettings)
    segmenter: SegmenterSettings = Field(default_factory=SegmenterSettings)
    similarity: SimilaritySettings = Field(default_factory=SimilaritySettings)
    continuous: ContinuousSettings = Field(default_factory=ContinuousSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    reconcile: ReconcileSettings = Field(default_factory=ReconcileSettings)
    demo: DemoSettings = Field(default_factory=DemoSettings)

    @property
    def run_dir(self) -> Path:
        """PID files and logs of the processes `contagions` starts."""
        return self.data_dir.resolve() / "run"

    @property
    def vector_path(self) -> Path:
        return (self.vectors.path or self.data_dir / "vectors").resolve()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def env_var_names(model: type[BaseModel] = Settings, prefix: str = ENV_PREFIX) -> set[str]:
    """Every environment variable name the settings understand (nested ones included)."""
    names: set[str] = set()
    for name, field in model.model_fields.items():
        env_name = f"{prefix}{name.upper()}"
        names.add(env_name)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= env_var_names(annotation, env_name + ENV_NESTED_DELIMITER)
    return names
