"""The synthetic sending peer as a separate process, restricted to 127.0.0.1 like the tests.

    python loopback_peer.py --codec VP8 --seconds 60
A test kills this process to play a browser that dies without closing its connection.
"""

from __future__ import annotations

import aioice.ice

from streamer.webrtc import synthetic_peer


def loopback_only(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    return ["127.0.0.1"] if use_ipv4 else []


if __name__ == "__main__":
    aioice.ice.get_host_addresses = loopback_only
    synthetic_peer.main()
