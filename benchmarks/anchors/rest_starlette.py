"""Anchor: a bare Starlette app with msgspec (params Struct in, encoded JSON out)."""

from __future__ import annotations

import msgspec
from _common import answer, args, serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


class Params(msgspec.Struct, forbid_unknown_fields=True):
    operation: str
    service: str | None = None


def main() -> None:
    a = args()
    result = answer(a.answer)
    decode = msgspec.json.Decoder(Params).decode
    encode = msgspec.json.Encoder().encode

    async def health(request: Request) -> Response:
        return Response(encode({"status": "ok"}), media_type="application/json")

    async def tool(request: Request) -> Response:
        try:
            params = decode(await request.body())
        except msgspec.ValidationError as exc:
            return Response(encode({"detail": str(exc)}), status_code=422, media_type="application/json")
        return Response(encode({**result, "operation": params.operation}), media_type="application/json")

    app = Starlette(routes=[Route("/health", health), Route("/tool", tool, methods=["POST"])])
    serve(app, a.port)


if __name__ == "__main__":
    main()
