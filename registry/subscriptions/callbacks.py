"""Which callback addresses the registry may POST to (no server-side request forgery).

A harvester names the URL the registry calls on each release. Left open, a
reader token would make the registry call its own loopback services, the
cloud's metadata address or the partners' private network. So a callback's
host must resolve only to public addresses, checked when the subscription is
made and again before each delivery (a name may be pointed elsewhere later),
unless the administrator allows private networks (``MOSY_CALLBACK_PRIVATE``:
a registry and its harvesters inside one closed network, or tests).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

_KINDS = (
    ("is_loopback", "a loopback address"),
    ("is_link_local", "a link-local address"),
    ("is_private", "a private-network address"),
    ("is_multicast", "a multicast address"),
    ("is_reserved", "a reserved address"),
    ("is_unspecified", "an unspecified address"),
)


def refused_callback(url: str, *, allow_private: bool = False) -> str | None:
    """Why ``url`` may not be called (its host, resolved), or None when it may."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        return f"{url!r} is not an absolute http(s) URL"
    if allow_private:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return f"{url!r} has no valid port"
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return f"the host {host!r} cannot be resolved"
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        for attribute, kind in _KINDS:
            if getattr(address, attribute):
                return (
                    f"the host {host!r} resolves to {address}, {kind}; callbacks go to "
                    "public addresses only (an administrator may allow private networks "
                    "with MOSY_CALLBACK_PRIVATE=true)"
                )
    return None
