"""Peers on one machine can be told to meet on 127.0.0.1, and only for as long as asked."""

from __future__ import annotations

import aioice.ice

from streamer.webrtc.loopback import loopback_candidates_only


def test_inside_the_block_only_loopback_is_offered() -> None:
    with loopback_candidates_only():
        assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True) == ["127.0.0.1"]
        assert aioice.ice.get_host_addresses(use_ipv4=False, use_ipv6=True) == []


def test_after_the_block_aioice_gathers_its_own_addresses_again() -> None:
    original = aioice.ice.get_host_addresses
    with loopback_candidates_only():
        pass
    assert aioice.ice.get_host_addresses is original
    assert "127.0.0.1" not in aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False)
