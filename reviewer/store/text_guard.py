"""Refuse text holding a NUL character before it reaches the database: PostgreSQL text columns cannot store one
(SQLite can), so without this check the same request was a 422 nowhere and a 500 on the production backend.
Applied to every route as an app-level dependency, so each router's models need not repeat it."""

from __future__ import annotations

import json
from typing import Any, Iterator

from fastapi import Request
from fastapi.exceptions import RequestValidationError

MESSAGE = "must not contain a NUL (0x00) character"


def _nul_paths(value: Any, loc: tuple) -> Iterator[tuple]:
    if isinstance(value, str):
        if "\x00" in value:
            yield loc
    elif isinstance(value, dict):
        for k, v in value.items():
            if "\x00" in str(k):
                yield (*loc, str(k).replace("\x00", "\\u0000"))
            yield from _nul_paths(v, (*loc, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _nul_paths(v, (*loc, i))


async def refuse_nul_text(request: Request) -> None:
    found = [("path", k) for k, v in request.path_params.items() if "\x00" in str(v)]
    found += [("query", k) for k, v in request.query_params.multi_items() if "\x00" in k + v]
    route = request.scope.get("route")
    # only routes that take a JSON body: the tus PATCH streams raw bytes and must not be read here
    if getattr(route, "body_field", None) is not None and \
            request.headers.get("content-type", "").split(";")[0].strip() == "application/json":
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None  # FastAPI's own validation reports malformed JSON
        found += list(_nul_paths(body, ("body",)))
    if found:
        raise RequestValidationError([{"type": "value_error", "loc": loc, "msg": f"text {MESSAGE}", "input": None}
                                      for loc in found[:10]])
