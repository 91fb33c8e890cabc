"""The video codecs a browser camera may use."""

from __future__ import annotations

from aiortc import RTCRtpCodecCapability, RTCRtpReceiver

# VP8 first: every browser has it and it needs no profile negotiation; H.264 for devices
# that only encode that. rtx stays so retransmissions still work.
PREFERRED_VIDEO = ("video/VP8", "video/H264", "video/rtx")


def preferred_video_codecs() -> list[RTCRtpCodecCapability]:
    capabilities = RTCRtpReceiver.getCapabilities("video")
    if capabilities is None:  # aiortc without video: no preference, its own defaults stand
        return []
    return [
        codec
        for mime in PREFERRED_VIDEO
        for codec in capabilities.codecs
        if codec.mimeType.lower() == mime.lower()
    ]
