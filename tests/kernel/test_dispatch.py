"""kernel/dispatch.py: one call path (prepare, then run) that validates arguments once and turns every
failure into a typed error."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import msgspec
import pytest

from naramarket.kernel import (
    Context,
    DateRange,
    Forbidden,
    InternalError,
    InvalidParams,
    Params,
    Principal,
    Settings,
    ToolNotFound,
    tool,
)
from naramarket.kernel.host import CallEvents, Dispatcher, NullObserver, Registry, problem

# Shaped like a portal key, so the redaction checks below mean something.
DECODING_KEY = "Ab+Cd/Ef0123456789+gh/IJ=="
ENCODING_KEY = "Ab%2BCd%2FEf0123456789%2Bgh%2FIJ%3D%3D"

pytestmark = pytest.mark.anyio


class Search(Params):
    """Parameters shaped like a listing tool's."""

    category: Annotated[str, msgspec.Meta(min_length=1)]
    page_size: Annotated[int, msgspec.Meta(ge=1, le=999)] = 100
    max_pages: Annotated[int, msgspec.Meta(ge=1)] | None = None


class Echo(msgspec.Struct):
    """What ``echo`` returns."""

    category: str
    page_size: int


@tool(name="echo", title=("메아리", "Echo"), description=("인자를 돌려줍니다.", "Returns its arguments."))
async def echo(ctx: Context, p: Search) -> Echo:
    """Return the decoded arguments."""
    return Echo(category=p.category, page_size=p.page_size)


@tool(
    name="scoped",
    title=("범위", "Scoped"),
    description=("범위가 필요합니다.", "Needs a scope."),
    scopes=("g2b:read",),
)
async def scoped(ctx: Context, p: Search) -> Echo:
    """Answer callers whose token grants g2b:read."""
    return Echo(category=p.category, page_size=p.page_size)


@tool(name="leaky", title=("실패", "Fails"), description=("실패합니다.", "Fails unexpectedly."))
async def leaky(ctx: Context, p: Search) -> Echo:
    """Fail with the key in the message, as a careless library might."""
    raise RuntimeError(f"GET /x?ServiceKey={ENCODING_KEY} failed for {DECODING_KEY}")


@tool(name="refuses", title=("거절", "Refuses"), description=("거절합니다.", "Refuses its input."))
async def refuses(ctx: Context, p: Search) -> Echo:
    """Reject the arguments the way a handler validates cross-field rules."""
    raise InvalidParams("refuses: end_date is before start_date")


@tool(name="buggy", title=("버그", "Buggy"), description=("버그.", "Has a bug."))
async def buggy(ctx: Context, p: Search) -> Echo:
    """Fail with a ValueError from deep inside, as a bug would."""
    raise ValueError("invalid literal for int() with base 10: ''")


@tool(name="misshapen", title=("잘못된 결과", "Bad result"), description=("틀린 결과.", "Wrong result."))
async def misshapen(ctx: Context, p: Search) -> Echo:
    """Return something that is not an Echo."""
    return {"category": 1}  # type: ignore[return-value]


@tool(name="as_dict", title=("사전", "Dict"), description=("사전 결과.", "Result as a dict."))
async def as_dict(ctx: Context, p: Search) -> Echo:
    """Return the result as a plain mapping; dispatch converts it."""
    return {"category": p.category, "page_size": p.page_size}  # type: ignore[return-value]


class Dated(DateRange):
    """A date range and nothing else."""


@tool(name="dated", title=("기간", "Dated"), description=("기간을 받습니다.", "Takes a date range."))
async def dated(ctx: Context, p: Dated) -> Echo:
    """Answer with the range's length in days."""
    days = (p.end_date - p.start_date).days + 1 if p.start_date and p.end_date else 0
    return Echo(category="dated", page_size=days)


@tool(name="chatty", title=("진행", "Chatty"), description=("진행을 알립니다.", "Reports progress."))
async def chatty(ctx: Context, p: Search) -> Echo:
    """Report progress and items through the call's events."""
    await ctx.progress(1, 2, "half")
    await ctx.items(["a", "b"])
    return Echo(category=p.category, page_size=p.page_size)


