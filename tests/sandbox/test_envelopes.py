"""The ``items`` shapes a client must tolerate, selectable with ``items_shape``."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import BID_THNG, bid_params, client_for, make_config

ONE_NOTICE = {"inqryDiv": "2", "inqryBgnDt": None, "inqryEndDt": None, "bidNtceNo": "R25BK00940072"}


async def items_of(shape: str, **params: str | None) -> Any:
    async with client_for(make_config(items_shape=shape)) as http:
        response = await http.get(BID_THNG, params=bid_params(**params))
        return response.json()["response"]["body"]["items"]


@pytest.mark.anyio
async def test_default_shape_is_a_bare_list_even_for_one_row() -> None:
    items = await items_of("list", **ONE_NOTICE)
    assert isinstance(items, list) and items[0]["bidNtceNo"] == "R25BK00940072"


@pytest.mark.anyio
async def test_item_list_wraps_rows_in_an_item_key() -> None:
    items = await items_of("item_list", numOfRows="3")
    assert list(items) == ["item"] and len(items["item"]) == 3


@pytest.mark.anyio
async def test_item_object_gives_one_row_as_an_object_and_many_as_a_list() -> None:
    one = await items_of("item_object", **ONE_NOTICE)
    assert one["item"]["bidNtceNo"] == "R25BK00940072"
    many = await items_of("item_object", numOfRows="2")
    assert isinstance(many["item"], list) and len(many["item"]) == 2


@pytest.mark.anyio
async def test_object_gives_one_row_as_a_bare_object() -> None:
    one = await items_of("object", **ONE_NOTICE)
    assert one["bidNtceNo"] == "R25BK00940072"
    many = await items_of("object", numOfRows="2")
    assert isinstance(many, list)
