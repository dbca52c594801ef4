"""``python -m sandboxes.freeagent --port 8093 [--real-limits] [--auto-approve]``."""

from __future__ import annotations

import argparse
import sys

from sandboxes.freeagent.config import Limits, SandboxConfig
from sandboxes.freeagent.server import serve


def instructions(base_url: str, config: SandboxConfig) -> str:
    return f"""FreeAgent sandbox on {base_url}

Configure the FreeAgent connector (or any OAuth 2.0 client) with:
  client id       {config.client_id}
  client secret   {config.client_secret}
  authorize URL   {base_url}/v2/approve_app
  token URL       {base_url}/v2/token_endpoint
  API base URL    {base_url}/v2

  export EXPENSE_SYNC_FREEAGENT_CLIENT_ID={config.client_id}
  export EXPENSE_SYNC_FREEAGENT_CLIENT_SECRET={config.client_secret}
  export EXPENSE_SYNC_FREEAGENT_API_URL={base_url}

Each approval opens a new UK company (GBP) with standard categories (285 Accommodation
and Meals, 365 Travel, ...), a current account, a credit card account, contacts and a user.
Read back what a company holds: GET {base_url}/__sandbox__/state/<companyId>
Schema violations seen so far:  GET {base_url}/__sandbox__/violations
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandboxes.freeagent", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8093)
    parser.add_argument("--client-id", default=SandboxConfig.client_id)
    parser.add_argument("--client-secret", default=SandboxConfig.client_secret)
    parser.add_argument("--auto-approve", action="store_true", help="skip the approval page")
    parser.add_argument("--real-limits", action="store_true", help="120/min and 3,600/hour")
    args = parser.parse_args(argv)
    config = SandboxConfig(
        client_id=args.client_id,
        client_secret=args.client_secret,
        auto_approve=args.auto_approve,
        limits=Limits.real() if args.real_limits else Limits.unlimited(),
    )
    print(instructions(f"http://{args.host}:{args.port}", config), flush=True)
    serve(config, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