TOOLS = (echo, scoped, leaky, refuses, buggy, misshapen, as_dict, dated, chatty)


class RecordingObserver(NullObserver):
    """Remembers each observed tool call and how it ended."""

    def __init__(self) -> None:
        self.calls: list[tuple[str | None, str]] = []

    @contextmanager
    def tool_call(self, tool: str | None, plugin: str | None, subject: str | None) -> Iterator[Any]:
        outcome = "ok"
        try:
            with super().tool_call(tool, plugin, subject) as observed:
                yield observed
        except Exception as exc:
            outcome = getattr(exc, "code", "internal_error")
            raise
        finally:
            self.calls.append((tool, outcome))


@pytest.fixture
def observer() -> RecordingObserver:
    return RecordingObserver()


@pytest.fixture
async def dispatcher(observer: RecordingObserver) -> AsyncIterator[Dispatcher]:
    registry = Registry()
    for each in TOOLS:
        registry.add(each, plugin="tests")
    yield Dispatcher(registry, Settings(service_key=DECODING_KEY, rate_limit=0), observer=observer)


async def test_an_unknown_tool_is_tool_not_found(dispatcher: Dispatcher) -> None:
    with pytest.raises(ToolNotFound, match="nope") as caught:
        await dispatcher.call("nope", {})
    assert problem(caught.value)["status"] == 404


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"category": "PC", "colour": "red"}, "colour"),
        ({"category": "PC", "page_size": "many"}, "page_size"),
        ({"category": "PC", "page_size": 0}, "page_size"),
        ({"category": "PC", "page_size": 1000}, "page_size"),
        ({"category": "PC", "max_pages": 0}, "max_pages"),
        ({"category": ""}, "category"),
        ({}, "category"),
        (b'{"category": "PC", "page_size": 1000}', "page_size"),
        (b'{"category": "PC", "page_size": "100"}', "page_size"),  # JSON stays typed
    ],
    ids=repr,
)
async def test_bad_arguments_are_invalid_params_naming_the_field(
    dispatcher: Dispatcher, arguments: Any, field: str
) -> None:
    with pytest.raises(InvalidParams, match=field) as caught:
        await dispatcher.call("echo", arguments)
    assert problem(caught.value)["status"] == 422


async def test_a_body_that_is_not_json_is_invalid_params(dispatcher: Dispatcher) -> None:
    with pytest.raises(InvalidParams, match="JSON"):
        await dispatcher.call("echo", b'{"category": ')


@pytest.mark.parametrize(
    "arguments",
    [
        {"category": "PC", "page_size": "50"},
        b'{"category": "PC", "page_size": 50}',
        Search(category="PC", page_size=50),
    ],
    ids=["query-string", "json", "struct"],
)
async def test_each_argument_form_reaches_the_handler(dispatcher: Dispatcher, arguments: Any) -> None:
    assert await dispatcher.call("echo", arguments) == Echo(category="PC", page_size=50)


async def test_an_unexpected_exception_is_internal_error_without_the_key(dispatcher: Dispatcher) -> None:
    with pytest.raises(InternalError) as caught:
        await dispatcher.call("leaky", {"category": "PC"})
    body = json.dumps(problem(caught.value), ensure_ascii=False)
    for text in (str(caught.value), caught.value.detail, body):
        assert DECODING_KEY not in text
        assert ENCODING_KEY not in text
    assert problem(caught.value)["status"] == 500
    assert "leaky" in caught.value.detail


async def test_a_handler_refusing_its_input_is_invalid_params(dispatcher: Dispatcher) -> None:
    with pytest.raises(InvalidParams, match="end_date") as caught:
        await dispatcher.call("refuses", {"category": "PC"})
    assert problem(caught.value)["status"] == 422


async def test_a_stray_value_error_in_a_handler_is_internal_not_the_callers_fault(
    dispatcher: Dispatcher,
) -> None:
    with pytest.raises(InternalError) as caught:
        await dispatcher.call("buggy", {"category": "PC"})
    assert problem(caught.value)["status"] == 500


