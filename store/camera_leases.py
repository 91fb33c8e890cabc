"""Camera leases: which service process runs each camera, with PostgreSQL as the only referee.

A lease row names the one holder of a camera until `expires_at`; every statement that hands a
lease over is a single INSERT ... ON CONFLICT DO UPDATE ... WHERE (expired or mine), so two
holders racing for a camera can never both be told it is theirs. Expiry is always reckoned in
database time (now()), never on the clock of a process. Each process also keeps a row in
`service_instances` alive, so every process can tell how many share the cameras (and where
to reach each one that advertises an address).

A holder is any short text that is unique per running process (host name, pid, a nonce).

Each change of hands gives the lease a new generation, higher than any before it, and the
database remembers when each generation's term began: the holder stamps its attendance writes
with the generation it holds, and a write whose frame was seen after a newer term of its camera
had begun is refused (store/attendance.py), so a holder that lost a camera without knowing yet
(frozen, cut off from the database) cannot write that camera's decisions under the old lease.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

import asyncpg

from store.errors import InvalidValue
from store.repository import Repository, affected

# Instances gone this long are forgotten: their rows only served to count the living.
_FORGET_INSTANCES_AFTER = "1 hour"

# The update of a lease row that changes hands (or is renewed by its own holder): the holder's
# report of the camera is only kept when the holder stays the same. A new holder gets the
# generation drawn for the row proposed (excluded: the sequence's next value), which a trigger
# records as the start of a new term (migration 0004).
_HAND_OVER = """
    ON CONFLICT (camera_id) DO UPDATE SET
        holder = excluded.holder,
        expires_at = excluded.expires_at,
        renewed_at = now(),
        acquired_at = CASE WHEN camera_leases.holder = excluded.holder
                           THEN camera_leases.acquired_at ELSE now() END,
        generation = CASE WHEN camera_leases.holder = excluded.holder
                          THEN camera_leases.generation ELSE excluded.generation END,
        state = CASE WHEN camera_leases.holder = excluded.holder
                     THEN camera_leases.state END,
        error = CASE WHEN camera_leases.holder = excluded.holder
                     THEN camera_leases.error END
"""


@dataclass(frozen=True)
class CameraReport:
    """What the holder saw of a camera when it renewed the lease: shown by the other
    processes, which do not run it."""

    camera_id: UUID
    state: str
    error: str | None = None
    analysis_fps: float = 0.0
    frames_received: int = 0
    frames_dropped: int = 0
    last_frame_age_s: float | None = None


@dataclass(frozen=True)
class CameraLease:
    camera_id: UUID
    holder: str
    generation: int  # raised each time the camera changes hands (one sequence for all)
    acquired_at: datetime
    renewed_at: datetime
    expires_in_s: float  # database time; zero or less once expired
    report: CameraReport | None  # None until the holder's first renewal
    report_age_s: float  # how long ago (database time) the holder reported

    @property
    def live(self) -> bool:
        return self.expires_in_s > 0


@dataclass(frozen=True)
class LeaseOverview:
    """One look at the sharing: the enabled cameras (id -> kind), their leases, the live
    instances, and the addresses of those that advertise one (holder -> URL)."""

    cameras: dict[UUID, str]
    leases: dict[UUID, CameraLease]
    instances: int
    addresses: dict[str, str] = field(default_factory=dict)

    def share(self) -> int:
        """The cameras each live instance aims at: ceil(enabled cameras / live instances)."""
        return math.ceil(len(self.cameras) / max(self.instances, 1))

    def free(self) -> list[UUID]:
        """Enabled cameras nobody holds (never leased, released, or expired), oldest first."""
        return [
            camera_id
            for camera_id in self.cameras
            if camera_id not in self.leases or not self.leases[camera_id].live
        ]

    def under_share(self) -> int:
        """Live instances holding fewer cameras than their share (those holding none
        included): the ones that would take a camera given back."""
        share = self.share()
        counts = Counter(lease.holder for lease in self.leases.values() if lease.live)
        return max(self.instances - sum(n >= share for n in counts.values()), 0)

    def held_by(self, holder: str) -> set[UUID]:
        return {c for c, lease in self.leases.items() if lease.holder == holder and lease.live}


def _check(holder: str, ttl_s: float) -> None:
    if not 1 <= len(holder) <= 200:
        raise InvalidValue("a lease holder is 1 to 200 characters")
    if not ttl_s > 0:
        raise InvalidValue("a lease lasts more than 0 s")


def _lease(row: asyncpg.Record) -> CameraLease:
    report = None
    if row["state"] is not None:
        report = CameraReport(
            camera_id=row["camera_id"],
            state=row["state"],
            error=row["error"],
            analysis_fps=float(row["analysis_fps"]),
            frames_received=row["frames_received"],
            frames_dropped=row["frames_dropped"],
            last_frame_age_s=row["last_frame_age_s"],
        )
    return CameraLease(
        camera_id=row["camera_id"],
        holder=row["holder"],
        generation=row["generation"],
        acquired_at=row["acquired_at"],
        renewed_at=row["renewed_at"],
        expires_in_s=float(row["expires_in_s"]),
        report=report,
        report_age_s=float(row["report_age_s"]),
    )


_LEASE_COLUMNS = """
    l.camera_id, l.holder, l.generation, l.acquired_at, l.renewed_at,
    extract(epoch FROM l.expires_at - now()) AS expires_in_s,
    extract(epoch FROM now() - l.renewed_at) AS report_age_s,
    l.state, l.error, l.analysis_fps, l.frames_received, l.frames_dropped, l.last_frame_age_s
