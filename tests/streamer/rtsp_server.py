"""A real RTSP server for the streamer tests: gst-rtsp-server serving an H.264 .mkv file.

Runs under the system interpreter (`/usr/bin/python3`, which has python3-gi), not the venv:
    /usr/bin/python3 rtsp_server.py --port 8554 --file clip.mkv [--user U --password P]
It serves the file at rtsp://127.0.0.1:PORT/cam in real time (the .mkv carries timestamps,
a raw .264 stream would be sent as fast as the network allows) and prints READY when bound.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

PIPELINE = (
    "( filesrc location={path} ! matroskademux ! h264parse "
    "! rtph264pay name=pay0 pt=96 config-interval=1 )"
)


def build_server(args: argparse.Namespace) -> GstRtspServer.RTSPServer:
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(PIPELINE.format(path=args.file))
    # Each client gets its own pipeline, so every connection starts at the file's beginning.
    factory.set_shared(False)
    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "viewer")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
        server.set_auth(auth)
        factory.add_role_from_structure(
            Gst.Structure.from_string(
                "viewer, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
            )[0]
        )
    server.get_mount_points().add_factory("/cam", factory)
    return server


def die_with_parent(parent_pid: int) -> None:
    """SIGKILL (which also ends a frozen server) when pytest dies without tearing its
    fixtures down. Asked for here, after exec: in the forked child of a threaded pytest,
    Python code before exec can deadlock on a lock another thread held at the fork."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # it died before the request took effect
        sys.exit(1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--file", required=True)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--parent-pid", type=int, help="die with this process")
    args = parser.parse_args()
    if args.parent_pid is not None:
        die_with_parent(args.parent_pid)
    Gst.init(None)
    server = build_server(args)
    if server.attach(None) == 0:
        print(f"could not bind 127.0.0.1:{args.port}", file=sys.stderr, flush=True)
        return 1
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    print("READY", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
