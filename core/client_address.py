"""The client's address, as every per-client limit sees it.

Behind a reverse proxy REMOTE_ADDR is the proxy's address, so every visitor would
share one limit. X-Forwarded-For is believed only as far as configured proxies
(TRUSTED_PROXIES) wrote it: each proxy appends the address it received the request
from, so the chain is walked from the right, skipping trusted proxies, and the first
address that is not one is the client. Whatever a client writes into the header
itself sits to the left of that and is never read. docs/architecture.md, Security.
"""

import functools
import ipaddress

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@functools.lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _parse(value: str) -> Address | None:
    """Return the address in one hop ("1.2.3.4", "1.2.3.4:80", "[::1]:80"), or None."""
    value = value.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:  # IPv4 with a port; a bare IPv6 has several colons
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: Address | None, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(request) -> str:
    """Return the address of the client that sent this request (text, never empty)."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    current = _parse(remote)
    if not networks or not _trusted(current, networks):
        return remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            # Not written by a proxy we trust: the last trusted hop's peer is all
            # that is known, and the request counts as coming from there.
            break
        current = address
        if not _trusted(address, networks):
            break
    return str(current)
