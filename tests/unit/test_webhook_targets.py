"""Which addresses may receive webhooks, and how a delivery is pinned to the one checked."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

from expense_sync.services.webhook_targets import RefusedTarget, checked_target, refusal
from expense_sync.sync.deliveries import Request, outgoing


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped: checked as the IPv4 it holds
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.10", "private"),
        ("::ffff:192.168.1.10", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("169.254.170.2", "cloud metadata"),
        ("100.100.100.200", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("fc00::1", "unique-local"),
        ("fd12:3456::1", "unique-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("100.64.0.1", "shared"),
        ("240.0.0.1", "reserved"),
        ("192.0.2.1", "private"),  # documentation range: not a real receiver
    ],
)
def test_addresses_that_are_not_public_are_refused_with_why(address: str, why: str) -> None:
    reason = refusal(ipaddress.ip_address(address))
    assert reason is not None and why in reason


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"])
def test_public_addresses_may_receive_webhooks(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


def _resolving(monkeypatch: pytest.MonkeyPatch, names: dict[str, list[str]]) -> None:
    """DNS for ``names`` (a third-party edge, so faked here); other names as usual."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in names:
            return [
                (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port))
                for a in names[host]
            ]  # fmt: skip
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_one_private_address_among_public_ones_refuses_the_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _resolving(monkeypatch, {"hooks.example.com": ["93.184.216.34", "10.0.0.7"]})
    with pytest.raises(RefusedTarget, match=r"hooks.example.com, which resolves to 10.0.0.7"):
        checked_target("https://hooks.example.com/x")


def test_names_that_do_not_resolve_and_odd_urls_are_refused() -> None:
    with pytest.raises(RefusedTarget, match="could not be resolved"):
        checked_target("https://no-such-host.invalid/hook")
    with pytest.raises(RefusedTarget, match="not an http or https URL"):
        checked_target("ftp://93.184.216.34/")


def test_a_delivery_connects_to_the_checked_address_keeping_host_and_tls_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _resolving(monkeypatch, {"hooks.example.com": ["93.184.216.34"]})
    request = Request("https://hooks.example.com:8443/in?x=1", "{}", {"webhook-id": "m1"})
    built = outgoing(request, allow_private=False)
    assert str(built.url) == "https://93.184.216.34:8443/in?x=1"
    assert built.headers["host"] == "hooks.example.com:8443"
    assert built.extensions["sni_hostname"] == "hooks.example.com"
    assert built.headers["webhook-id"] == "m1"

    _resolving(monkeypatch, {"v6.example.com": ["2606:4700:4700::1111"]})
    built = outgoing(Request("http://v6.example.com/in", "{}", {}), allow_private=False)
    assert str(built.url) == "http://[2606:4700:4700::1111]/in"
    assert built.headers["host"] == "v6.example.com"

    # The name now resolves somewhere private (DNS changed since the consumer was made).
    _resolving(monkeypatch, {"hooks.example.com": ["169.254.169.254"]})
    with pytest.raises(RefusedTarget, match="cloud metadata"):
        outgoing(request, allow_private=False)


def test_with_private_targets_allowed_the_url_is_used_as_it_is() -> None:
    built = outgoing(Request("http://localhost:9/in", "{}", {}), allow_private=True)
    assert str(built.url) == "http://localhost:9/in"
    assert "sni_hostname" not in built.extensions
