"""Settings of the streamer; the web layer nests this in its Settings (ROLLCALL_STREAMER__...)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class IceServer(BaseModel):
    """A STUN or TURN server for WebRTC peers on real networks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    urls: list[str] = Field(min_length=1)
    username: str | None = None
    credential: str | None = Field(default=None, repr=False)


class StreamerConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    analysis_fps: float | None = Field(
        default=5.0, gt=0, le=120, description="frames per second handed out per camera"
    )
    downscale_width: int | None = Field(
        default=None, ge=64, le=7680, description="decode wider frames down to this width"
    )
    open_timeout_s: float = Field(default=10.0, gt=0, le=300)
    read_timeout_s: float = Field(default=5.0, gt=0, le=300)
    rtsp_transport: Literal["tcp", "udp"] = "tcp"
    probe_size_bytes: int = Field(default=32_768, ge=32, le=50_000_000)
    analyze_duration_s: float = Field(default=0.5, ge=0, le=30)
    backoff_initial_s: float = Field(default=0.5, gt=0, le=60)
    backoff_max_s: float = Field(default=30.0, gt=0, le=3600)
    backoff_multiplier: float = Field(default=2.0, ge=1, le=10)
    backoff_jitter: float = Field(default=0.2, ge=0, lt=1)
    max_failed_attempts: int | None = Field(
        default=None, ge=1, description="consecutive failed connections before giving up"
    )
    ice_servers: list[IceServer] = Field(
        default_factory=list, description="empty: no STUN/TURN, host candidates only"
    )
    webrtc_watchdog_s: float = Field(
        default=10.0, gt=0, le=300, description="close a peer that sent no frame this long"
    )
    max_offer_bytes: int = Field(default=65_536, ge=1024, le=1_048_576)
    max_offer_media: int = Field(default=4, ge=1, le=64)
    max_offer_candidates: int = Field(
        default=32, ge=1, le=1000, description="ICE candidates one offer may list"
    )

    @model_validator(mode="after")
    def _backoff_is_capped_above_start(self) -> StreamerConfig:
        if self.backoff_max_s < self.backoff_initial_s:
            raise ValueError("backoff_max_s must be at least backoff_initial_s")
        return self
