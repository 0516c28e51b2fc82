"""The store's list of sign-in methods (GET /api/v1/signin), shared by the store (routes_signin.py, which writes it)
and the workstation (reviewer/sync/signin_methods.py, which reads it) without either's dependencies.

    {"methods": [{"kind": "code"},
                 {"kind": "oidc", "name": "force", "issuer": "https://...", "client_id": "...",
                  "scope": "openid offline_access", "flows": ["browser", "device"]},
                 {"kind": "entra", "name": "entra", "tenant": "TENANT-ID", "client_id": "...",
                  "scope": "api://bwv-store/.default", "flows": ["browser", "device"]}]}

A reader ignores kinds and flows it does not know (a newer store), and refuses a method it knows but that lacks
what signing in needs.
"""

from __future__ import annotations

from dataclasses import dataclass

PATH = "/api/v1/signin"
KINDS = ("code", "oidc", "entra")
FLOWS = ("browser", "device")
DEFAULT_SCOPE = "openid offline_access"
RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access"})  # MSAL adds them itself, refuses them asked
MAX_TEXT = 2048  # no field of a real listing comes near; a hostile one cannot flood the dialog


@dataclass(frozen=True)
class Method:
    kind: str  # one of KINDS
    name: str = ""  # the store's label for an issuer ([oidc.NAME])
    issuer: str = ""  # oidc
    tenant: str = ""  # entra: a tenant id or domain, or an https authority
    client_id: str = ""
    scope: str = ""
    flows: tuple[str, ...] = ()


def parse(doc) -> list[Method]:
    """The methods a workstation can use, in the store's order; ValueError (one line) for a malformed listing."""
    raw = doc.get("methods") if isinstance(doc, dict) else None
    if not isinstance(raw, list):
        raise ValueError("not a list of sign-in methods")
    out = []
    for m in raw:
        if not isinstance(m, dict) or m.get("kind") not in KINDS:
            continue
        text = {k: m.get(k, "") for k in ("name", "issuer", "tenant", "client_id", "scope")}
        if any(not isinstance(v, str) or len(v) > MAX_TEXT for v in text.values()):
            raise ValueError(f"a {m['kind']} method has a field that is not a short string")
        flows = m.get("flows", [])
        if not isinstance(flows, list):
            raise ValueError(f"a {m['kind']} method's flows are not a list")
        method = Method(m["kind"], **{k: v.strip() for k, v in text.items()},
                        flows=tuple(f for f in FLOWS if f in flows))
        if method.kind != "code":
            needs = "issuer" if method.kind == "oidc" else "tenant"
            if not getattr(method, needs) or not method.client_id or not method.flows:
                raise ValueError(f"the {method.kind} method {method.name!r} lacks its {needs}, client id or flows")
        out.append(method)
    return out
