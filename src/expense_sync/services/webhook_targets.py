"""Where webhooks may go: only to public addresses, unless the operator allows others.

A webhook URL is a request the server makes on a client's behalf, so a URL naming an
internal address (``http://127.0.0.1:6379``, ``http://169.254.169.254/latest/meta-data``,
a database on the private network) would let any API key reach what only the server can.
So, unless ``Settings.webhook_allow_private`` is set:

- **When a consumer is created** its host is resolved (``socket.getaddrinfo``) and every
  address it resolves to must be public; a loopback, private (RFC 1918), shared (CGNAT),
  link-local, unique-local (``fc00::/7``), multicast, unspecified or reserved address, or
  a cloud metadata address (``169.254.169.254``, ``fd00:ec2::254``, ``100.100.100.200``,
  ``169.254.170.2``), is refused with a 400 naming ``url`` and the address. A host that
  does not resolve is refused too: nothing could be delivered to it.
- **At each delivery** the host is resolved and checked again (its DNS may have changed
  since), and the POST connects to the address that was checked, not to whatever a second
  lookup would return: the URL's host is replaced by that address while the ``Host``
  header and the TLS server name (SNI, and the certificate check) keep the original name.
  So an answer that changes between the check and the connection (DNS rebinding) cannot
  send the POST elsewhere.

What this covers, and what not:

- Covered: literal addresses in any spelling ``ipaddress`` reads (IPv4-mapped IPv6 such
  as ``::ffff:127.0.0.1`` is checked as the IPv4 address it holds), names resolving to any
  refused address (one bad address among several refuses the URL), and rebinding between
  check and connection.
- Not covered: redirects are never followed (a 3xx is a failed attempt), so they need no
  check. The delivery client reads no environment settings (no ``HTTP_PROXY``, which
  would make its own lookup; no ``SSL_CERT_FILE`` either). Addresses that are public but
  belong to the operator's own network (a public IP of an internal service) cannot be
  told apart here; a firewall on egress is the place for that.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from expense_sync.domain.errors import InvalidRequest, Problem

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOW_SETTING = "EXPENSE_SYNC_WEBHOOK_ALLOW_PRIVATE=true"
METADATA = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean ...
        "fd00:ec2::254",  # AWS over IPv6
        "169.254.170.2",  # AWS ECS task metadata
        "100.100.100.200",  # Alibaba Cloud
    )
)
# Shared address space (RFC 6598, carrier-grade NAT): not private per ``ipaddress`` in
# every Python version, and never a place a public receiver lives.
SHARED = ipaddress.ip_network("100.64.0.0/10")
UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")


class RefusedTarget(Exception):
    """A webhook URL whose host may not receive webhooks; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """A URL's host and port, and the checked address to connect to."""

    host: str
    port: int
    address: IPAddress


def refusal(address: IPAddress) -> str | None:
    """Why ``address`` may not receive webhooks, or None if it is a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return refusal(address.ipv4_mapped)
    if address in METADATA:
        return "a cloud metadata address"
    for kind, holds in (
        ("a loopback address", address.is_loopback),
        ("an unspecified address", address.is_unspecified),
        ("a link-local address", address.is_link_local),
        ("a multicast address", address.is_multicast),
        ("a unique-local address", address in UNIQUE_LOCAL),
        ("a reserved address", address.is_reserved),
        ("a private address", address.is_private),
        ("a shared (carrier-grade NAT) address", address in SHARED),
        ("not a public address", not address.is_global),
    ):
        if holds:
            return kind
    return None


def _host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    host = parts.hostname
    if not host or parts.scheme not in ("http", "https"):
        raise RefusedTarget(f"{url} is not an http or https URL with a host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise RefusedTarget(f"{url} has a port that is not a number from 0 to 65535.") from None
    return host, port


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (a literal address resolves to itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise RefusedTarget(f"its host {host} could not be resolved ({error}).") from None
    # The scope of a link-local IPv6 address (``fe80::1%eth0``) is dropped: it is refused.
    addresses = (ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found)
    return list(dict.fromkeys(addresses))


def checked_target(url: str) -> Target:
    """The address to deliver ``url`` to, once every address its host resolves to has been
    found public; ``RefusedTarget`` otherwise."""
    host, port = _host_and_port(url)
    addresses = resolve(host, port)
    if not addresses:
        raise RefusedTarget(f"its host {host} resolves to no address.")
    for address in addresses:
        why = refusal(address)
        if why is not None:
            shown = host if host == str(address) else f"{host}, which resolves to {address},"
            raise RefusedTarget(f"{shown} is {why}.")
    return Target(host, port, addresses[0])


def require_public_url(url: str) -> None:
    """``InvalidRequest`` naming ``url`` unless it resolves only to public addresses."""
    try:
        checked_target(url)
    except RefusedTarget as refused:
        message = (
            f"url {url} cannot receive webhooks: {refused.reason} Webhooks go only to public "
            f"addresses; use a public URL, or (for a receiver on your own network) ask the "
            f"operator to set {ALLOW_SETTING}."
        )
        raise InvalidRequest(message, [Problem("url", message, "webhook-target")]) from None
