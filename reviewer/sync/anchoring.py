"""`audit verify` on a linked library: the local chain is checked against the store's latest signed checkpoint of
this workstation as well as the local checkpoints, so a rewrite below what the store holds is detected even when
the local checkpoint file was deleted or re-signed with the workstation key (ADR 0013, 0016)."""

from __future__ import annotations

from dataclasses import dataclass

from reviewer.errors import ReviewerError
from reviewer.govern.audit_chain import Checkpoint


@dataclass
class StoreAnchor:
    checkpoints: list[Checkpoint]  # the store's, signature checked against the pinned audit key
    linked: bool
    problem: str | None = None  # linked, but the store's checkpoint could not be had (why)


def store_anchor(library) -> StoreAnchor:
    from reviewer.store.anchor_client import verify_checkpoint
    from reviewer.sync.grant import URL
    from reviewer.sync.link import store_checkpoint

    if library.gov.setting(URL) is None:
        return StoreAnchor([], False)
    try:
        cp, keys = store_checkpoint(library)
        return StoreAnchor([verify_checkpoint(cp, keys, library.gov.workstation)], True)
    except ReviewerError as exc:  # offline, signed out, no checkpoint yet, a forged one: say so, never pass
        return StoreAnchor([], True, str(exc))
