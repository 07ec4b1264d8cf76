"""Callback addresses: public hosts only, unless private networks are allowed."""

from __future__ import annotations

import pytest

from registry.subscriptions.callbacks import refused_callback


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1:8000/hook", "loopback"),
        ("http://localhost/hook", "loopback"),
        ("http://[::1]/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.1.2.3/hook", "private"),
        ("https://192.168.0.10/hook", "private"),
        ("http://172.16.5.4:9000/hook", "private"),
        ("http://0.0.0.0/hook", "private"),
        ("http://224.0.0.1/hook", "multicast"),
    ],
)
def test_internal_addresses_are_refused_with_the_reason(url: str, kind: str) -> None:
    reason = refused_callback(url)
    assert reason is not None and kind in reason and "MOSY_CALLBACK_PRIVATE" in reason


def test_a_public_address_is_allowed() -> None:
    assert refused_callback("https://93.184.216.34/hook") is None
    assert refused_callback("http://[2606:4700:4700::1111]:8080/hook") is None


def test_private_networks_may_be_allowed_on_purpose() -> None:
    assert refused_callback("http://127.0.0.1:8000/hook", allow_private=True) is None


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://93.184.216.34/x", "http:///nohost", "gopher://h/"]
)
def test_only_absolute_http_urls(url: str) -> None:
    assert "not an absolute http(s) URL" in refused_callback(url, allow_private=True)


def test_an_unresolvable_host_is_refused() -> None:
    assert "cannot be resolved" in refused_callback("http://no-such-host.invalid/hook")


def test_a_bad_port_is_refused() -> None:
    assert "port" in refused_callback("http://93.184.216.34:99999/hook")
