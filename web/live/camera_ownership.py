"""Which cameras this process runs, when several share them: leases in PostgreSQL.

Every `renew_s` the process renews its leases (with what it sees of each camera, for the
others to show), stops at once any camera whose lease it lost, and looks at the whole: while
it holds fewer than its fair share (ceil(enabled cameras / live processes)) it claims free
cameras, and while it holds more it gives one back per look, so a second process spreads the
cameras and a dead one's cameras move once its leases expire. A single process owns them all,
claimed at start-up. A browser camera is pinned to the process its peer connection reaches:
`take_over` moves the lease there, and balancing never moves one that has a live peer.

The generation of each lease claimed here is kept (`lease_generation`), also after the camera
was lost: the attendance writes of a camera carry it, and PostgreSQL refuses those whose frames
were seen after another process's lease began (store/attendance.py). Between losing a camera
and the next renewal saying so (up to `renew_s`, or for as long as the database is out of
reach) this process may still analyse the camera; what it decides then is never written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from uuid import UUID

from store.camera_leases import CameraLease, CameraLeases, CameraReport, LeaseOverview
from store.cameras import CameraKind
from store.errors import StoreError
from store.events import Event, EventKind
from streamer.status import CameraState
from web.live.camera_sync import CameraSync
from web.telemetry.metrics import Metrics

logger = logging.getLogger(__name__)

# What this process sees of a camera it holds, for the lease row.
Reporter = Callable[[UUID], CameraReport]

# A browser camera taken over for an offer stays put this long even before its peer is live:
# balancing must not give it away while the browser is still connecting to this process.
TAKEN_OVER_PIN_S = 30.0


def new_holder() -> str:
    """A name for this process's leases: the host (a pod's name), the pid, and a nonce so a
    restarted process never mistakes its predecessor's leases for its own."""
    return f"{socket.gethostname()[:150]}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass(frozen=True)
class ReportedState:
    """The last state a camera's holder announced on the change feed (camera.status)."""

    state: str
    error: str | None
    at: datetime  # database time of the announcement


