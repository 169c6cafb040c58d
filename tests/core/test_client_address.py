"""Which address a per-client limit sees (issue 14 point 2).

X-Forwarded-For is the client's to write; only the hops that configured proxies
(TRUSTED_PROXIES) appended are believed, walking the chain from the right.
"""

import pytest
from django.test import RequestFactory

from core.client_address import client_address

rf = RequestFactory()


def request(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get("/", **meta)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(request("10.0.0.2", "198.51.100.7")) == "10.0.0.2"


def test_a_trusted_proxy_gives_the_address_it_appended(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    assert client_address(request("10.0.0.2", "198.51.100.7")) == "198.51.100.7"


def test_a_forged_left_part_of_the_chain_is_not_believed(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # The client wrote "1.2.3.4"; the proxy appended the address it saw.
    forwarded = "1.2.3.4, 198.51.100.7"
    assert client_address(request("10.0.0.2", forwarded)) == "198.51.100.7"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8::/32"]
    forwarded = "6.6.6.6, 198.51.100.7, 2001:db8::5, 10.1.1.1"
    assert client_address(request("10.0.0.2", forwarded)) == "198.51.100.7"


def test_the_header_of_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    assert client_address(request("203.0.113.9", "198.51.100.7")) == "203.0.113.9"


@pytest.mark.parametrize(
    "forwarded, expected",
    [
        ("", "10.0.0.2"),
        ("not-an-address", "10.0.0.2"),
        ("198.51.100.7:5555", "198.51.100.7"),
        ("[2001:db8::9]:443", "2001:db8::9"),
        ("garbage, 198.51.100.7", "198.51.100.7"),
    ],
)
def test_odd_headers(settings, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    assert client_address(request("10.0.0.2", forwarded)) == expected


def test_every_hop_trusted_gives_the_leftmost(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(request("10.0.0.2", "10.3.3.3, 10.1.1.1")) == "10.3.3.3"


def test_a_bad_setting_stops_the_start():
    from django.core.exceptions import ImproperlyConfigured

    from config.env import env_networks

    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        env_networks("TRUSTED_PROXIES", environ={"TRUSTED_PROXIES": "10.0.0.0/8,nope"})
