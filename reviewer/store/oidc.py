"""Tokens of external OIDC issuers (Microsoft Entra ID and the like), checked against each issuer's JWKS.

The key set is fetched on first use and cached; a token signed with a key id the cache does not know triggers
one refetch (the issuer rotated its keys). A refetch that still does not find the key id starts a quiet period
of MIN_REFETCH_S for that issuer, so a stream of forged key ids cannot make the store hammer the issuer.
"""

from __future__ import annotations

import threading
import time

import httpx
import jwt

from reviewer.store.config import OidcIssuer

ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]  # asymmetric only: never HS256 with a public key as secret
MIN_REFETCH_S = 30.0
FETCH_TIMEOUT_S = 10.0
LEEWAY_S = 60


class KeySet:
    def __init__(self, issuer: OidcIssuer):
        self.issuer = issuer
        self._lock = threading.Lock()
        self._keys: dict[str, jwt.PyJWK] = {}
        self._quiet_until = 0.0
        self.fetches = 0

    def _jwks_uri(self) -> str:
        if self.issuer.jwks_uri:
            return self.issuer.jwks_uri
        discovery = self.issuer.issuer.rstrip("/") + "/.well-known/openid-configuration"
        doc = httpx.get(discovery, timeout=FETCH_TIMEOUT_S).raise_for_status().json()
        return doc["jwks_uri"]

    def _fetch(self) -> None:
        raw = httpx.get(self._jwks_uri(), timeout=FETCH_TIMEOUT_S).raise_for_status().json()
        keys = {}
        for k in jwt.PyJWKSet.from_dict(raw).keys:
            if k.key_id:
                keys[k.key_id] = k
        self._keys = keys

    def key(self, kid: str | None) -> jwt.PyJWK:
        with self._lock:
            if kid not in self._keys and time.monotonic() >= self._quiet_until:
                self.fetches += 1
                try:
                    self._fetch()
                except (httpx.HTTPError, ValueError, KeyError, jwt.PyJWKError) as exc:
                    self._quiet_until = time.monotonic() + MIN_REFETCH_S
                    raise jwt.InvalidTokenError(f"cannot fetch the keys of {self.issuer.issuer}: {exc}") from None
                if kid not in self._keys:
                    self._quiet_until = time.monotonic() + MIN_REFETCH_S
            found = self._keys.get(kid)
        if found is None:
            raise jwt.InvalidTokenError(f"key {kid!r} is not among the keys of {self.issuer.issuer}")
        return found


class ExternalIssuers:
    def __init__(self, issuers: list[OidcIssuer]):
        self._sets = {i.issuer: KeySet(i) for i in issuers}

    def knows(self, iss: str) -> bool:
        return iss in self._sets

    def verify(self, token: str, iss: str) -> tuple[OidcIssuer, str]:
        """(issuer, user name from its username claim) of a valid token; jwt.InvalidTokenError otherwise."""
        keyset = self._sets[iss]
        header = jwt.get_unverified_header(token)
        key = keyset.key(header.get("kid"))
        if header.get("alg") not in ALGORITHMS:
            raise jwt.InvalidTokenError(f"algorithm {header.get('alg')!r} not accepted")
        claims = jwt.decode(token, key.key, algorithms=[header["alg"]], audience=keyset.issuer.audience,
                            issuer=keyset.issuer.issuer, leeway=LEEWAY_S,
                            options={"require": ["exp", "iss", "aud", keyset.issuer.username_claim]})
        return keyset.issuer, str(claims[keyset.issuer.username_claim])
