"""kernel/dispatch.py: one call path that validates arguments and turns every failure into a typed error."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import msgspec
import pytest

from naramarket.kernel import (
    Context,
    Dispatcher,
    Forbidden,
    InternalError,
    InvalidParams,
    Listing,
    Params,
    Principal,
    QuotaExceeded,
    Registry,
    Settings,
    ToolNotFound,
    problem,
    tool,
)

from .fakes import DECODING_KEY, ENCODING_KEY, ROWS, PagedServer, Row, engine, gateway_xml

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


@tool(name="rows", title=("행", "Rows"), description=("행 목록.", "Lists rows."))
async def rows(ctx: Context, p: Search) -> Listing[Row]:
    """List the fake operation through the engine bound to this call."""
    fields = await ctx.upstream.collect(ROWS, {"rowNm": p.category}, page_size=p.page_size)
    return Listing[Row](**fields)


@pytest.fixture
async def dispatcher() -> AsyncIterator[Dispatcher]:
    registry = Registry()
    for each in (echo, scoped, leaky, refuses, buggy, misshapen, as_dict, rows):
        registry.add(each, plugin="tests")
    async with engine(PagedServer(total=25)) as upstream:
        yield Dispatcher(registry, Settings(service_key=DECODING_KEY, rate_limit=0), upstream)


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
    [{"category": "PC", "page_size": "50"}, b'{"category": "PC", "page_size": 50}', Search("PC", 50)],
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


async def test_a_listing_tool_runs_through_the_engine(dispatcher: Dispatcher) -> None:
    listing = await dispatcher.call("rows", {"category": "PC", "page_size": 10})
    assert isinstance(listing, Listing)
    assert [r.row_id for r in listing.items] == PagedServer(total=25).expected_ids()
    assert listing.complete is True


async def test_an_upstream_error_passes_through_typed() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=gateway_xml("22"))

    registry = Registry()
    registry.add(rows, plugin="tests")
    async with engine(handler) as upstream:
        dispatcher = Dispatcher(registry, Settings(service_key=DECODING_KEY), upstream)
        with pytest.raises(QuotaExceeded) as caught:
            await dispatcher.call("rows", {"category": "PC"})
    assert problem(caught.value)["code"] == "quota_exceeded"


async def test_a_token_without_the_tools_scope_is_forbidden(dispatcher: Dispatcher) -> None:
    reader = Principal(subject="reader", scopes=frozenset({"g2b:read"}))
    stranger = Principal(subject="stranger", scopes=frozenset({"other:read"}))
    assert await dispatcher.call("scoped", {"category": "PC"}, principal=reader) == Echo("PC", 100)
    assert await dispatcher.call("scoped", {"category": "PC"}) == Echo("PC", 100)  # local user
    with pytest.raises(Forbidden, match="g2b:read") as caught:
        await dispatcher.call("scoped", {"category": "PC"}, principal=stranger)
    assert problem(caught.value)["status"] == 403
