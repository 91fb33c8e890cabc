"""Video in: cameras (WebRTC, RTSP, files) to newest-frame slots.

async with Supervisor(StreamerConfig()) as supervisor:
    feed = await supervisor.add_camera(CameraSpec(room_camera_id, "rtsp://..."))
    async with asyncio.timeout(5):
        frame = await feed.get()               # newest frame, BGR numpy array
    frames = await newest_frames(feeds, 0.2)   # each camera's waiting frame, or the first to come
    answer = await supervisor.answer_offer(browser_camera_id, offer_sdp)
    supervisor.statuses()                      # CameraStatus per camera

Cameras are keyed by `CameraId` (the store's UUID), used as given.
"""

from streamer.camera_spec import CameraSpec
from streamer.config import IceServer, StreamerConfig
from streamer.errors import (
    CameraAlreadyExists,
    CameraClosed,
    InvalidCameraSpec,
    InvalidCameraUrl,
    NotABrowserCamera,
    SignallingError,
    StreamerError,
    UnknownCamera,
)
from streamer.feed import CameraFeed
from streamer.frame import Frame
from streamer.ids import CameraId
from streamer.status import CameraState, CameraStatus
from streamer.supervisor import Supervisor

__all__ = [
    "CameraAlreadyExists",
    "CameraClosed",
    "CameraFeed",
    "CameraId",
    "CameraSpec",
    "CameraState",
    "CameraStatus",
    "Frame",
    "IceServer",
    "InvalidCameraSpec",
    "InvalidCameraUrl",
    "NotABrowserCamera",
    "SignallingError",
    "StreamerConfig",
    "StreamerError",
    "Supervisor",
    "UnknownCamera",
]
