"""The stored cameras, supervised: the enabled ones this process holds run here, changes
follow the change feed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from uuid import UUID

from store.cameras import Camera, CameraKind
from store.database import Database
from store.errors import NotFound
from store.events import Event, EventKind
from store.pagination import read_every_page
from streamer.camera_spec import CameraSpec
from streamer.errors import InvalidCameraSpec, InvalidCameraUrl, UnknownCamera
from streamer.supervisor import Supervisor

logger = logging.getLogger(__name__)


# Called after a camera was added, changed, or (camera None) removed.
CameraChanged = Callable[[UUID, Camera | None], Awaitable[None]]


def camera_spec(camera: Camera) -> CameraSpec:
    """What the streamer runs for a stored camera: InvalidCameraUrl/Spec when unusable.

    The URL carries the password (the reader needs it); CameraSpec keeps it out of its repr,
    and the streamer's errors and logs show it redacted.
    """
    url = None if camera.kind is CameraKind.WEBRTC else camera.connection_url()
    # a file camera is a recording standing in for a live one: it plays on, looping
    return CameraSpec(camera.id, url, loop=camera.kind is CameraKind.FILE)


class CameraSync:
    """Keeps the supervisor's cameras equal to the enabled cameras this process holds.

    Mirrors every enabled camera of the database (so any camera can be described, wherever
    it runs), and runs those whose lease this process holds: CameraOwnership says which with
    `hold` and `let_go`. Knows each running camera's stored record (name, room), so the
    runtime can tell which cameras watch a room. Cameras whose stored URL the streamer refuses
    are kept aside with the reason, and reported as failed.
    """

    def __init__(
        self, database: Database, supervisor: Supervisor, on_change: CameraChanged
    ) -> None:
        self._database = database
        self._supervisor = supervisor
        self._on_change = on_change
        self._stored: dict[UUID, Camera] = {}  # every enabled camera
        self._held: set[UUID] = set()  # leases held here: the cameras to run
        self._cameras: dict[UUID, Camera] = {}  # running here (or refused by the streamer)
        self._refused: dict[UUID, str] = {}
        self.loaded = False

    # -- reading -------------------------------------------------------------------------

    def camera(self, camera_id: UUID) -> Camera | None:
        """The camera if this process runs it."""
        return self._cameras.get(camera_id)

    def cameras(self) -> list[Camera]:
        """The cameras this process runs."""
        return list(self._cameras.values())

    def stored(self, camera_id: UUID) -> Camera | None:
        """The enabled camera, wherever it runs."""
        return self._stored.get(camera_id)

    def stored_cameras(self) -> list[Camera]:
        """Every enabled camera, wherever it runs."""
        return list(self._stored.values())

    def held(self) -> set[UUID]:
        return set(self._held)

    def refused(self, camera_id: UUID) -> str | None:
        """Why the streamer would not run this camera, or None."""
        return self._refused.get(camera_id)

    def room_of(self, camera_id: UUID) -> UUID | None:
        camera = self._cameras.get(camera_id)
        return None if camera is None else camera.room_id

    def in_room(self, room_id: UUID) -> list[Camera]:
        return [c for c in self._cameras.values() if c.room_id == room_id]

    def rooms(self) -> set[UUID]:
        return {c.room_id for c in self._cameras.values() if c.room_id is not None}

    # -- what this process holds ---------------------------------------------------------

    async def hold(self, camera_id: UUID) -> None:
        """This process holds the camera's lease now: run it (if it is enabled)."""
        self._held.add(camera_id)
        camera = self._stored.get(camera_id)
        if camera is None or camera_id in self._cameras:
            return
        await self._start(camera)
        await self._on_change(camera_id, camera)

    async def let_go(self, camera_id: UUID) -> None:
        """The lease is given up or lost: stop running the camera here."""
        self._held.discard(camera_id)
        if camera_id not in self._cameras:
            return
        await self._stop(camera_id)
        await self._on_change(camera_id, None)

    async def stop_all(self) -> None:
        """Stop every camera run here, before the leases are given up at shutdown (all at
        once: each waits for its reader to end)."""
        self._held.clear()
        await asyncio.gather(*(self._stop(camera_id) for camera_id in list(self._cameras)))

    # -- following the database ----------------------------------------------------------

    async def load(self) -> None:
        """Read every enabled camera; those held are started by `hold`."""
        for camera in await read_every_page(partial(self._database.cameras.list, enabled=True)):
            self._stored[camera.id] = camera
        self.loaded = True
        logger.info("cameras loaded", extra={"cameras": len(self._stored)})

    async def on_event(self, event: Event) -> None:
        if event.kind == EventKind.CAMERA_CHANGED:
            await self.refresh(UUID(event.payload["camera_id"]))

    async def refresh(self, camera_id: UUID) -> None:
        """Bring one camera in line with its stored record (added, changed, disabled, gone)."""
        try:
            stored: Camera | None = await self._database.cameras.get(camera_id)
        except NotFound:
            stored = None
        if stored is None or not stored.enabled:
            self._stored.pop(camera_id, None)
        else:
            self._stored[camera_id] = stored
        known = self._cameras.get(camera_id)
        if stored is None or not stored.enabled:
            if known is not None:
                await self._stop(camera_id)
                await self._on_change(camera_id, None)
            return
        if camera_id not in self._held:
            return  # another process runs it, or will
        if known is None:
            await self._start(stored)
        elif _source_changed(known, stored):
            await self._restart(stored)
        else:
            self._cameras[camera_id] = stored  # name or room: no need to reconnect
        await self._on_change(camera_id, stored)

    async def _start(self, camera: Camera) -> None:
        self._cameras[camera.id] = camera
        try:
            spec = camera_spec(camera)
        except (InvalidCameraUrl, InvalidCameraSpec) as error:
            self._refused[camera.id] = str(error)
            logger.error(
                "camera refused: %s",
                error,
                extra={"camera_id": str(camera.id), "error": str(error)},
            )
            return
        self._refused.pop(camera.id, None)
        await self._supervisor.add_camera(spec)

    async def _restart(self, camera: Camera) -> None:
        if camera.id in self._refused:
            await self._start(camera)
            return
        try:
            spec = camera_spec(camera)
        except (InvalidCameraUrl, InvalidCameraSpec):
            await self._stop(camera.id)
            await self._start(camera)  # records why
            return
        self._cameras[camera.id] = camera
        await self._supervisor.update_camera(spec)

    async def _stop(self, camera_id: UUID) -> None:
        self._cameras.pop(camera_id, None)
        if self._refused.pop(camera_id, None) is not None:
            return
        with contextlib.suppress(UnknownCamera):  # already gone
            await self._supervisor.remove_camera(camera_id)


def _source_changed(old: Camera, new: Camera) -> bool:
    return (old.kind, old.url, old.password) != (new.kind, new.url, new.password)
