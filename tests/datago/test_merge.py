"""datago/merge.py: one listing over several operations (e.g. every 업무구분 at once), merged by date.

The contract is a single operation's: at most ``limit`` records in order, and a ``next`` that
continues with no record repeated or skipped — across operations, ties at one minute and pages
that fail part-way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated

import httpx
import pytest

from naramarket.datago import MONTH, KstDateTime, Record, UpstreamError, wire
from naramarket.datago.g2b import G2bOperation
from naramarket.datago.merge import collect_merged_listing

from .fakes import engine, failure, success_json

pytestmark = pytest.mark.anyio

KST = dt.timezone(dt.timedelta(hours=9))
DATES = ("inqryBgnDt", "inqryEndDt")


class Stamped(Record):
    row_id: Annotated[str, wire("rowId")] = ""
    at: Annotated[KstDateTime | None, wire("rowDt")] = None


def op(name: str) -> G2bOperation[Stamped]:
    return G2bOperation(
        "ao/FakeService",
        name,
        record=Stamped,
        range_limit=MONTH,
        dedupe_on=("row_id",),
        order_by="at",
        date_params=DATES,
    )


A, B, C = op("getAList"), op("getBList"), op("getCList")
START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=KST)


def stamps(prefix: str, minutes: list[int]) -> list[tuple[str, dt.datetime]]:
    return [(f"{prefix}{i:03d}", START + dt.timedelta(minutes=m)) for i, m in enumerate(minutes)]


@dataclass
class Upstream:
    """Each operation serves its rows in the asked window, oldest first, page by page."""

    rows: dict[str, list[tuple[str, dt.datetime]]]
    fail: dict[tuple[str, int], str] = field(default_factory=dict)  # (operation, page) -> failure
    asked: list[tuple[str, int]] = field(default_factory=list)

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[1]
        params = request.url.params
        page, size = int(params["pageNo"]), int(params["numOfRows"])
        self.asked.append((name, page))
        if (name, page) in self.fail:
            return failure(self.fail[(name, page)], request)
        begin = dt.datetime.strptime(params["inqryBgnDt"], "%Y%m%d%H%M").replace(tzinfo=KST)
        end = dt.datetime.strptime(params["inqryEndDt"], "%Y%m%d%H%M").replace(tzinfo=KST)
        inside = sorted(
            (at, rid) for rid, at in self.rows[name] if begin <= at <= end + dt.timedelta(seconds=59)
        )
        chunk = inside[(page - 1) * size : page * size]
        items = [{"rowId": rid, "rowDt": at.strftime("%Y%m%d%H%M%S")} for at, rid in chunk]
        return httpx.Response(
            200, content=success_json(items, total=len(inside), page_no=page, num_of_rows=size)
        )


WINDOW = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


async def drain(upstream: Upstream, parts, *, limit: int, order="newest", page_size=5, max_calls=200):
    """Follow ``next`` to the end; every record given, in order, and the answers."""
    given: list[Stamped] = []
    answers = []
    cursor = None
    async with engine(upstream) as client:
        for _ in range(max_calls):
            listing = await collect_merged_listing(
                client, parts, window=WINDOW, limit=limit, order=order, cursor=cursor, page_size=page_size
            )
            answers.append(listing)
            given += listing.items
            if listing.complete:
                return given, answers
            assert listing.next is not None
            cursor = listing.next["cursor"]
    raise AssertionError("the merged scan never completed")


def expected(upstream: Upstream, names: list[str], order="newest") -> list[str]:
    rows = [(at, rid) for name in names for rid, at in upstream.rows[name]]
    return [rid for _, rid in sorted(rows, reverse=order == "newest")]


def key(record: Stamped) -> dt.datetime:
    assert record.at is not None
    return record.at.replace(second=0)


# A and B share minutes (ties across operations), and A has several rows in one minute.
ROWS = {
    "getAList": stamps("a", [0, 3, 3, 3, 7, 10, 10, 15, 22, 22, 22, 22, 30, 41, 41, 50, 61, 61, 70, 90]),
    "getBList": stamps("b", [1, 3, 8, 10, 10, 16, 22, 29, 41, 55, 61, 62, 75, 80, 90, 91]),
    "getCList": stamps("c", [2, 200, 400]),
}


@pytest.mark.parametrize("limit", [1, 3, 4, 7, 50])
@pytest.mark.parametrize("order", ["newest", "oldest"])
async def test_following_next_gives_every_record_of_every_operation_once_in_order(limit, order):
    upstream = Upstream(ROWS)
    given, answers = await drain(upstream, [(A, {}), (B, {}), (C, {})], limit=limit, order=order)
    ids = [r.row_id for r in given]
    assert sorted(ids) == sorted(expected(upstream, ["getAList", "getBList", "getCList"]))
    assert len(ids) == len(set(ids))  # nothing repeated
    stamps_in_order = [key(r) for r in given]
    assert stamps_in_order == sorted(stamps_in_order, reverse=order == "newest")
    assert all(len(a.items) <= limit for a in answers)


async def test_the_first_answer_is_the_newest_records_whatever_operation_they_come_from():
    upstream = Upstream(ROWS)
    async with engine(upstream) as client:
        listing = await collect_merged_listing(client, [(A, {}), (B, {}), (C, {})], window=WINDOW, limit=4)
    assert [r.row_id for r in listing.items] == expected(upstream, ["getAList", "getBList", "getCList"])[:4]
    assert listing.complete is False and listing.reason == "limit"
    assert listing.total_count == sum(len(rows) for rows in ROWS.values())


async def test_a_page_failing_in_one_operation_holds_back_the_others_records_past_it():
    # B's second page fails for good: B gave its newest page only. A's records older than the last
    # one B gave must wait, or the merged order would skip B's missing ones.
    upstream = Upstream(ROWS, fail={("getBList", 2): "http500"})
    async with engine(upstream) as client:
        listing = await collect_merged_listing(
            client, [(A, {}), (B, {})], window=WINDOW, limit=100, page_size=5
        )
    assert listing.complete is False and listing.reason == "page_failed"
    assert listing.error is not None and listing.error.code
    b_given = [r for r in listing.items if r.row_id.startswith("b")]
    oldest_b = min(key(r) for r in b_given)
    assert all(key(r) >= oldest_b for r in listing.items)
    # Once the page answers again, next continues with nothing lost or repeated.
    upstream.fail.clear()
    async with engine(upstream) as client:
        rest = await collect_merged_listing(
            client, [(A, {}), (B, {})], window=WINDOW, limit=100, page_size=5, cursor=listing.next["cursor"]
        )
    ids = [r.row_id for r in listing.items + rest.items]
    assert rest.complete is True
    assert sorted(ids) == sorted(expected(upstream, ["getAList", "getBList"])) and len(ids) == len(set(ids))


async def test_an_operation_failing_before_any_record_fails_the_call():
    upstream = Upstream(ROWS, fail={("getCList", 1): "gw30"})
    async with engine(upstream) as client:
        with pytest.raises(UpstreamError):
            await collect_merged_listing(client, [(A, {}), (C, {})], window=WINDOW, limit=10)


async def test_a_cursor_is_refused_by_another_set_of_operations():
    upstream = Upstream(ROWS)
    async with engine(upstream) as client:
        first = await collect_merged_listing(client, [(A, {}), (B, {})], window=WINDOW, limit=2)
        with pytest.raises(Exception, match="another query"):
            await collect_merged_listing(
                client, [(A, {}), (C, {})], window=WINDOW, limit=2, cursor=first.next["cursor"]
            )


async def test_operations_without_a_date_to_merge_by_are_refused():
    plain = G2bOperation("ao/FakeService", "getAList", record=Stamped, dedupe_on=("row_id",))
    upstream = Upstream(ROWS)
    async with engine(upstream) as client:
        with pytest.raises(ValueError, match="date"):
            await collect_merged_listing(client, [(A, {}), (plain, {})], window=WINDOW, limit=2)
