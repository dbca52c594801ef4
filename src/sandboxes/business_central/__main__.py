"""``python -m sandboxes.business_central --port 8092 [--real-limits] [--auto-approve]``."""

from __future__ import annotations

import argparse
import sys

from sandboxes.business_central.config import Limits, SandboxConfig
from sandboxes.business_central.server import serve


def instructions(base_url: str, config: SandboxConfig) -> str:
    return f"""Business Central sandbox on {base_url}

  client id       {config.client_id}
  client secret   {config.client_secret}
  authorize URL   {base_url}/{config.tenant}/oauth2/v2.0/authorize
  token URL       {base_url}/{config.tenant}/oauth2/v2.0/token
  API base URL    {base_url}  (/v2.0/<environment>/api/v2.0/companies)
  environments    {", ".join(config.environments)}

Each environment starts with one company (CRONUS USA, Inc.): accounts 10100-60400,
bank accounts CHECKING and CARD, vendors (Jane Employee is the employee's), dimensions
DEPARTMENT and PROJECT, tax groups NONTAXABLE and SUPPLIES, journal DEFAULT.
Schema violations: GET {base_url}/__sandbox__/violations
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandboxes.business_central", description=__doc__
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8092)
    parser.add_argument("--client-id", default=SandboxConfig.client_id)
    parser.add_argument("--client-secret", default=SandboxConfig.client_secret)
    parser.add_argument("--auto-approve", action="store_true", help="skip the consent page")
    parser.add_argument(
        "--real-limits", action="store_true", help="6,000 per 5 min, 5 at once (+95 queued)"
    )
    parser.add_argument("--config-json", help="a whole SandboxConfig as JSON (run_process)")
    parser.add_argument("--quiet", action="store_true", help="print nothing, log warnings only")
    args = parser.parse_args(argv)
    if args.config_json:
        config = SandboxConfig.from_json(args.config_json)
    else:
        config = SandboxConfig(
            client_id=args.client_id,
            client_secret=args.client_secret,
            auto_approve=args.auto_approve,
            limits=Limits.real() if args.real_limits else Limits.unlimited(),
        )
    if not args.quiet:
        print(instructions(f"http://{args.host}:{args.port}", config), flush=True)
    serve(config, args.host, args.port, log_level="warning" if args.quiet else "info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
