# One image for the API and every worker; the command picks the role.

# The explorer web app, built from the committed SDL and lock file (registry only, no CDN).
FROM node:20-slim AS explorer
WORKDIR /build
COPY api/schema.graphql ./api/schema.graphql
COPY explorer/package.json explorer/package-lock.json ./explorer/
RUN cd explorer && npm ci --no-audit --no-fund
COPY explorer ./explorer
RUN cd explorer && npm run build

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    CONTAGIONS_DATA_DIR=/data \
    CONTAGIONS_API__EXPLORER_DIR=/app/explorer/dist

RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY api ./api
COPY graph ./graph
COPY ingest ./ingest
COPY ml ./ml
RUN pip install --no-deps .
COPY --from=explorer /build/explorer/dist ./explorer/dist

RUN useradd --create-home --uid 1000 contagions && mkdir -p /data && chown contagions /data
USER contagions
VOLUME ["/data"]
EXPOSE 8000
CMD ["contagions", "serve"]
