"""Hypothesis against the envelope decoder: any upstream body is a Page or a typed upstream error,
never another exception (which would surface as a 500)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from naramarket.datago.envelope import decode_page
from naramarket.datago.g2b import G2B
from naramarket.datago.records import codec_for
from naramarket.kernel import NaramarketError
from naramarket.plugins.g2b_mall import MallProduct
from tests.fuzz.conftest import CASES, SERVER_ERRORS

CODEC = codec_for(MallProduct)
scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=12) | st.floats(allow_nan=False)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=15,
)
item = st.dictionaries(
    st.sampled_from(["prdctIdntNo", "prdctClsfcNoNm", "cntrctPrceAmt", "x"]), values, max_size=4
)
items = (
    st.lists(item, max_size=3)
    | item
    | st.fixed_dictionaries({"item": st.lists(item, max_size=3) | item})
    | values
)
envelopes = (
    st.fixed_dictionaries(
        {
            "response": st.fixed_dictionaries(
                {
                    "header": st.fixed_dictionaries(
                        {
                            "resultCode": st.sampled_from(["00", "03", "07", "22", "99", ""]) | values,
                            "resultMsg": values,
                        }
                    )
                },
                optional={
                    "body": st.fixed_dictionaries(
                        {},
                        optional={
                            "items": items,
                            "totalCount": values,
                            "pageNo": values,
                            "numOfRows": values,
                        },
                    )
                    | values
                },
            )
        }
    )
    | st.fixed_dictionaries({"OpenAPI_ServiceResponse": values})
    | st.fixed_dictionaries({"nkoneps.com.response.ResponseError": values})
)
xml = st.builds(
    lambda root, code, rows: (
        f"<{root}><header><resultCode>{code}</resultCode></header><body><items>{rows}</items><totalCount>{code}</totalCount></body></{root}>".encode()
    ),
    st.sampled_from(["response", "OpenAPI_ServiceResponse", "nkoneps.com.response.ResponseError", "x"]),
    st.text(max_size=5).map(lambda t: t.replace("<", "")),
    st.text(max_size=40),
)
bodies = (
    envelopes.map(lambda e: json.dumps(e).encode())
    | st.binary(max_size=300)
    | xml
    | values.map(lambda v: json.dumps(v).encode())
)


@settings(max_examples=800, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(bodies)
def test_any_body_is_a_page_or_an_upstream_error(body: bytes) -> None:
    CASES["envelope decoder"] += 1
    try:
        decode_page(body, CODEC, G2B)
    except NaramarketError:
        pass
    except Exception:
        SERVER_ERRORS["envelope decoder"] += 1
        raise
