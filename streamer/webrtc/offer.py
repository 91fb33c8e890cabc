"""Checks on a browser's SDP offer before any peer connection is built from it."""

from __future__ import annotations

from aiortc.sdp import SessionDescription

from streamer.config import StreamerConfig
from streamer.errors import SignallingError

SENDING_DIRECTIONS = frozenset({"sendonly", "sendrecv"})
RECEIVABLE_CODECS = frozenset({"video/vp8", "video/h264"})


def validate_offer(sdp: str, sdp_type: str, config: StreamerConfig) -> SessionDescription:
    """Parse an offer, refusing with SignallingError anything a camera would not send:
    oversized, not an offer, unparseable, too many media sections or ICE candidates, or not
    exactly one video section that sends."""
    if sdp_type != "offer":
        raise SignallingError(f"expected an SDP offer, got type {sdp_type[:20]!r}")
    if not isinstance(sdp, str) or not sdp.strip():
        raise SignallingError("the SDP offer is empty")
    size = len(sdp.encode("utf-8", errors="replace"))
    if size > config.max_offer_bytes:
        raise SignallingError(f"the SDP offer is {size} bytes, over {config.max_offer_bytes}")
    if not sdp.lstrip().startswith("v=0"):
        raise SignallingError("not an SDP offer: it must start with 'v=0'")
    # Counted before parsing so that a hostile offer never reaches the parser's loops.
    sections = sum(1 for line in sdp.splitlines() if line.startswith("m="))
    if sections > config.max_offer_media:
        raise SignallingError(
            f"the SDP offer has {sections} media sections, at most {config.max_offer_media}"
        )
    # Each candidate is an address this server sends ICE checks to: an offer listing
    # hundreds would aim the server's traffic at hosts of the sender's choosing.
    candidates = sum(1 for line in sdp.splitlines() if line.startswith("a=candidate:"))
    if candidates > config.max_offer_candidates:
        raise SignallingError(
            f"the SDP offer lists {candidates} ICE candidates, at most "
            f"{config.max_offer_candidates}"
        )
    try:
        description = SessionDescription.parse(sdp)
    except Exception as exc:  # the parser signals bad input with assorted exception types
        raise SignallingError(f"the SDP offer cannot be parsed: {type(exc).__name__}") from exc
    videos = [media for media in description.media if media.kind == "video"]
    if len(videos) != 1:
        raise SignallingError(f"the SDP offer must carry one video stream, not {len(videos)}")
    video = videos[0]
    if video.direction not in SENDING_DIRECTIONS:
        raise SignallingError(f"the offer's video is {video.direction}: it sends nothing")
    offered = {codec.mimeType.lower() for codec in video.rtp.codecs}
    if not offered & RECEIVABLE_CODECS:
        names = ", ".join(sorted(name.removeprefix("video/") for name in offered)) or "none"
        raise SignallingError(f"the offer's video codecs ({names}) include neither VP8 nor H.264")
    if video.ice is None or not video.ice.usernameFragment or not video.ice.password:
        raise SignallingError("the SDP offer lacks ICE credentials (a=ice-ufrag, a=ice-pwd)")
    if video.dtls is None or not video.dtls.fingerprints:
        raise SignallingError("the SDP offer lacks a DTLS fingerprint")
    return description
