"""``python -m sandboxes.xero --port 8090 [--seed demo] [--real-limits | --limits 60/5000/5]``."""

from __future__ import annotations

import argparse
import sys

from sandboxes.xero.config import Limits, SandboxConfig
from sandboxes.xero.seeds import SEEDS
from sandboxes.xero.server import serve


def _limits(text: str) -> Limits:
    """``per_minute/per_day/concurrent[/window_seconds]``, e.g. ``5/100/2/10``."""
    parts = text.split("/")
    if not 3 <= len(parts) <= 4:
        raise argparse.ArgumentTypeError("use per_minute/per_day/concurrent[/window_seconds]")
    try:
        minute, day, concurrent = (int(p) for p in parts[:3])
        window = float(parts[3]) if len(parts) == 4 else 60.0
    except ValueError:
        raise argparse.ArgumentTypeError("limits must be numbers") from None
    return Limits(per_minute=minute, per_day=day, concurrent=concurrent, window_seconds=window)


def instructions(base_url: str, config: SandboxConfig) -> str:
    return f"""Xero sandbox on {base_url}  (seed: {config.seed})

Configure the Xero connector (or any OAuth 2.0 client) with:
  client id       {config.client_id}
  client secret   {config.client_secret}
  authorize URL   {base_url}/identity/connect/authorize
  token URL       {base_url}/connect/token
  connections URL {base_url}/connections
  API base URL    {base_url}/api.xro/2.0

To link a company: start the link flow for platform gbol in expense-sync; the sandbox's
consent page opens, choose "A new demo organisation" (or an existing one) and allow.
Each new organisation starts as the '{config.seed}' seed (accounts 090 bank, 092 card,
200, 400, 429; tax INPUT2/NONE/ZERORATEDINPUT; tracking "Region"; supplier contacts).

Read back what a tenant holds: GET {base_url}/__sandbox__/state/<tenantId>
Spec violations seen so far:    GET {base_url}/__sandbox__/violations
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandboxes.xero", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--seed", default="demo", choices=sorted(SEEDS))
    parser.add_argument("--client-id", default=SandboxConfig.client_id)
    parser.add_argument("--client-secret", default=SandboxConfig.client_secret)
    parser.add_argument("--auto-approve", action="store_true", help="skip the consent page")
    parser.add_argument("--token-seconds", type=int, default=1800, help="access token lifetime")
    parser.add_argument("--config-json", help="a whole SandboxConfig as JSON (overrides the rest)")
    parser.add_argument("--quiet", action="store_true", help="print nothing; log warnings only")
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--real-limits", action="store_true", help="Xero's 60/min, 5000/day, 5 concurrent"
    )
    group.add_argument(
        "--limits", type=_limits, help="per_minute/per_day/concurrent[/window_seconds]"
    )
    args = parser.parse_args(argv)
    limits = Limits.real() if args.real_limits else args.limits or Limits.unlimited()
    config = SandboxConfig(
        client_id=args.client_id,
        client_secret=args.client_secret,
        seed=args.seed,
        auto_approve=args.auto_approve,
        access_token_seconds=args.token_seconds,
        limits=limits,
    )
    if args.config_json:
        config = SandboxConfig.from_json(args.config_json)
    if not args.quiet:
        print(instructions(f"http://{args.host}:{args.port}", config), flush=True)
    serve(config, args.host, args.port, log_level="warning" if args.quiet else "info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
