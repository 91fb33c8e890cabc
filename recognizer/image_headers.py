"""Image format and size read from the first bytes, before anything is allocated for pixels.

OpenCV allocates whatever a header claims (up to 2^30 pixels) before it finds the data short,
so a 50-byte file claiming 60000x60000 px would cost gigabytes; reading the header first lets
the caller refuse it. Only the formats Rollcall accepts are known here.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from recognizer.errors import ImageError

ACCEPTED_FORMATS = "JPEG, PNG, WebP or BMP"

_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}
_JPEG_SOS = 0xDA
_JPEG_EOI = b"\xff\xd9"
# Real files have tens of segments before their image data; a stream of thousands of
# two-byte markers is only a way to keep this parser busy.
_JPEG_MAX_SEGMENTS = 1000
_NOT_FILL = re.compile(rb"[^\xff]")  # a marker code: the first byte after 0xFF fill bytes


@dataclass(frozen=True)
class ImageHeader:
    format: str
    width: int
    height: int


def read_header(data: bytes) -> ImageHeader:
    """Format and size of an encoded image; ImageError when unknown, truncated or malformed."""
    if not data:
        raise ImageError("empty image: 0 bytes")
    try:
        if data.startswith(b"\xff\xd8\xff"):
            return _jpeg(data)
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            return _png(data)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp(data)
        if data.startswith(b"BM"):
            return _bmp(data)
    except (struct.error, IndexError) as error:
        raise ImageError(f"truncated or malformed image header ({len(data)} bytes)") from error
    raise ImageError(f"not a {ACCEPTED_FORMATS} image (first bytes {data[:8]!r})")


def _jpeg(data: bytes) -> ImageHeader:
    size: tuple[int, int] | None = None
    pos = 2
    for _ in range(_JPEG_MAX_SEGMENTS):
        # Skip a bad stream's stray bytes to the next marker, then its fill bytes, in C: a
        # byte-by-byte Python loop spent ~5 s of a core on a 60 MB upload of garbage.
        pos = data.find(b"\xff", pos)
        code = _NOT_FILL.search(data, pos) if pos >= 0 else None
        if code is None:
            raise IndexError("no JPEG marker before the end of the data")
        pos = code.start()
        marker = data[pos]
        pos += 1
        if marker in _JPEG_STANDALONE:
            continue
        if marker == _JPEG_SOS:
            break
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[pos + 3 : pos + 7])
            size = (width, height)
        pos += length
    else:
        raise ImageError(f"malformed JPEG: no image data within {_JPEG_MAX_SEGMENTS} markers")
    if size is None:
        raise ImageError("malformed JPEG: image data starts before any frame header")
    if data.rfind(_JPEG_EOI) < pos:
        raise ImageError(f"truncated JPEG: no end-of-image marker ({len(data)} bytes)")
    return ImageHeader("JPEG", *size)


def _png(data: bytes) -> ImageHeader:
    if data[12:16] != b"IHDR":
        raise ImageError("malformed PNG: first chunk is not IHDR")
    width, height = struct.unpack(">II", data[16:24])
    if b"IEND" not in data[-64:]:
        raise ImageError(f"truncated PNG: no IEND chunk ({len(data)} bytes)")
    return ImageHeader("PNG", width, height)


def _webp(data: bytes) -> ImageHeader:
    (riff_size,) = struct.unpack("<I", data[4:8])
    if riff_size + 8 > len(data):
        raise ImageError(f"truncated WebP: {len(data)} of {riff_size + 8} bytes")
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
    elif chunk == b"VP8L":
        (bits,) = struct.unpack("<I", data[21:25])
        width, height = 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    elif chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        width, height = width & 0x3FFF, height & 0x3FFF
    else:
        raise ImageError(f"malformed WebP: unknown chunk {chunk!r}")
    return ImageHeader("WebP", width, height)


def _bmp(data: bytes) -> ImageHeader:
    (file_size,) = struct.unpack("<I", data[2:6])
    if file_size > len(data):
        raise ImageError(f"truncated BMP: {len(data)} of {file_size} bytes")
    width, height = struct.unpack("<ii", data[18:26])
    return ImageHeader("BMP", abs(width), abs(height))
