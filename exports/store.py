"""Job state in SQLite under ``NARAMARKET_DATA_DIR``: one row per job, its checkpoints and its events.

A checkpoint (rows written, the byte length of the temporary file, the arguments of the next
call) is committed after its bytes are on disk, so after a crash the file is cut back to the
checkpoint's length and the job goes on from its ``next``: no duplicate rows, no gap.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import msgspec

__all__ = ["JobRow", "JobStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    principal TEXT,            -- JSON: the caller the job runs as (scopes checked at every call)
    tool TEXT NOT NULL,
    params TEXT NOT NULL,      -- JSON: the validated arguments the export started from
    format TEXT NOT NULL,
    file_name TEXT NOT NULL,
    row_limit INTEGER,         -- the caller's limit on the whole export, if any
    state TEXT NOT NULL,       -- queued | running | paused | done | failed | cancelled
    rows INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    total INTEGER,             -- the upstream's estimate of all rows, when it gave one
    next TEXT,                 -- JSON: arguments of the next call; NULL before the first
    columns TEXT,              -- JSON: the CSV header, fixed by the first chunk
    error TEXT,                -- JSON problem document
    seq INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    finished REAL
);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs(owner, created);
CREATE TABLE IF NOT EXISTS events (
    job_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
"""


class JobRow(msgspec.Struct, kw_only=True):
    """A job as stored."""

    id: str
    owner: str
    principal: dict[str, Any] | None
    tool: str
    params: dict[str, Any]
    format: str
    file_name: str
    row_limit: int | None
    state: str
    rows: int = 0
    bytes: int = 0
    total: int | None = None
    next: dict[str, Any] | None = None
    columns: list[str] | None = None
    error: dict[str, Any] | None = None
    seq: int = 0
    created: float = 0.0
    updated: float = 0.0
    finished: float | None = None


_JSON_COLUMNS = ("principal", "params", "next", "columns", "error")
_FIELDS = JobRow.__struct_fields__


def _encode(name: str, value: Any) -> Any:
    if name in _JSON_COLUMNS:
        return None if value is None else msgspec.json.encode(value).decode()
    return value


class JobStore:
    """The jobs table; every method is one short transaction (WAL, safe across ``kill -9``)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # durable across a process crash
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def _row(self, values: tuple[Any, ...]) -> JobRow:
        raw = dict(zip(_FIELDS, values, strict=True))
        for name in _JSON_COLUMNS:
            if raw[name] is not None:
                raw[name] = msgspec.json.decode(raw[name])
        return msgspec.convert(raw, JobRow)

    def insert(self, job: JobRow) -> None:
        """Store a new job."""
        names = ", ".join(_FIELDS)
        marks = ", ".join("?" for _ in _FIELDS)
        with self._lock:
            self._db.execute(
                f"INSERT INTO jobs ({names}) VALUES ({marks})",
                [_encode(n, getattr(job, n)) for n in _FIELDS],
            )

    def get(self, job_id: str) -> JobRow | None:
        """One job, or None."""
        with self._lock:
            found = self._db.execute(
                f"SELECT {', '.join(_FIELDS)} FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
        return self._row(found) if found else None

    def owned_by(self, owner: str) -> list[JobRow]:
        """An owner's jobs, newest first."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(_FIELDS)} FROM jobs WHERE owner = ? ORDER BY created DESC", (owner,)
            ).fetchall()
        return [self._row(r) for r in rows]

    def in_states(self, *states: str) -> list[JobRow]:
        """Jobs in any of ``states``, oldest first."""
        marks = ", ".join("?" for _ in states)
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(_FIELDS)} FROM jobs WHERE state IN ({marks}) ORDER BY created", states
            ).fetchall()
        return [self._row(r) for r in rows]

    def update(
        self, job_id: str, *, event: tuple[str, dict[str, Any]] | None = None, **changes: Any
    ) -> JobRow:
        """Change some fields (and append an event, in the same transaction); returns the job."""
        changes["updated"] = time.time()
        sets = ", ".join(f"{name} = ?" for name in changes)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    f"UPDATE jobs SET {sets} WHERE id = ?",
                    [*(_encode(n, v) for n, v in changes.items()), job_id],
                )
                if event is not None:
                    (seq,) = self._db.execute(
                        "UPDATE jobs SET seq = seq + 1 WHERE id = ? RETURNING seq", (job_id,)
                    ).fetchone()
                    name, data = event
                    self._db.execute(
                        "INSERT INTO events (job_id, seq, event, data) VALUES (?, ?, ?, ?)",
                        (job_id, seq, name, msgspec.json.encode({**data, "seq": seq}).decode()),
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        job = self.get(job_id)
        assert job is not None
        return job

    def events_after(self, job_id: str, after: int) -> list[tuple[int, str, dict[str, Any]]]:
        """A job's events with a sequence number above ``after``, in order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, event, data FROM events WHERE job_id = ? AND seq > ? ORDER BY seq",
                (job_id, after),
            ).fetchall()
        return [(seq, name, msgspec.json.decode(data)) for seq, name, data in rows]

    def delete(self, job_id: str) -> None:
        """Forget a job and its events."""
        with self._lock:
            self._db.execute("DELETE FROM events WHERE job_id = ?", (job_id,))
            self._db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def count_states(self) -> dict[str, int]:
        """How many jobs are in each state (for ``/metrics``)."""
        with self._lock:
            rows = self._db.execute("SELECT state, count(*) FROM jobs GROUP BY state").fetchall()
        return {state: count for state, count in rows}
