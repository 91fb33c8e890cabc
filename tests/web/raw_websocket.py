"""A WebSocket client on a bare socket that reads only when asked to.

What it has not read stays in the kernel's buffers, not in this process's memory, so it acts
as a client that stopped reading, and memory traced in the test's process is the server's.
It speaks just enough RFC 6455 for that: the handshake, masked text frames out, unfragmented
frames in (text, close, and the server's pings, which it ignores).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import socket
import struct
from dataclasses import dataclass, field

TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


def frame(text: str) -> bytes:
    """One masked text frame, as a client must send it."""
    payload = text.encode()
    mask = os.urandom(4)
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | TEXT, 0x80 | size)
    elif size < 2**16:
        header = struct.pack("!BBH", 0x80 | TEXT, 0x80 | 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | TEXT, 0x80 | 127, size)
    masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
    return header + mask + masked


@dataclass
class Ending:
    """What a client read once it started reading: the text messages, then how it ended."""

    messages: list[str] = field(default_factory=list)
    close_code: int | None = None  # None: no close frame came (the connection was cut)


class RawWebSocket:
    def __init__(self, sock: socket.socket, leftover: bytes) -> None:
        self._sock = sock
        self._buffer = bytearray(leftover)

    @classmethod
    async def connect(cls, host: str, port: int, path: str, token: str) -> RawWebSocket:
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        await loop.sock_connect(sock, (host, port))
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n"
        )
        await loop.sock_sendall(sock, request.encode())
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = await loop.sock_recv(sock, 4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            received += chunk
        head, _, leftover = received.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            sock.close()
            raise ConnectionError(f"not upgraded: {status.decode(errors='replace')}")
        return cls(sock, leftover)

    async def send(self, *texts: str) -> None:
        """The messages as text frames, in one write."""
        await asyncio.get_running_loop().sock_sendall(self._sock, b"".join(map(frame, texts)))

    async def next_text(self, timeout_s: float) -> str:
        """The next text message (ConnectionError if the connection closes first)."""
        async with asyncio.timeout(timeout_s):
            while True:
                opcode, payload = await self._next_frame()
                if opcode == TEXT:
                    return payload.decode()
                if opcode == CLOSE:
                    raise ConnectionError("the server closed the WebSocket")

    async def read_to_the_end(self, timeout_s: float) -> Ending:
        """Read until the server's close frame, the connection's end, or `timeout_s`."""
        ending = Ending()
        with contextlib.suppress(TimeoutError, ConnectionError):
            async with asyncio.timeout(timeout_s):
                while True:
                    opcode, payload = await self._next_frame()
                    if opcode == TEXT:
                        ending.messages.append(payload.decode())
                    elif opcode == CLOSE:
                        ending.close_code = struct.unpack("!H", payload[:2])[0] if payload else 0
                        return ending
        return ending

    def close(self) -> None:
        self._sock.close()

    async def _next_frame(self) -> tuple[int, bytes]:
        while True:
            head = await self._take(2)
            opcode, size = head[0] & 0x0F, head[1] & 0x7F
            if size == 126:
                size = struct.unpack("!H", await self._take(2))[0]
            elif size == 127:
                size = struct.unpack("!Q", await self._take(8))[0]
            payload = await self._take(size)  # a server's frames are not masked
            if opcode not in (PING, PONG):
                return opcode, payload

    async def _take(self, size: int) -> bytes:
        loop = asyncio.get_running_loop()
        while len(self._buffer) < size:
            chunk = await loop.sock_recv(self._sock, 256 * 1024)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self._buffer += chunk
        taken = bytes(self._buffer[:size])
        del self._buffer[:size]
        return taken
