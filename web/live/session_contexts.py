"""Which class runs in each watched room now, told to the presence engine per camera."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from uuid import UUID

from recognizer.presence.context import ClassContext
from recognizer.presence.engine import PresenceEngine
from store.attendance import SIGHTED
from store.database import Database
from store.errors import NotFound, StoreError
from store.events import Event, EventKind
from store.pagination import read_every_page
from store.sessions import ClassSession
from web.live.camera_sync import CameraSync
from web.telemetry.metrics import Metrics

logger = logging.getLogger(__name__)

REFRESH_INTERVAL_S = 15.0  # a scheduled session starts without any event: look again this often


class SessionContexts:
    """Per room, the session whose schedule covers now and its roster, as the ClassContext of
    each camera of the room.

    When a session is first attached to a camera, the people the database already has as
    seen (present or late) are marked reported in the engine first, so a restarted process
    sends no second present event.

    A room whose session is of a course with recognition off gets no context, its cameras'
    tracks are dropped and `analyses` says no for them: the analysis loop hands none of their
    frames to the engine. A session of such a course that starts within the next refresh
    interval counts already, so that no frame of it is analysed while waiting for the clock.
    """

    def __init__(
        self,
        database: Database,
        engine: PresenceEngine,
        cameras: CameraSync,
        metrics: Metrics,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._database = database
        self._engine = engine
        self._cameras = cameras
        self._metrics = metrics
        self._clock = clock
        self._sessions: dict[UUID, ClassSession] = {}  # room -> its session now
        self._unanalysed: set[UUID] = set()  # rooms whose session's course has recognition off
        self._lookahead = timedelta(seconds=REFRESH_INTERVAL_S)

    def session_of_room(self, room_id: UUID | None) -> ClassSession | None:
        return None if room_id is None else self._sessions.get(room_id)

    def session_of_camera(self, camera_id: UUID) -> ClassSession | None:
        return self.session_of_room(self._cameras.room_of(camera_id))

    def analyses(self, camera_id: UUID) -> bool:
        """Whether the camera's frames may be analysed: not while its room's session (now, or
        starting before the next refresh) is of a course with recognition off."""
        room_id = self._cameras.room_of(camera_id)
        return room_id is None or room_id not in self._unanalysed

    def open_sessions(self) -> list[ClassSession]:
        return list({s.id: s for s in self._sessions.values()}.values())

    async def follow_schedule(self, interval_s: float = REFRESH_INTERVAL_S) -> None:
        """Forever: look again every `interval_s`, since a scheduled session begins (and
        ends) by the clock alone, with no event."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.refresh_all()
            except StoreError as error:
                logger.warning("session refresh failed, next try later: %s", error)

    async def on_event(self, event: Event) -> None:
        if event.kind in (
            EventKind.SESSION_CHANGED,
            EventKind.ROSTER_CHANGED,
            EventKind.COURSE_CHANGED,
        ):
            await self.refresh_all()

    async def refresh_all(self) -> None:
        """Look up every watched room's session (and roster) again."""
        for camera in self._cameras.cameras():
            if camera.room_id is None:  # in no room (any more): no class to count for
                self._engine.set_context(camera.id, None)
        for room_id in self._cameras.rooms() | set(self._sessions) | self._unanalysed:
            await self.refresh_room(room_id)

    async def refresh_room(self, room_id: UUID | None) -> None:
        if room_id is None:
            return
        cameras = self._cameras.in_room(room_id)
        session = upcoming = None
        if cameras:
            now = self._clock()
            session = await self._database.sessions.current_in_room(room_id, now)
            if session is None:
                upcoming = await self._database.sessions.current_in_room(
                    room_id, now + self._lookahead
                )
        watched = session or upcoming
        if watched is not None and not await self._recognition(watched.course_id):
            self._unanalysed.add(room_id)
            if session is None:
                self._sessions.pop(room_id, None)
            else:
                self._sessions[room_id] = session  # still the room's session, marked by hand
            for camera in cameras:
                self._engine.forget_camera(camera.id)  # no context, no tracks: no face data
            self._metrics.sessions_open.set(len(self.open_sessions()))
            return
        self._unanalysed.discard(room_id)
        if session is None:
            self._sessions.pop(room_id, None)
            for camera in cameras:
                self._engine.set_context(camera.id, None)
        else:
            self._sessions[room_id] = session
            context = ClassContext(
                session_id=session.id,
                roster=frozenset(await self._roster(session.course_id)),
                late_after=session.late_after,
                starts_at=session.scheduled_start,
            )
            for camera in cameras:
                await self._attach(camera.id, context)
        self._metrics.sessions_open.set(len(self.open_sessions()))

    def detach_camera(self, camera_id: UUID) -> None:
        """A camera that stopped or moved: its old room may have no camera left."""
        self._engine.forget_camera(camera_id)
        for room_id in list(self._sessions):
            if not self._cameras.in_room(room_id):
                self._sessions.pop(room_id)
        self._metrics.sessions_open.set(len(self.open_sessions()))

    async def _attach(self, camera_id: UUID, context: ClassContext) -> None:
        current = self._engine.context(camera_id)
        if current is None or current.session_id != context.session_id:
            # before the context: from then on the engine may report the session's people
            self._engine.mark_reported(context.session_id, await self._seen(context.session_id))
            logger.info(
                "class session running in the camera's room",
                extra={"camera_id": str(camera_id), "session_id": str(context.session_id)},
            )
        self._engine.set_context(camera_id, context)

    async def _recognition(self, course_id: UUID) -> bool:
        try:
            return (await self._database.courses.get(course_id)).recognition
        except NotFound:  # deleted meanwhile: its sessions went with it
            return True

    async def _roster(self, course_id: UUID) -> list[UUID]:
        roster = await read_every_page(partial(self._database.courses.roster, course_id))
        return [p.id for p in roster]

    async def _seen(self, session_id: UUID) -> list[UUID]:
        """People the database already has as present or late in the session."""
        records = await read_every_page(
            partial(self._database.attendance.list_for_session, session_id)
        )
        return [
            r.person_id
            for r in records
            if r.person_id is not None and (r.status in SIGHTED or r.first_seen is not None)
        ]
