"""kernel/tool.py: a tool is declared once, from an async handler's annotations."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from naramarket.datago import Listing
from naramarket.kernel import Context, Params, tool
from tests.datago.fakes import Row


class Query(Params):
    """One argument."""

    category: str


class Done(msgspec.Struct):
    """An empty result."""


def declare(name: str = "mall_products") -> Any:
    return tool(
        name=name, title=("쇼핑몰 품목", "Mall products"), description=("한국어 설명", "English text")
    )


def test_params_and_result_come_from_the_handler_annotations() -> None:
    @declare()
    async def handler(ctx: Context, p: Query) -> Listing[Row]:
        raise NotImplementedError

    assert handler.params is Query
    assert handler.result == Listing[Row]
    assert handler.title == "쇼핑몰 품목 / Mall products"
    assert handler.description == "한국어 설명\n\nEnglish text"


class Loose(msgspec.Struct):
    """Parameters that would accept unknown fields."""

    category: str


def test_a_plain_struct_for_params_is_refused_it_would_accept_unknown_fields() -> None:
    with pytest.raises(TypeError, match="Params"):

        @declare()
        async def handler(ctx: Context, p: Loose) -> Done:
            return Done()


@pytest.mark.anyio
async def test_a_tool_is_callable_like_its_handler() -> None:
    @declare()
    async def handler(ctx: Context, p: Query) -> Done:
        return Done()

    assert await handler(None, Query(category="x")) == Done()  # type: ignore[arg-type]


def test_params_mixins_can_come_before_required_fields() -> None:
    from naramarket.kernel import DateRange

    class Search(DateRange):
        category: str
        page_size: int = 10

    assert Search(category="PC").start_date is None
    with pytest.raises(msgspec.ValidationError, match="unknown field"):
        msgspec.convert({"category": "PC", "colour": "red"}, Search)


@pytest.mark.parametrize("name", ["MallProducts", "mall-products", "2mall", "", "x" * 65])
def test_names_must_be_snake_case_ascii(name: str) -> None:
    with pytest.raises(ValueError, match="snake_case"):
        declare(name)


def test_a_sync_handler_is_refused() -> None:
    def handler(ctx: Context, p: Query) -> Done:
        return Done()

    with pytest.raises(TypeError, match="async def"):
        declare()(handler)


def test_params_must_be_a_struct() -> None:
    async def handler(ctx: Context, p: dict) -> Done:  # type: ignore[type-arg]
        return Done()

    with pytest.raises(TypeError, match="msgspec Struct"):
        declare()(handler)


def test_the_return_type_is_required() -> None:
    async def handler(ctx: Context, p: Query):  # type: ignore[no-untyped-def]
        return Done()

    with pytest.raises(TypeError, match="return type"):
        declare()(handler)
