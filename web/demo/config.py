"""Settings of the demo (`rollcall serve --demo`): its cast, its video and its class session."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class DemoConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    students: int = Field(default=6, ge=1, le=12, description="faces enrolled into the course")
    strangers: int = Field(default=4, ge=0, le=11, description="faces shown but never enrolled")
    video_width: int = Field(default=1280, ge=320, le=3840, multiple_of=2)
    video_height: int = Field(default=720, ge=240, le=2160, multiple_of=2)
    video_fps: int = Field(default=10, ge=1, le=60)
    video_seconds: float = Field(
        default=40.0, ge=5.0, le=600.0, description="length of the looped demo video"
    )
    grace_minutes: int = Field(
        default=1, ge=0, le=120, description="arrivals later than this after start are late"
    )
    session_hours: float = Field(default=8.0, gt=0.0, le=24.0)
    username: str = Field(default="demo-admin", min_length=1, max_length=64)

    @model_validator(mode="after")
    def _cast_fits_the_photos(self) -> DemoConfig:
        # The three demo photos hold 12 different people with usable faces.
        if self.students + self.strangers > 12:
            raise ValueError(
                f"{self.students} students and {self.strangers} strangers: the demo photos "
                "hold 12 usable faces"
            )
        return self

    @property
    def video_size(self) -> tuple[int, int]:
        return self.video_width, self.video_height
