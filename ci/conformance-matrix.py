#!/usr/bin/env python3
"""Prints the hosted CI's conformance matrix as JSON: one entry per plan file under
conformance/plans/ that runs without a person (the dynamic plans' key rotation waits for one),
with the profile to build and serve, the clients file, the TLS certificate and the client CA.
Each plan file's `provider_env` is the workflow's to export (`--env PLAN` prints it as shell
`export` lines)."""

import json, pathlib, shlex, sys, tomllib

root = pathlib.Path(__file__).resolve().parents[1]
plans = root / "conformance" / "plans"


def spec(name: str) -> dict:
    return tomllib.loads((plans / f"{name}.toml").read_text())


if sys.argv[1:2] == ["--env"]:
    for key, value in spec(sys.argv[2]).get("provider_env", {}).items():
        print(f"export {key}={shlex.quote(value)}")
    sys.exit(0)

# The static-client OIDC plans, 3rd-party-init, and every FAPI plan.
wanted = ("basic", "implicit", "hybrid", "config", "formpost-", "3rdparty-init", "fapi")
include = []
for path in sorted(plans.glob("*.toml")):
    name = path.stem
    if not name.startswith(wanted) or name.endswith("-dynamic-client"):
        continue
    plan = spec(name)
    profile = plan.get("profile", name.split("-")[0] if name.startswith("formpost") else name)
    fapi = plan["plan"].startswith("fapi")
    if fapi:
        family = "fapi-ciba" if profile == "fapi-ciba" else profile[:5]
        clients = f"fixtures/{family}-clients.json"
    else:
        # The suite's static clients only: the fixture file also holds a client of a grant a
        # single-profile build may lack (the device flow).
        clients = "conformance"
    # A plan that turns a building block on names it in provider_env (the RAR variants).
    extra = ["rar"] if plan.get("provider_env", {}).get("OP_RAR__ENABLED") == "true" else []
    include.append({
        "plan": name,
        "profile": profile,
        "features": " ".join([profile] + extra),
        "clients": clients,
        # FAPI 1.0 allows only RSA suites on TLS 1.2; FAPI's mTLS needs the client CA.
        "cert": "fixtures/tls/server-rsa" if fapi else "fixtures/tls/server",
        "client_ca": "fixtures/tls/ca.pem" if fapi else "",
    })
print(json.dumps({"include": include}))
