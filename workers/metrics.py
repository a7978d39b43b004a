"""Worker-side Prometheus metrics: invoices created, chunk duration, queue lag.

The domain reports finished chunks through `domain.observers`; this module turns them into
metrics, so the domain imports no metrics library. `billing worker` processes serve these
on their own port (BILLING_WORKER_METRICS_PORT); the server shows them on /metrics when it
runs the workers in-process.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import dramatiq
from prometheus_client import Counter, Histogram, start_http_server

from domain.observers import ChunkDone, add_chunk_listener
from domain.settings import Settings

logger = logging.getLogger("billing.workers")

# Seconds: a chunk is one transaction, usually well under a second.
CHUNK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Seconds from enqueue to the start of processing (a retry's backoff counts too).
LAG_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0)

INVOICES_CREATED = Counter("billing_invoices_created", "Invoices created by billing-run chunks.")
CHUNKS_DONE = Counter("billing_chunks_done", "Billing-run chunks that changed something.")
CHUNK_DURATION = Histogram(
    "billing_chunk_duration_seconds",
    "Time to generate one chunk of a run, transaction included.",
    buckets=CHUNK_BUCKETS,
)
QUEUE_LAG = Histogram(
    "billing_queue_lag_seconds",
    "Time a message waited in the queue before a worker started it, by actor.",
    ["actor"],
    buckets=LAG_BUCKETS,
)


def record_chunk(event: ChunkDone) -> None:
    """Count a finished chunk's invoices and time."""
    CHUNKS_DONE.inc()
    INVOICES_CREATED.inc(event.invoices)
    CHUNK_DURATION.observe(event.duration_ms / 1000)


class QueueLag(dramatiq.Middleware):
    """Observes how long each message waited between enqueue and processing."""

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        waited_ms = time.time() * 1000 - message.message_timestamp
        QUEUE_LAG.labels(actor=message.actor_name).observe(max(waited_ms, 0.0) / 1000)


def install_worker_metrics(broker: dramatiq.Broker) -> None:
    """Record chunk and queue metrics in this process (safe to call twice)."""
    add_chunk_listener(record_chunk)
    if not any(isinstance(m, QueueLag) for m in broker.middleware):
        broker.add_middleware(QueueLag())


def start_worker_metrics_server(settings: Settings) -> int | None:
    """Serve /metrics on BILLING_WORKER_METRICS_PORT (host BILLING_WORKER_METRICS_HOST,
    default 0.0.0.0), when the port is set; returns the port."""
    port = settings.billing_worker_metrics_port
    if not port:
        return None
    host = settings.billing_worker_metrics_host
    start_http_server(port, addr=host)
    logger.info("worker metrics on %s:%s", host, port)
    return port
