"""``python -m sandboxes.quickbooks --port 8091 [--real-limits | --limits 500/10/40[/60]]``."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from sandboxes.quickbooks.app import create_app
from sandboxes.quickbooks.config import Limits, SandboxConfig
from sandboxes.quickbooks.sandbox import Sandbox


def _limits(text: str) -> Limits:
    """``per_minute/concurrent/batch_per_minute[/window_seconds]``, e.g. ``5/2/2/10``."""
    parts = text.split("/")
    if not 3 <= len(parts) <= 4:
        raise argparse.ArgumentTypeError("use per_minute/concurrent/batch_per_minute[/seconds]")
    try:
        minute, concurrent, batch = (int(p) for p in parts[:3])
        window = float(parts[3]) if len(parts) == 4 else 60.0
    except ValueError:
        raise argparse.ArgumentTypeError("limits must be numbers") from None
    return Limits(minute, concurrent, batch, window)


def instructions(base_url: str, config: SandboxConfig, sandbox: Sandbox) -> str:
    companies = "\n".join(
        f"  {c.country}  realm {c.realm_id}  {c.name} ({c.home_currency})"
        for c in sandbox.companies.values()
    )
    return f"""QuickBooks Online sandbox on {base_url}

Configure the QuickBooks connector (or any OAuth 2.0 client) with:
  client id       {config.client_id}
  client secret   {config.client_secret}
  authorize URL   {base_url}/connect/oauth2
  token URL       {base_url}/oauth2/v1/tokens/bearer
  revoke URL      {base_url}/v2/oauth2/tokens/revoke
  API base URL    {base_url}   (then /v3/company/<realmId>/...)
  scope           com.intuit.quickbooks.accounting

Companies:
{companies}

To link a company: start the link flow for platform qhyg in expense-sync; the sandbox's
consent page opens, choose the US or UK company (or a new one) and connect; the callback
carries code, state and realmId.

Read back what a company holds: GET {base_url}/__sandbox__/state/<realmId>
Schema violations seen so far:  GET {base_url}/__sandbox__/violations
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandboxes.quickbooks", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--client-id", default=SandboxConfig.client_id)
    parser.add_argument("--client-secret", default=SandboxConfig.client_secret)
    parser.add_argument("--auto-approve", action="store_true", help="skip the consent page")
    parser.add_argument("--token-seconds", type=int, default=3600, help="access token lifetime")
    parser.add_argument("--config-json", help="a whole SandboxConfig as JSON (overrides the rest)")
    parser.add_argument("--quiet", action="store_true", help="print nothing; log warnings only")
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--real-limits", action="store_true", help="500/min, 10 concurrent, 40 batches/min"
    )
    group.add_argument(
        "--limits", type=_limits, help="per_minute/concurrent/batch_per_minute[/window_seconds]"
    )
    args = parser.parse_args(argv)
    config = SandboxConfig(
        client_id=args.client_id,
        client_secret=args.client_secret,
        auto_approve=args.auto_approve,
        access_token_seconds=args.token_seconds,
        limits=Limits.real() if args.real_limits else args.limits or Limits.unlimited(),
    )
    if args.config_json:
        config = SandboxConfig.from_json(args.config_json)
    sandbox = Sandbox(config)
    if not args.quiet:
        print(instructions(f"http://{args.host}:{args.port}", config, sandbox), flush=True)
    level = "warning" if args.quiet else "info"
    uvicorn.run(create_app(config, sandbox), host=args.host, port=args.port, log_level=level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