"""


class CameraLeases(Repository):
    async def claim(self, holder: str, camera_ids: Iterable[UUID], ttl_s: float) -> dict[UUID, int]:
        """Take the leases of these enabled cameras that are free, expired or already ours;
        returns the ones now held, with their generation (the others stay with their live
        holder)."""
        _check(holder, ttl_s)
        rows = await self._fetch(
            "INSERT INTO camera_leases (camera_id, holder, expires_at)"
            " SELECT id, $1, now() + make_interval(secs => $3) FROM cameras"
            " WHERE id = ANY($2::uuid[]) AND enabled"
            f" {_HAND_OVER}"
            " WHERE camera_leases.expires_at <= now() OR camera_leases.holder = excluded.holder"
            " RETURNING camera_id, generation",
            holder,
            list(camera_ids),
            ttl_s,
        )
        return {row["camera_id"]: row["generation"] for row in rows}

    async def take_over(self, holder: str, camera_id: UUID, ttl_s: float) -> int | None:
        """Take the camera's lease whoever holds it (a browser's peer connection reached this
        holder); returns its generation, None when the camera is gone or disabled. The
        previous holder learns it lost the camera at its next renewal, and its writes of
        frames seen from now on are refused meanwhile."""
        _check(holder, ttl_s)
        generation = await self._fetchval(
            "INSERT INTO camera_leases (camera_id, holder, expires_at)"
            " SELECT id, $1, now() + make_interval(secs => $3) FROM cameras"
            " WHERE id = $2 AND enabled"
            f" {_HAND_OVER}"
            " RETURNING generation",
            holder,
            camera_id,
            ttl_s,
        )
        return None if generation is None else int(generation)

    async def renew(
        self,
        holder: str,
        reports: Sequence[CameraReport],
        ttl_s: float,
        *,
        address: str | None = None,
    ) -> set[UUID]:
        """Say this holder is alive (and where the others reach it, when it says) and extend
        the leases it still holds, with what it sees of each camera; returns the cameras
        still held. A camera missing from the answer was taken over, or its row is gone with
        the camera: stop running it."""
        _check(holder, ttl_s)
        if address is not None and not 1 <= len(address) <= 500:
            raise InvalidValue("an instance's address is 1 to 500 characters")
        async with self._transaction() as connection:
            await connection.execute(
                "INSERT INTO service_instances (holder, expires_at, address)"
                " VALUES ($1, now() + make_interval(secs => $2), $3)"
                " ON CONFLICT (holder) DO UPDATE"
                " SET heartbeat_at = now(), expires_at = excluded.expires_at,"
                " address = excluded.address",
                holder,
                ttl_s,
                address,
            )
            await connection.execute(
                "DELETE FROM service_instances"
                f" WHERE expires_at < now() - interval '{_FORGET_INSTANCES_AFTER}'"
            )
            if not reports:
                return set()
            # not "AND expires_at > now()": an expired lease still ours was taken by nobody,
            # and the row lock makes this update and a rival's claim one-after-the-other
            rows = await connection.fetch(
                "UPDATE camera_leases AS l SET"
                " expires_at = now() + make_interval(secs => $2), renewed_at = now(),"
                " state = r.state, error = r.error, analysis_fps = r.fps,"
                " frames_received = r.received, frames_dropped = r.dropped,"
                " last_frame_age_s = r.age"
                " FROM unnest($3::uuid[], $4::text[], $5::text[], $6::float8[], $7::bigint[],"
                " $8::bigint[], $9::float8[]) AS r(camera_id, state, error, fps, received,"
                " dropped, age)"
                " WHERE l.camera_id = r.camera_id AND l.holder = $1"
                " RETURNING l.camera_id",
                holder,
                ttl_s,
                [r.camera_id for r in reports],
                [r.state for r in reports],
                [r.error for r in reports],
                [r.analysis_fps for r in reports],
                [r.frames_received for r in reports],
                [r.frames_dropped for r in reports],
                [r.last_frame_age_s for r in reports],
            )
        return {row["camera_id"] for row in rows}

    async def release(self, holder: str, camera_ids: Iterable[UUID]) -> int:
        """Give these leases up now (the camera was stopped here); returns how many were
        still this holder's."""
        status = await self._execute(
            "DELETE FROM camera_leases WHERE holder = $1 AND camera_id = ANY($2::uuid[])",
            holder,
            list(camera_ids),
        )
        return affected(status)

    async def leave(self, holder: str) -> int:
        """A graceful exit: every lease of the holder released and the holder no longer
        counted, so the others take its cameras at once. Returns the leases released."""
        async with self._transaction() as connection:
            status = await connection.execute("DELETE FROM camera_leases WHERE holder = $1", holder)
            await connection.execute("DELETE FROM service_instances WHERE holder = $1", holder)
        return affected(status)

    async def overview(self) -> LeaseOverview:
        async with self._transaction() as connection:
            cameras = await connection.fetch(
                "SELECT id, kind FROM cameras WHERE enabled ORDER BY created_at, id"
            )
            leases = await connection.fetch(
                f"SELECT {_LEASE_COLUMNS} FROM camera_leases l"
                " JOIN cameras c ON c.id = l.camera_id WHERE c.enabled"
            )
            instances = await connection.fetch(
                "SELECT holder, address FROM service_instances WHERE expires_at > now()"
            )
        return LeaseOverview(
            cameras={row["id"]: row["kind"] for row in cameras},
            leases={row["camera_id"]: _lease(row) for row in leases},
            instances=len(instances),
            addresses={row["holder"]: row["address"] for row in instances if row["address"]},
        )

    async def of_camera(self, camera_id: UUID) -> CameraLease | None:
        row = await self._fetchrow(
            f"SELECT {_LEASE_COLUMNS} FROM camera_leases l WHERE l.camera_id = $1", camera_id
        )
        return None if row is None else _lease(row)
