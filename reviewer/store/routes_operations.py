"""The operations endpoint (ADR 0013): push batches of operations, pull the changes since a cursor."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from reviewer.store import access, operations
from reviewer.store.access import Caller, authenticate
from reviewer.store.context import Context, ctx
from reviewer.store.db import transact
from reviewer.store.operations import ChangesOut, OperationsIn, OperationsOut

router = APIRouter(prefix="/api/v1", tags=["operations"])
PROBLEMS = {401: {"description": "sign-in required"}, 403: {"description": "role may not, or not the actor"}}


def operator(request: Request, caller: Caller = Depends(authenticate)) -> Caller:
    transact(request.app.state.ctx.sessions, lambda s: access.refuse_role(s, caller, operations.OPERATORS,
                                                                         "operations"))
    return caller


@router.post("/operations", response_model=OperationsOut, responses={
    **PROBLEMS, 404: {"description": "an operation's incident or recording is not found (or not visible)"},
    409: {"description": "an op_id already used by a different operation"}})
def push_operations(body: OperationsIn, caller: Caller = Depends(operator), c: Context = Depends(ctx)):
    """Store a batch of operations, all or nothing. Resending a batch changes nothing: each operation already held
    is acknowledged as `already_applied` with the sequence it was given the first time."""
    return OperationsOut(results=transact(c.sessions, lambda s: operations.push(s, caller, body.operations)))


@router.get("/changes", response_model=ChangesOut, responses=PROBLEMS)
def changes(since: int = Query(0, ge=0, lt=2**63), limit: int = Query(500, ge=1, le=operations.MAX_PAGE),
            caller: Caller = Depends(operator), c: Context = Depends(ctx)):
    """Operations after the cursor `since` that the caller may see, oldest first; `cursor` is the next `since`."""
    with c.read_sessions()() as s:
        return operations.changes(s, caller, since, limit)
