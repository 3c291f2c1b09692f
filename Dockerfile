# Image for every fleet role (worker, persister, beat, flower, bridge); the command picks the role.
# Not built in CI here (no Docker engine on these machines); docker-compose.yml is schema-checked.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml ./
COPY domain ./domain
COPY adapters ./adapters
COPY worker ./worker
COPY tasks ./tasks
COPY cli ./cli
RUN pip install --no-cache-dir .
COPY config ./config
ENV ENRICH_CONFIG_ROOT=/app ENRICH_DATA_DIR=/data
RUN useradd --create-home enrich && mkdir -p /data && chown enrich /data
USER enrich
CMD ["celery", "-A", "worker.app", "worker", "-Q", "enrich,reenrich,lifecycle", "--loglevel", "INFO"]
