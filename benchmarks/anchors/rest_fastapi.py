"""Anchor: FastAPI with a pydantic params model, the way its tutorial writes an endpoint."""

from __future__ import annotations

from typing import Any

from _common import answer, args, serve
from fastapi import FastAPI
from pydantic import BaseModel


class Params(BaseModel):
    operation: str
    service: str | None = None


def main() -> None:
    a = args()
    result = answer(a.answer)
    app = FastAPI()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/tool")
    async def tool(params: Params) -> dict[str, Any]:
        return {**result, "operation": params.operation}

    serve(app, a.port)


if __name__ == "__main__":
    main()
