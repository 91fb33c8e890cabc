"""Camera descriptions and streamer settings refuse what cannot work."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from streamer import CameraSpec, InvalidCameraSpec, InvalidCameraUrl, StreamerConfig
from tests.ids import uid

CAM = uid("cam")


def test_the_kind_follows_from_the_url() -> None:
    assert CameraSpec(uid("a")).kind == "webrtc"
    assert CameraSpec(uid("b"), "rtsp://10.0.0.5/live").kind == "url"
    assert CameraSpec(uid("c"), "/srv/demo.mp4").kind == "file"


@pytest.mark.parametrize("camera_id", [str(CAM), "cam-1", CAM.int, None])
def test_a_camera_id_is_the_stores_uuid_never_its_text(camera_id: object) -> None:
    with pytest.raises(InvalidCameraSpec, match="must be a UUID"):
        CameraSpec(camera_id)  # type: ignore[arg-type]


def test_a_spec_never_shows_its_password() -> None:
    spec = CameraSpec(CAM, "rtsp://admin:hunter2@10.0.0.5/live")
    assert "hunter2" not in repr(spec)
    assert spec.redacted_url == "rtsp://admin:***@10.0.0.5/live"


def test_a_bad_url_is_refused_when_the_spec_is_made() -> None:
    with pytest.raises(InvalidCameraUrl):
        CameraSpec(CAM, "gopher://10.0.0.5/live")


def test_an_analysis_rate_must_be_sensible() -> None:
    with pytest.raises(InvalidCameraSpec):
        CameraSpec(CAM, analysis_fps=0)


def test_settings_refuse_contradictions_and_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        StreamerConfig(backoff_initial_s=10, backoff_max_s=1)
    with pytest.raises(ValidationError):
        StreamerConfig(analysis_fps=-1)
    with pytest.raises(ValidationError):
        StreamerConfig.model_validate({"stimeout": 5})
    assert StreamerConfig().ice_servers == []
