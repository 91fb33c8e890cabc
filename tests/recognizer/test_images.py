"""Decoding untrusted image bytes: clear errors or correct frames, never a crash or a blow-up."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from recognizer.errors import ImageError
from recognizer.images import decode_image, load_image


def _encode(ext: str, image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(ext, image)
    assert ok
    return data.tobytes()


@pytest.fixture(scope="module")
def jpeg(faces_dir: Path) -> bytes:
    return (faces_dir / "deepface" / "img2.jpg").read_bytes()


def test_a_real_jpeg_decodes_to_bgr_uint8(jpeg: bytes) -> None:
    frame = decode_image(jpeg)
    assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3


def test_empty_bytes_are_refused_as_empty() -> None:
    with pytest.raises(ImageError, match="empty"):
        decode_image(b"")


def test_a_truncated_jpeg_is_refused_as_truncated(jpeg: bytes) -> None:
    with pytest.raises(ImageError, match="truncated"):
        decode_image(jpeg[: len(jpeg) // 2])


def test_a_jpeg_cut_inside_its_header_is_refused(jpeg: bytes) -> None:
    with pytest.raises(ImageError, match="truncated or malformed"):
        decode_image(jpeg[:40])


def test_a_truncated_png_is_refused_as_truncated() -> None:
    data = _encode(".png", np.full((64, 64, 3), 200, np.uint8))
    with pytest.raises(ImageError, match="truncated"):
        decode_image(data[: len(data) - 20])


def test_bytes_that_are_no_image_are_refused_naming_the_accepted_formats() -> None:
    with pytest.raises(ImageError, match="not a JPEG, PNG, WebP or BMP image"):
        decode_image(b"<html><body>404 not found</body></html>")


def test_a_one_pixel_image_is_refused_as_too_small() -> None:
    with pytest.raises(ImageError, match="1x1 px"):
        decode_image(_encode(".png", np.zeros((1, 1, 3), np.uint8)))


def _png_claiming(width: int, height: int) -> bytes:
    """A syntactically valid PNG header claiming a huge size, with almost no pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    body = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = b"IDAT" + zlib.compress(b"\x00" * 16)
    body += struct.pack(">I", len(idat) - 4) + idat + struct.pack(">I", zlib.crc32(idat))
    end = b"IEND"
    body += struct.pack(">I", 0) + end + struct.pack(">I", zlib.crc32(end))
    return b"\x89PNG\r\n\x1a\n" + body


def test_an_absurd_size_in_the_header_is_refused_before_allocating() -> None:
    # 60000 x 60000 x 3 would be 10 GB; the refusal must come from the header alone.
    with pytest.raises(ImageError, match="60000x60000 px, over the"):
        decode_image(_png_claiming(60000, 60000))


def test_an_absurd_jpeg_header_is_refused_before_allocating() -> None:
    jpeg = _encode(".jpg", np.full((64, 64, 3), 90, np.uint8))
    frame_header = jpeg.index(b"\xff\xc0")  # baseline start-of-frame: length, depth, h, w
    forged = bytearray(jpeg)
    forged[frame_header + 5 : frame_header + 9] = struct.pack(">HH", 65000, 65000)
    with pytest.raises(ImageError, match="65000x65000 px"):
        decode_image(bytes(forged))


def test_a_size_limit_can_be_set_per_call(jpeg: bytes) -> None:
    with pytest.raises(ImageError, match="pixel limit"):
        decode_image(jpeg, max_pixels=1000)


def test_a_grayscale_image_becomes_three_equal_channels() -> None:
    grey = np.tile(np.arange(64, dtype=np.uint8) * 4, (48, 1))
    frame = decode_image(_encode(".png", grey))
    assert frame.shape == (48, 64, 3)
    assert np.array_equal(frame[..., 0], grey) and np.array_equal(frame[..., 2], grey)


def test_an_rgba_image_drops_its_alpha_and_keeps_its_colours() -> None:
    rgba = np.zeros((32, 40, 4), np.uint8)
    rgba[..., 0] = 255  # blue in OpenCV's BGRA order
    rgba[..., 3] = 128
    frame = decode_image(_encode(".png", rgba))
    assert frame.shape == (32, 40, 3)
    assert (frame[..., 0] == 255).all() and (frame[..., 1:] == 0).all()


def test_a_16_bit_image_is_scaled_to_8_bits_not_clipped() -> None:
    deep = np.full((24, 24, 3), 40000, np.uint16)
    frame = decode_image(_encode(".png", deep))
    assert frame.dtype == np.uint8
    assert (frame == 40000 >> 8).all()


@pytest.mark.parametrize("ext", [".bmp", ".webp", ".png"])
def test_other_accepted_formats_decode_to_the_same_pixels(ext: str) -> None:
    image = np.random.default_rng(1).integers(0, 255, (40, 56, 3), dtype=np.uint8)
    ok, data = cv2.imencode(ext, image, [cv2.IMWRITE_WEBP_QUALITY, 101] if ext == ".webp" else [])
    assert ok
    assert np.array_equal(decode_image(data.tobytes()), image)


def test_random_garbage_after_a_valid_signature_never_crashes() -> None:
    rng = np.random.default_rng(7)
    for signature in (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"BM", b"RIFF\x00\x00\x00\x00WEBP"):
        for length in (0, 5, 30, 300):
            data = signature + rng.integers(0, 256, length, dtype=np.uint8).tobytes()
            with pytest.raises(ImageError):
                decode_image(data)


def test_load_image_names_the_file_in_its_errors(tmp_path: Path) -> None:
    path = tmp_path / "broken.jpg"
    path.write_bytes(b"not really a jpeg")
    with pytest.raises(ImageError, match=r"broken\.jpg"):
        load_image(path)
    with pytest.raises(ImageError, match=r"missing\.jpg: cannot read"):
        load_image(tmp_path / "missing.jpg")


@pytest.mark.parametrize(
    "body",
    [b"\x00" * (8 << 20), b"\xff" * (8 << 20), b"\x01\xff" * (4 << 20)],
    ids=["stray bytes", "fill bytes", "endless markers"],
)
def test_megabytes_of_jpeg_garbage_are_refused(body: bytes) -> None:
    with pytest.raises(ImageError, match=r"truncated|malformed"):
        decode_image(b"\xff\xd8\xff" + body)