async def test_a_result_of_the_wrong_shape_is_internal_error(dispatcher: Dispatcher) -> None:
    with pytest.raises(InternalError, match="invalid result"):
        await dispatcher.call("misshapen", {"category": "PC"})


async def test_a_mapping_result_is_converted_to_the_result_type(dispatcher: Dispatcher) -> None:
    assert await dispatcher.call("as_dict", {"category": "PC"}) == Echo(category="PC", page_size=100)


async def test_a_token_without_the_tools_scope_is_forbidden(dispatcher: Dispatcher) -> None:
    reader = Principal(subject="reader", scopes=frozenset({"g2b:read"}))
    stranger = Principal(subject="stranger", scopes=frozenset({"other:read"}))
    assert await dispatcher.call("scoped", {"category": "PC"}, principal=reader) == Echo("PC", 100)
    assert await dispatcher.call("scoped", {"category": "PC"}) == Echo("PC", 100)  # local user
    with pytest.raises(Forbidden, match="g2b:read") as caught:
        await dispatcher.call("scoped", {"category": "PC"}, principal=stranger)
    assert problem(caught.value)["status"] == 403


async def test_prepare_answers_early_and_run_does_the_rest(dispatcher: Dispatcher) -> None:
    prepared = dispatcher.prepare("echo", {"category": "PC", "page_size": "7"})
    assert prepared.tool.name == "echo" and prepared.params == Search(category="PC", page_size=7)
    assert await prepared.run() == Echo(category="PC", page_size=7)
    stranger = Principal(subject="stranger", scopes=frozenset())
    with pytest.raises(ToolNotFound):
        dispatcher.prepare("nope")
    with pytest.raises(Forbidden):
        dispatcher.prepare("scoped", {"category": "PC"}, principal=stranger)
    with pytest.raises(InvalidParams):
        dispatcher.prepare("echo", {"category": ""})


async def test_every_call_is_observed_once_refusals_included(
    dispatcher: Dispatcher, observer: RecordingObserver
) -> None:
    await dispatcher.call("echo", {"category": "PC"})
    with pytest.raises(ToolNotFound):
        await dispatcher.call("nope")
    with pytest.raises(InvalidParams):
        await dispatcher.call("echo", {})
    with pytest.raises(InternalError):
        await dispatcher.call("buggy", {"category": "PC"})
    assert observer.calls == [
        ("echo", "ok"),
        (None, "tool_not_found"),
        ("echo", "invalid_params"),
        ("buggy", "internal_error"),
    ]


async def test_events_reach_the_adapter_that_attached_them(dispatcher: Dispatcher) -> None:
    seen: list[Any] = []

    async def progress(done: int, total: int | None, message: str | None) -> None:
        seen.append((done, total, message))

    async def items(batch: list[Any]) -> None:
        seen.append(batch)

    await dispatcher.call("chatty", {"category": "PC"}, events=CallEvents(progress=progress, items=items))
    assert seen == [(1, 2, "half"), ["a", "b"]]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"start_date": "2025-01-01"}, "both start_date and end_date"),
        ({"end_date": "2025-01-01"}, "both start_date and end_date"),
        ({"start_date": "2025-02-01", "end_date": "2025-01-01"}, "before start_date"),
        ({"start_date": "2025/01/01", "end_date": "2025-01-31"}, "YYYY-MM-DD"),
    ],
    ids=["start only", "end only", "backwards", "not ISO"],
)
async def test_a_date_range_is_checked_once_for_every_tool(
    dispatcher: Dispatcher, arguments: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidParams, match=message) as caught:
        await dispatcher.call("dated", arguments)
    assert problem(caught.value)["status"] == 422
    assert await dispatcher.call("dated", {"start_date": "2025-01-01", "end_date": "2025-01-31"}) == Echo(
        category="dated", page_size=31
    )
    assert await dispatcher.call("dated", {}) == Echo(category="dated", page_size=0)
