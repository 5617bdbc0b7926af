"""Which addresses a harvest may connect to (AddressPolicy): no I/O, no name lookups."""

from __future__ import annotations

import pytest

from hubcity.domain.harvest import AddressPolicy

STRICT = AddressPolicy()


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private network"),
        ("172.16.0.1", "private network"),
        ("192.168.0.10", "private network"),
        ("fd12:3456::1", "private network"),
        ("fc00::1", "private network"),
        ("169.254.169.254", "link-local / cloud metadata"),
        ("fe80::1", "link-local / cloud metadata"),
        ("fe80::1%eth0", "link-local / cloud metadata"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not a public internet address"),  # carrier-grade NAT
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:169.254.169.254", "link-local / cloud metadata"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local / cloud metadata"),  # NAT64 of 169.254.169.254
    ],
)
def test_internal_addresses_are_refused(address: str, kind: str) -> None:
    why = STRICT.refusal(address)
    assert why is not None and why[1] == kind and why[0]


@pytest.mark.parametrize("address", ["8.8.8.8", "211.45.60.1", "2606:4700::1111", "2001:4860:4860::8888"])
def test_public_addresses_pass(address: str) -> None:
    assert STRICT.refusal(address) is None


def test_allowed_networks_open_only_themselves() -> None:
    policy = AddressPolicy.of(allowed_networks=["10.20.0.0/16", " fd00:1::/32 ", "127.0.0.1"])
    assert policy.refusal("10.20.3.4") is None
    assert policy.refusal("::ffff:10.20.3.4") is None  # the same host, written as IPv6
    assert policy.refusal("fd00:1::5") is None
    assert policy.refusal("127.0.0.1") is None
    assert policy.refusal("127.0.0.2") is not None
    assert policy.refusal("10.21.0.1") is not None
    assert policy.refusal("169.254.169.254") is not None
    assert policy.refusal("8.8.8.8") is None


def test_allow_private_opens_everything() -> None:
    policy = AddressPolicy(allow_private=True)
    assert all(policy.refusal(a) is None for a in ("127.0.0.1", "10.0.0.1", "169.254.169.254", "::1"))


def test_a_name_is_no_address() -> None:
    assert STRICT.refusal("portal.example.org") is not None


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://127.0.0.1:8080/api/3/action", "127.0.0.1"),
        ("http://[::1]/catalog.ttl", "::1"),
        ("https://10.1.2.3", "10.1.2.3"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://2130706433/", "2130706433 → 127.0.0.1"),  # what a name lookup reads as 127.0.0.1
        ("http://0x7f.1/", "0x7f.1 → 127.0.0.1"),
        ("http://127.1/", "127.1 → 127.0.0.1"),
        ("http://0.0.0.0:9/", "0.0.0.0"),
        ("http://user:pw@[::ffff:7f00:1]:80/", "::ffff:7f00:1"),  # IPv4-mapped 127.0.0.1
    ],
)
def test_literal_internal_addresses_in_urls(url: str, shown: str) -> None:
    refused = STRICT.refused_url(url)
    assert refused is not None
    ko, en = refused
    assert shown in ko and shown in en
    assert "내부망 주소" in ko and "internal address" in en
    assert "HUBCITY_HARVEST__ALLOW_PRIVATE_ADDRESSES" in en and "HUBCITY_HARVEST__ALLOWED_NETWORKS" in ko


@pytest.mark.parametrize(
    "url",
    [
        "https://data.example.go.kr",
        "http://localhost:8080",  # a name: checked on what it resolves to, when connecting
        "http://8.8.8.8/catalog.ttl",
        "http://deadbeef/",
        "http://123.example/",
    ],
)
def test_names_and_public_addresses_pass_when_saved(url: str) -> None:
    assert STRICT.refused_url(url) is None
