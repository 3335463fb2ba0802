"""Decode one 999-row getMASCntrctPrdctInfoList page: msgspec view Structs vs stdlib json.loads.

    .venv/bin/python benchmarks/bench_decode.py

The page is built from the official example item (88 fields, all strings) in
g2b-reference (shared/) when present, otherwise from the sandbox's generator. Three contenders:

- ``json.loads``: stdlib parse into dicts (what most clients do, before any typing);
- ``msgspec view``: the kernel's envelope + view decode (only the 28 fields the record reads), no
  typed conversion;
- ``naramarket decode_page``: view decode plus conversion to typed ``MallProduct`` records.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import msgspec

from naramarket.datago.envelope import _decode_items, _envelope_decoder, decode_page
from naramarket.datago.g2b import G2B
from naramarket.datago.records import codec_for
from naramarket.plugins.g2b_mall import MallProduct

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = (
    ROOT.parent
    / "shared/g2b-reference/samples/doc-examples/ShoppingMallPrdctInfoService__getMASCntrctPrdctInfoList.xml"
)


def example_item() -> dict[str, str]:
    """One 88-field product: the official example when ../shared is there, else the packaged sandbox's.

    Never a short stand-in: a page of few fields measures something else and reverses the result.
    """
    if EXAMPLE.exists():
        root = ET.fromstring(EXAMPLE.read_bytes())
        item = root.find("body/items/item")
        assert item is not None
        return {child.tag: (child.text or "").strip() for child in item}
    return sandbox_item()


def sandbox_item() -> dict[str, str]:
    """The first record the packaged sandbox answers for getMASCntrctPrdctInfoList (88 fields)."""
    import anyio
    import httpx

    from naramarket import sandbox

    async def fetch() -> dict[str, str]:
        transport = httpx.ASGITransport(app=sandbox.create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.invalid/1230000/") as c:
            r = await c.get(
                "at/ShoppingMallPrdctInfoService/getMASCntrctPrdctInfoList",
                params={
                    "ServiceKey": sandbox.DEFAULT_SERVICE_KEY,
                    "type": "json",
                    "numOfRows": 1,
                    "pageNo": 1,
                    "inqryDiv": "1",
                    "inqryBgnDate": "202610010000",
                    "inqryEndDate": "202610072359",
                },
            )
            r.raise_for_status()
            return dict(r.json()["response"]["body"]["items"][0])

    item = anyio.run(fetch)
    if len(item) < 80:
        raise SystemExit(f"bench_decode: the sandbox's product has {len(item)} fields, expected 88")
    return item


def page(rows: int = 999) -> bytes:
    base = example_item()
    items = []
    for i in range(rows):
        item = dict(base)
        item["prdctIdntNo"] = str(22692416 + i)
        item["shopngCntrctSno"] = str(i + 1)
        items.append(item)
    body = {"items": items, "numOfRows": rows, "pageNo": 1, "totalCount": rows * 5}
    envelope = {"response": {"header": {"resultCode": "00", "resultMsg": "정상"}, "body": body}}
    return json.dumps(envelope, ensure_ascii=False).encode()


def timeit(fn, repeat: int = 30) -> float:
    """Median seconds of ``repeat`` runs (after one warm-up)."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    content = page()
    codec = codec_for(MallProduct)

    def stdlib() -> None:
        doc = json.loads(content)
        assert len(doc["response"]["body"]["items"]) == 999

    envelope = _envelope_decoder(G2B.error_envelopes)

    def view() -> None:
        env = envelope.decode(content)
        assert len(_decode_items(bytes(env.response.body.items), codec)) == 999

    def full() -> None:
        assert len(decode_page(content, codec, G2B).items) == 999

    t_std, t_view, t_full = timeit(stdlib), timeit(view), timeit(full)
    print(f"page: 999 rows x {len(example_item())} fields, {len(content) / 1e6:.2f} MB")
    print(f"json.loads                       {t_std * 1e3:8.2f} ms")
    print(f"msgspec view (envelope + items)  {t_view * 1e3:8.2f} ms   {t_std / t_view:5.1f}x faster")
    print(f"decode_page (view + typed)       {t_full * 1e3:8.2f} ms   {t_std / t_full:5.1f}x vs json.loads")
    print(f"python {sys.version.split()[0]}, msgspec {msgspec.__version__}")


if __name__ == "__main__":
    main()
