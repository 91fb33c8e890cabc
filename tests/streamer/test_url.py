"""Camera URLs: accepted kinds, refused ones, and passwords kept out of sight."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamer.errors import InvalidCameraUrl
from streamer.url import parse_camera_url, redact_url


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("rtsp://10.0.0.5:554/stream1", "rtsp"),
        ("rtsps://cam.school.example/live", "rtsps"),
        ("http://10.0.0.5/video.mjpg", "http"),
        ("https://cam.example/hls/index.m3u8", "https"),
        ("file:///srv/demo/clip.mp4", "file"),
        ("/srv/demo/clip with spaces.mkv", "file"),
        ("RTSP://10.0.0.5/stream", "rtsp"),
    ],
)
def test_supported_urls_are_accepted(url: str, scheme: str) -> None:
    assert parse_camera_url(url).scheme == scheme


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "empty"),
        ("ftp://10.0.0.5/clip.mp4", "unsupported scheme"),
        ("javascript://alert(1)", "unsupported scheme"),
        ("rtsp:///stream", "no host"),
        ("rtsp://10.0.0.5:99999/stream", "invalid port"),
        ("rtsp://10.0.0.5:0/stream", "invalid port"),
        ("rtsp://10.0.0.5/str eam", "spaces or control"),
        ("rtsp://10.0.0.5/" + "a" * 3000, "longer than"),
        ("/srv/clip\x00.mp4", "control characters"),
    ],
)
def test_unusable_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(InvalidCameraUrl, match=reason):
        parse_camera_url(url)


def test_a_password_is_redacted_but_the_user_kept() -> None:
    url = parse_camera_url("rtsp://admin:hunter2@10.0.0.5:554/live")
    assert str(url) == url.redacted == "rtsp://admin:***@10.0.0.5:554/live"
    assert "hunter2" not in repr(url)
    assert redact_url("rtsp://admin:hunter2@10.0.0.5/live") == "rtsp://admin:***@10.0.0.5/live"
    assert redact_url("rtsp://10.0.0.5/live") == "rtsp://10.0.0.5/live"


def test_scrub_removes_the_url_and_its_password_in_any_encoding() -> None:
    url = parse_camera_url("rtsp://admin:p%40ss%2Fw0rd@10.0.0.5/live")
    text = url.scrub(f"failed: '{url.raw}' (password p@ss/w0rd, encoded p%40ss%2Fw0rd)")
    assert "p@ss/w0rd" not in text and "p%40ss%2Fw0rd" not in text
    assert "rtsp://admin:***@10.0.0.5/live" in text


def test_an_invalid_url_error_never_shows_the_password() -> None:
    with pytest.raises(InvalidCameraUrl) as refused:
        parse_camera_url("rtsp://admin:hunter2@10.0.0.5:70000/live")
    assert "hunter2" not in str(refused.value)
    assert "admin:***@" in str(refused.value)


@pytest.mark.parametrize("password", ["1234/abc", "pa#ss", "p?ss", "a/b@c"])
def test_a_password_with_unencoded_delimiters_is_refused_without_showing_it(
    password: str,
) -> None:
    with pytest.raises(InvalidCameraUrl, match="percent-encode") as refused:
        parse_camera_url(f"rtsp://admin:{password}@10.0.0.5/live")
    assert password not in str(refused.value)
    assert str(refused.value).endswith("rtsp://***@10.0.0.5/live")


def test_a_file_url_and_a_bare_path_name_the_same_file() -> None:
    assert parse_camera_url("file:///srv/a%20b.mp4").path == Path("/srv/a b.mp4")
    assert parse_camera_url("/srv/a b.mp4").path == Path("/srv/a b.mp4")
    assert parse_camera_url("file:///srv/me@home.mp4").path == Path("/srv/me@home.mp4")
