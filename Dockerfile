# One image for the API and every worker; the command picks the role.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    CONTAGIONS_DATA_DIR=/data

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

RUN useradd --create-home --uid 1000 contagions && mkdir -p /data && chown contagions /data
USER contagions
VOLUME ["/data"]
EXPOSE 8000
CMD ["contagions", "serve"]
