"""Settings of the HTTP service itself: where it listens, tokens, upload and rate limits."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator


class ServiceConfig(BaseModel):
    host: str = Field(
        default="127.0.0.1",
        min_length=1,
        max_length=255,
        description="address to listen on; 0.0.0.0 in a container",
    )
    port: int = Field(default=8080, ge=1, le=65535)
    token_ttl_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    max_upload_mb: float = Field(default=10.0, gt=0, le=200, description="largest request body")
    max_photos_per_upload: int = Field(default=10, ge=1, le=100)
    login_per_minute: float = Field(default=10.0, gt=0, le=10_000)
    login_burst: int = Field(default=5, ge=1, le=10_000)
    upload_per_minute: float = Field(default=60.0, gt=0, le=100_000)
    upload_burst: int = Field(default=20, ge=1, le=100_000)
    offer_per_minute: float = Field(default=30.0, gt=0, le=10_000)
    offer_burst: int = Field(default=5, ge=1, le=10_000)
    trusted_proxy: bool = Field(
        default=False,
        description="take the client address from X-Forwarded-For (behind an ingress only)",
    )
    board_photos: bool = Field(
        default=True,
        description="keep a 96 px crop of each person's enrolment photo and show it on the "
        "board's cards; off, none is kept or served (cards show initials) and those kept "
        "before are deleted when the service starts",
    )
    shutdown_timeout_s: float = Field(default=15.0, gt=0, le=300)
    camera_lease_ttl_s: float = Field(
        default=6.0,
        gt=0,
        le=600,
        description="a camera whose process stopped renewing its lease moves after this long",
    )
    camera_lease_renew_s: float = Field(
        default=2.0,
        gt=0,
        le=200,
        description="how often a process renews its camera leases and rebalances the cameras",
    )

    advertise_url: str | None = Field(
        default=None,
        min_length=8,
        max_length=500,
        pattern=r"^https?://[^/\s]+/?$",
        description="how the other replicas reach this one (http://<pod address>:<port>): a "
        "live view of a camera another replica runs is relayed from it; unset, it is refused",
    )

    @model_validator(mode="after")
    def _check_leases(self) -> ServiceConfig:
        # two renewals fit in a lease: one late renewal (a busy loop, a slow query) must not
        # cost a camera
        if self.camera_lease_ttl_s <= 2 * self.camera_lease_renew_s:
            raise ValueError("camera_lease_ttl_s must exceed twice camera_lease_renew_s")
        return self

    @property
    def advertised_address(self) -> str | None:
        return None if self.advertise_url is None else self.advertise_url.rstrip("/")

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)
