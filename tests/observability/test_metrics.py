"""The lean series (``LeanHistogram``, ``LeanCounter``) expose what prometheus_client's own would."""

from __future__ import annotations

import random
import re
import threading

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as openmetrics

from naramarket.observability.metrics import LeanCounter, LeanHistogram

BUCKETS = (0.005, 0.01, 0.1, 1, 10)


def exposition(registry: CollectorRegistry) -> list[str]:
    """Both formats, with the ``_created`` timestamps (set when a series is made) blanked."""
    texts = generate_latest(registry).decode() + openmetrics(registry).decode()
    return re.sub(r"(_created(\{[^}]*\})?) \S+", r"\1 T", texts).splitlines()


def twins() -> tuple[CollectorRegistry, CollectorRegistry, tuple, tuple]:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    lean = (
        LeanHistogram("x_seconds", "latency", ["route", "status"], buckets=BUCKETS, registry=ours),
        LeanCounter("x_calls", "calls", ["tool", "outcome"], registry=ours),
    )
    stock = (
        Histogram("x_seconds", "latency", ["route", "status"], buckets=BUCKETS, registry=theirs),
        Counter("x_calls", "calls", ["tool", "outcome"], registry=theirs),
    )
    return ours, theirs, lean, stock


def test_the_same_observations_give_the_same_samples_in_both_formats():
    ours, theirs, lean, stock = twins()
    rng = random.Random(7)
    # values on bucket bounds too: ``le`` is inclusive
    values = [*BUCKETS, 0.0, 20.0, *(rng.uniform(0, 12) for _ in range(300))]
    for i, value in enumerate(values):
        labels = (f"/r{i % 3}", str(200 + i % 2))
        for histogram, counter in (lean, stock):
            histogram.labels(*labels).observe(value)
            counter.labels("t", "ok" if i % 4 else "error").inc(i % 3)
    assert exposition(ours) == exposition(theirs)
    assert ours.get_sample_value("x_seconds_bucket", {"route": "/r0", "status": "200", "le": "1.0"}) == (
        theirs.get_sample_value("x_seconds_bucket", {"route": "/r0", "status": "200", "le": "1.0"})
    )


def test_observations_from_many_threads_are_all_counted():
    ours, _, (histogram, counter), _ = twins()
    series, calls = histogram.labels("/r", "200"), counter.labels("t", "ok")

    def work() -> None:
        for _ in range(20_000):
            series.observe(0.02)
            calls.inc()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ours.get_sample_value("x_seconds_count", {"route": "/r", "status": "200"}) == 80_000
    assert ours.get_sample_value("x_calls_total", {"tool": "t", "outcome": "ok"}) == 80_000


def test_wrong_labels_and_negative_increments_are_refused():
    _, _, (histogram, counter), _ = twins()
    with pytest.raises(ValueError):
        histogram.labels("/r")
    with pytest.raises(ValueError):
        counter.labels("t", "ok").inc(-1)


def test_a_name_taken_twice_on_one_registry_is_refused():
    registry = CollectorRegistry()
    LeanCounter("y_calls", "calls", ["tool"], registry=registry)
    with pytest.raises(ValueError):
        Counter("y_calls", "calls", ["tool"], registry=registry)