class CameraOwnership:
    """`async with CameraOwnership(...)`: claims this process's share on entry, keeps the
    leases while inside, and on exit stops the cameras it runs and gives every lease back."""

    def __init__(
        self,
        leases: CameraLeases,
        cameras: CameraSync,
        report: Reporter,
        metrics: Metrics,
        *,
        ttl_s: float,
        renew_s: float,
        holder: str | None = None,
        address: str | None = None,
    ) -> None:
        self.holder = holder or new_holder()
        self.address = address  # where the other processes reach this one (None: nowhere)
        self._leases = leases
        self._cameras = cameras
        self._report = report
        self._metrics = metrics
        self._ttl_s = ttl_s
        self._renew_s = renew_s
        self._overview: LeaseOverview | None = None
        self._announced: dict[UUID, ReportedState] = {}
        self._free_since: dict[UUID, float] = {}  # monotonic time a camera was first seen free
        self._taken_over: dict[UUID, float] = {}  # monotonic time of each take-over
        self._generations: dict[UUID, int] = {}  # the lease generation last held, per camera
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.ticks = 0

    # -- life ----------------------------------------------------------------------------

    async def __aenter__(self) -> CameraOwnership:
        # claimed now, not a tick later: a single process starts its cameras at once
        await self.tick()
        self._task = asyncio.create_task(self._run(), name="live-camera-ownership")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
        # stopped before released: another process must not run a camera this one still reads
        await self._cameras.stop_all()
        try:
            async with asyncio.timeout(self._renew_s):
                released = await self._leases.leave(self.holder)
        except Exception as error:  # whatever it is, shutdown goes on: the leases expire
            logger.warning(
                "camera leases not released at shutdown, they expire in %.0f s: %s",
                self._ttl_s,
                error,
                extra={"holder": self.holder},
            )
            return
        logger.info("camera leases released", extra={"holder": self.holder, "released": released})

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._renew_s):
                    await self._wake.wait()
            self._wake.clear()
            try:
                # a tick past a lease's end lets the leases expire while the cameras run on
                # here (many claimed at once after a process died, each start refreshing the
                # session contexts); cut short, the next tick renews first and claims on
                async with asyncio.timeout(self._ttl_s - self._renew_s):
                    await self.tick()
            except (StoreError, TimeoutError) as error:
                # the cameras go on: with the database away nobody can take them over, and
                # the first renewal once it is back says which ones were lost meanwhile
                if isinstance(error, TimeoutError):
                    # a whole lease minus one renewal has passed: renew now, not a pause later
                    self._wake.set()
                logger.warning(
                    "camera leases not renewed, or the cameras not balanced: %r",
                    error,
                    extra={"holder": self.holder},
                )
            except Exception:
                # a bug, kept loud; but renewing must go on, or every camera here moves away
                logger.exception("camera ownership tick failed", extra={"holder": self.holder})

    # -- one look ------------------------------------------------------------------------

    async def tick(self) -> None:
        """Renew, stop what was lost, then claim up to the fair share or give one back."""
        held = self._cameras.held()
        # bounded: a renewal stuck on a busy pool or a dead connection (command_timeout_s is
        # far longer than a lease) would let the leases expire while the cameras run on here
        # and another process claims them; the next tick tries again
        async with asyncio.timeout(self._ttl_s - self._renew_s):
            kept = await self._leases.renew(
                self.holder,
                [self._report(camera_id) for camera_id in held],
                self._ttl_s,
                address=self.address,
            )
        for camera_id in held - kept:
            logger.warning(
                "camera lease lost to another process, camera stopped here",
                extra={"camera_id": str(camera_id), "holder": self.holder},
            )
        await self._each(self._cameras.let_go, held - kept)
        async with asyncio.timeout(self._ttl_s - self._renew_s):
            overview = await self._leases.overview()
        self._overview = overview
        for camera_id in self._announced.keys() - overview.cameras.keys():
            del self._announced[camera_id]  # disabled or deleted
        # pruned by age, not by what is held: a take-over still waiting for its lease must
        # keep its pin (and its entry) while this tick runs
        now = time.monotonic()
        self._taken_over = {
            c: at for c, at in self._taken_over.items() if now - at < TAKEN_OVER_PIN_S
        }
        await self._balance(overview)
        self._metrics.cameras_held.set(len(self._cameras.held()))
        self.ticks += 1

    async def _balance(self, overview: LeaseOverview) -> None:
        held = self._cameras.held()
        gone = held - overview.cameras.keys()  # disabled or deleted meanwhile
        await self._each(self._cameras.let_go, gone)
        if gone:
            await self._leases.release(self.holder, gone)
        held &= overview.cameras.keys()
        for camera_id in self._generations.keys() - overview.cameras.keys():
            del self._generations[camera_id]
        share = overview.share()
        free = overview.free()
        wanted = list(dict.fromkeys(free[: max(share - len(held), 0)] + self._orphans(free)))
        if wanted:
            claimed = await self._leases.claim(self.holder, wanted, self._ttl_s)
            self._generations.update(claimed)  # before the cameras run: their writes carry it
            await self._each(self._cameras.hold, claimed)
        elif len(held) > share and overview.under_share() > 0:
            # only when some process would take it: given back to nobody, it would come back
            # here as an orphan and be given back again, restarting over and over
            await self._give_back_one(held, overview)

    async def _each(
        self, change: Callable[[UUID], Awaitable[None]], camera_ids: Iterable[UUID]
    ) -> None:
        """Hold or let go of each camera. CameraSync starts or stops a camera before it tells
        the rest of the runtime, so a failure there (the database away while the session
        contexts refresh) must not leave the cameras after it claimed but not run, or lost
        but still running here."""
        for camera_id in sorted(camera_ids):
            try:
                await change(camera_id)
            except Exception:
                logger.exception(
                    "camera not fully started or stopped here",
                    extra={"camera_id": str(camera_id), "holder": self.holder},
                )

    def _orphans(self, free: list[UUID]) -> list[UUID]:
        """Cameras free for longer than a lease lasts: the process counts that should have
        taken them were stale (a process just gone, or one that stopped claiming), so any
        process takes them, and balancing evens the shares out later."""
        now = time.monotonic()
        self._free_since = {c: self._free_since.get(c, now) for c in free}
        return [c for c, since in self._free_since.items() if now - since > self._ttl_s]

    async def _give_back_one(self, held: set[UUID], overview: LeaseOverview) -> None:
        movable = sorted(c for c in held if not self._pinned(c, overview))
        if not movable:
            return
        camera_id = movable[-1]
        await self._cameras.let_go(camera_id)
        await self._leases.release(self.holder, [camera_id])
        logger.info(
            "camera given back for another process to run (over this process's share)",
            extra={"camera_id": str(camera_id), "holder": self.holder, "share": overview.share()},
        )

    def _pinned(self, camera_id: UUID, overview: LeaseOverview) -> bool:
        """A browser camera with a live peer (or one whose browser is connecting after a
        take-over) stays where the browser's connection is."""
        if overview.cameras.get(camera_id) != CameraKind.WEBRTC.value:
            return False
        taken = self._taken_over.get(camera_id)
        if taken is not None and time.monotonic() - taken < TAKEN_OVER_PIN_S:
            return True
        return self._report(camera_id).state == CameraState.LIVE.value

    # -- moves asked from outside --------------------------------------------------------

    def wake(self) -> None:
        """Look now rather than at the next tick (a camera was added or enabled)."""
        self._wake.set()

    async def take_over(self, camera_id: UUID) -> bool:
        """Hold and run the camera here, whoever held it; False when it is gone or disabled."""
        self._taken_over[camera_id] = time.monotonic()
        # asked of the database even for a camera held here: another process may have taken
        # it over since this one's last renewal, which would then stop it under the new peer
        generation = await self._leases.take_over(self.holder, camera_id, self._ttl_s)
        if generation is None:
            self._taken_over.pop(camera_id, None)
            return False
        self._generations[camera_id] = generation
        if camera_id not in self._cameras.held():
            logger.info(
                "camera taken over: its browser reached this process",
                extra={"camera_id": str(camera_id), "holder": self.holder},
            )
            await self._cameras.hold(camera_id)
        return True

    async def on_event(self, event: Event) -> None:
        if event.kind == EventKind.CAMERA_CHANGED:
            self.wake()
        elif event.kind == EventKind.CAMERA_STATUS:
            self._announced[UUID(event.payload["camera_id"])] = ReportedState(
                event.payload["state"], event.payload.get("error"), event.created_at
            )

    # -- what this process writes under ---------------------------------------------------

    def lease_generation(self, camera_id: UUID) -> int | None:
        """The generation of the camera's lease this process holds, or held last (a lost
        camera's writes must carry the old one, to be refused); None if it never held it."""
        return self._generations.get(camera_id)

    # -- what the others run -------------------------------------------------------------

    def lease_of(self, camera_id: UUID) -> CameraLease | None:
        """The camera's lease at the last look (None before the first, or when unleased)."""
        return None if self._overview is None else self._overview.leases.get(camera_id)

    def address_of(self, holder: str) -> str | None:
        """Where the live process `holder` said the others reach it, at the last look."""
        return None if self._overview is None else self._overview.addresses.get(holder)

    def reported_state(self, camera_id: UUID) -> ReportedState | None:
        """The newest the camera's holder said of its state: its last announcement on the
        change feed, or its last lease renewal, whichever came later."""
        announced = self._announced.get(camera_id)
        lease = self.lease_of(camera_id)
        if announced is not None and lease is not None and announced.at < lease.acquired_at:
            announced = None  # said by a previous holder: not what the new one runs
        renewed = None
        if lease is not None and lease.report is not None:
            renewed = ReportedState(lease.report.state, lease.report.error, lease.renewed_at)
        if announced is None or (renewed is not None and renewed.at >= announced.at):
            return renewed
        return announced
