"""Which URLs an endpoint may have: http(s) to a public address, or to one of
WEBHOOK_ALLOWED_NETWORKS (the tests allow loopback, 127.0.0.0/8).

Checked when the endpoint is saved and again before every call, so a name that
later resolves to a private address is refused then too. (A name that changes its
answer between the check and the connection, DNS rebinding within a second, is
not covered: the connection resolves again.)"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


def target_problem(url: str) -> str | None:
    """Return why Canvass will not call this URL, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Give an http:// or https:// URL."
    if parts.username or parts.password:
        return "Leave user names and passwords out of the URL."
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError):
        return f"{parts.hostname} cannot be resolved."
    allowed = [
        ipaddress.ip_network(n, strict=False) for n in settings.WEBHOOK_ALLOWED_NETWORKS
    ]
    for *_, address in found:
        ip = ipaddress.ip_address(address[0])
        if any(ip in network for network in allowed):
            continue
        if not ip.is_global or ip.is_multicast:
            return (
                f"{parts.hostname} is on a private or local network "
                f"({ip}); Canvass calls only public addresses."
            )
    return None
