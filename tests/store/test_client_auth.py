"""The client side of sign-in (reviewer/store/client_auth.py), used by the dock and the workstation: enrol, attach
the token, refresh it before it lapses or after a 401, and hand each rotated refresh token to the caller."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os

import httpx
import pytest

from reviewer.store.client_auth import SignInError, StoreAuth, Tokens, enrol, refresh
from tests.store import services


def new_tokens(store, role="investigator") -> Tokens:
    env = {"REVIEWER_STORE_HOME": str(store.home)} if store.config is None else None
    return enrol(store.url, services.add_user(store.config, f"client-{os.urandom(3).hex()}", role, env=env))


def test_a_token_about_to_lapse_is_refreshed_first_and_the_new_refresh_token_handed_over(store):
    tokens = new_tokens(store)
    rotated = []
    later = lambda: tokens.expires_at - dt.timedelta(seconds=5)  # noqa: E731  (inside the refresh margin)
    auth = StoreAuth(store.url, tokens, on_rotate=rotated.append, clock=later)
    r = httpx.get(f"{store.url}/api/v1/auth/me", auth=auth, timeout=30)
    assert r.status_code == 200 and r.json()["role"] == "investigator"
    assert len(rotated) == 1 and rotated[0].refresh_token != tokens.refresh_token
    with pytest.raises(SignInError, match=r"refresh the sign-in refused \(401\)"):
        refresh(store.url, tokens.refresh_token)  # spent by the rotation (and now the family is revoked)


def test_a_401_triggers_one_refresh_and_a_retry(store):
    tokens = dataclasses.replace(new_tokens(store), access_token="revoked-or-garbled")
    rotated = []
    auth = StoreAuth(store.url, tokens, on_rotate=rotated.append)
    r = httpx.get(f"{store.url}/api/v1/incidents", auth=auth, timeout=30)
    assert r.status_code == 200 and len(rotated) == 1


def test_a_bad_code_is_one_clear_error(store):
    with pytest.raises(SignInError) as err:
        enrol(store.url, "NOPE-NOPE")
    assert str(err.value) == (f"{store.url}: enrol refused (401): enrolment code not valid: unknown, used or "
                              "expired")
