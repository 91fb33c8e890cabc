"""`rollcall bench streamer`: decode cost, WebRTC cost and frame ages, measured here."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import av

from streamer.camera_spec import CameraSpec
from streamer.config import StreamerConfig
from streamer.errors import StreamerError
from streamer.supervisor import Supervisor
from streamer.synthetic import write_h264_clip
from streamer.webrtc.loopback import loopback_candidates_only


@dataclass(frozen=True)
class BenchPlan:
    decode_frames: int = 150
    webrtc_seconds: float = 10.0
    webrtc_codec: str = "VP8"
    webrtc_size: tuple[int, int] = (640, 480)
    webrtc_fps: float = 15.0
    age_seconds: float = 10.0
    slow_consumer_s: float = 0.1  # stands in for a 10 fps analysis step

    @classmethod
    def quick(cls) -> BenchPlan:
        return cls(decode_frames=30, webrtc_seconds=3.0, age_seconds=3.0)


def run_bench(plan: BenchPlan) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="rollcall-bench-") as scratch:
        decode = {
            name: measure_decode(Path(scratch) / f"{name}.mkv", width, height, plan.decode_frames)
            for name, (width, height) in {"720p": (1280, 720), "1080p": (1920, 1080)}.items()
        }
        ages = asyncio.run(measure_frame_ages(Path(scratch) / "age.mkv", plan))
    with loopback_candidates_only():  # both peers run here: meet on 127.0.0.1
        webrtc = asyncio.run(measure_webrtc(plan))
    return {
        "decode_720p_fps_per_core": decode["720p"]["fps_per_cpu_second"],
        "decode_1080p_fps_per_core": decode["1080p"]["fps_per_cpu_second"],
        "decode": decode,
        "webrtc_cpu_per_stream": webrtc["cpu_seconds_per_stream_second"],
        "webrtc": webrtc,
        "frame_age_p50_ms": ages["p50_ms"],
        "frame_age_p99_ms": ages["p99_ms"],
        "frame_age": ages,
    }


def measure_decode(path: Path, width: int, height: int, frames: int) -> dict[str, float]:
    """Decode an H.264 file on one thread: frames per CPU-second and per wall-second,
    and the added cost of converting a frame to BGR."""
    write_h264_clip(path, width, height, 30, frames / 30, keyframe_every=30, preset="veryfast")
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_count = 1  # per-core figure: one decoding thread
        cpu, wall = time.process_time(), time.perf_counter()
        pictures = list(container.decode(stream))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    convert = time.process_time()
    for picture in pictures[:30]:
        picture.to_ndarray(format="bgr24")
    convert = (time.process_time() - convert) / min(30, len(pictures))
    return {
        "frames": len(pictures),
        "fps_per_cpu_second": round(len(pictures) / cpu, 1),
        "wall_fps": round(len(pictures) / wall, 1),
        "bgr_convert_ms": round(convert * 1000, 2),
    }


async def measure_frame_ages(path: Path, plan: BenchPlan) -> dict[str, float]:
    """Ages of handed-out frames when the consumer is slower than the camera."""
    write_h264_clip(path, 640, 480, 30, 5, keyframe_every=30)
    async with Supervisor(StreamerConfig(analysis_fps=None)) as supervisor:
        camera_id = uuid4()
        feed = await supervisor.add_camera(CameraSpec(camera_id, str(path), loop=True))
        ages: list[float] = []
        deadline = time.monotonic() + plan.age_seconds
        async with asyncio.timeout(plan.age_seconds + 30):
            while time.monotonic() < deadline:
                frame = await feed.get()
                ages.append(frame.age())
                await asyncio.sleep(plan.slow_consumer_s)
        status = supervisor.status(camera_id)
    ages.sort()
    return {
        "camera_fps": 30,
        "consumer_fps": round(1 / plan.slow_consumer_s, 1),
        "handed_out": len(ages),
        "dropped": status.frames_dropped,
        "p50_ms": round(1000 * statistics.median(ages), 1),
        "p99_ms": round(1000 * ages[min(len(ages) - 1, int(0.99 * len(ages)))], 1),
        "max_ms": round(1000 * ages[-1], 1),
    }


async def measure_webrtc(plan: BenchPlan) -> dict[str, object]:
    """CPU of this process per second of one live stream from an aiortc peer in another
    process (so the sender's encoding is not counted): receive, decode, hand out."""
    width, height = plan.webrtc_size
    sender = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "streamer.webrtc.synthetic_peer",
        *("--codec", plan.webrtc_codec, "--width", str(width), "--height", str(height)),
        *("--fps", str(plan.webrtc_fps), "--seconds", str(plan.webrtc_seconds + 30)),
        "--loopback",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert sender.stdin is not None and sender.stdout is not None
    try:
        async with Supervisor(StreamerConfig()) as supervisor:
            camera_id = uuid4()
            feed = await supervisor.add_camera(CameraSpec(camera_id))
            offer = json.loads(await asyncio.wait_for(sender.stdout.readline(), 30))
            answer = await supervisor.answer_offer(camera_id, offer["sdp"])
            sender.stdin.write(json.dumps({"type": "answer", "sdp": answer}).encode() + b"\n")
            await sender.stdin.drain()
            async with asyncio.timeout(30):
                await feed.get()  # the first frame: the stream is live
            before = supervisor.status(camera_id).frames_received
            cpu, wall = time.process_time(), time.monotonic()
            handed = 0
            async with asyncio.timeout(plan.webrtc_seconds + 30):
                while time.monotonic() - wall < plan.webrtc_seconds:
                    await feed.get()  # the analysis step itself is not part of this cost
                    handed += 1
            cpu, wall = time.process_time() - cpu, time.monotonic() - wall
            received = supervisor.status(camera_id).frames_received - before
    except (StreamerError, TimeoutError, ValueError) as exc:  # ValueError: no offer line
        return {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        if sender.returncode is None:
            sender.kill()
        await sender.wait()
    return {
        "codec": plan.webrtc_codec,
        "size": f"{width}x{height}",
        "sent_fps": plan.webrtc_fps,
        "received_fps": round(received / wall, 1),
        "handed_out_fps": round(handed / wall, 1),
        "seconds": round(wall, 1),
        "cpu_seconds_per_stream_second": round(cpu / wall, 3),
    }
