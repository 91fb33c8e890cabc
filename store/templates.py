"""Face templates: float32 embeddings per person, tagged with the model pack that made them.

A gallery is always loaded for one model pack: embeddings of different packs live in different
spaces and must never be compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg
import numpy as np

from store.audit import append_audit
from store.errors import InvalidValue, NotFound, translated_errors
from store.events import EventKind, append_event
from store.pagination import DEFAULT_PAGE_SIZE, Page, build_page, check_page
from store.portraits import put_portrait
from store.repository import Connection, Repository

_COLUMNS = "id, person_id, model_pack, dim, embedding, quality, source, created_at"
_LOAD_CHUNK = 5000  # rows per round trip when loading a gallery (about 10 MiB at 512-d)
# The templates of a gallery: one model pack, active people, optionally one course's roster.
_GALLERY = """
FROM face_templates t JOIN people p ON p.id = t.person_id
WHERE t.model_pack = $1
  AND ($2::boolean = false OR p.active)
  AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM course_people c
                                   WHERE c.course_id = $3 AND c.person_id = t.person_id))
"""


@dataclass(frozen=True)
class FaceTemplate:
    id: UUID
    person_id: UUID
    model_pack: str
    dim: int
    embedding: np.ndarray = field(repr=False, compare=False)  # (dim,) float32
    quality: float
    source: str
    created_at: datetime


@dataclass(frozen=True)
class TemplateMatrix:
    """Every template of one model pack, row-aligned: what a gallery is built from."""

    model_pack: str
    template_ids: tuple[UUID, ...]
    person_ids: tuple[UUID, ...]
    embeddings: np.ndarray = field(repr=False, compare=False)  # (n, dim) float32

    def __len__(self) -> int:
        return len(self.template_ids)


def _as_bytes(embedding: np.ndarray) -> tuple[bytes, int]:
    vector = np.asarray(embedding)
    if vector.ndim != 1 or vector.size == 0:
        raise InvalidValue(f"an embedding must be a non-empty vector, got shape {vector.shape}")
    if not np.all(np.isfinite(vector)):
        raise InvalidValue("an embedding must hold finite numbers only")
    return vector.astype("<f4", copy=False).tobytes(), int(vector.size)


def _template(row: asyncpg.Record) -> FaceTemplate:
    values = dict(row)
    values["embedding"] = np.frombuffer(values["embedding"], dtype="<f4")
    return FaceTemplate(**values)


class Templates(Repository):
    async def add(
        self,
        person_id: UUID,
        embedding: np.ndarray,
        *,
        model_pack: str,
        quality: float = 0.0,
        source: str = "upload",
        actor: str = "system",
    ) -> FaceTemplate:
        """Store one embedding; InvalidReference when the person does not exist."""
        (template,) = await self.add_set(
            person_id, [(embedding, quality)], model_pack=model_pack, source=source, actor=actor
        )
        return template

    async def add_set(
        self,
        person_id: UUID,
        faces: Sequence[tuple[np.ndarray, float]],
        *,
        model_pack: str,
        source: str = "upload",
        actor: str = "system",
        portrait: tuple[int, bytes] | None = None,
    ) -> list[FaceTemplate]:
        """Store a person's embeddings (each with its quality) in one transaction, each
        audited and announced: all of them, or none when one is refused. `portrait` is
        (index in `faces`, JPEG): the person's portrait from that face's photo, replacing any."""
        encoded = [(*_as_bytes(embedding), quality) for embedding, quality in faces]
        if portrait is not None and not 0 <= portrait[0] < len(encoded):
            raise InvalidValue(f"portrait of face {portrait[0]} but {len(encoded)} face(s) given")
        templates = []
        async with self._transaction() as connection:
            for data, dim, quality in encoded:
                row = await connection.fetchrow(
                    f"INSERT INTO face_templates (person_id, model_pack, dim, embedding, quality,"
                    f" source) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_COLUMNS}",
                    person_id,
                    model_pack,
                    dim,
                    data,
                    quality,
                    source,
                )
                assert row is not None
                await append_audit(
                    connection,
                    actor=actor,
                    action="template.add",
                    entity_type="person",
                    entity_id=person_id,
                    details={"template_id": str(row["id"]), "model_pack": model_pack},
                )
                await append_event(
                    connection,
                    EventKind.TEMPLATE_ADDED,
                    {
                        "template_id": str(row["id"]),
                        "person_id": str(person_id),
                        "model_pack": model_pack,
                    },
                )
                templates.append(_template(row))
            if portrait is not None:
                index, image = portrait
                await put_portrait(connection, person_id, templates[index].id, image)
        return templates

    async def add_many(
        self,
        rows: list[tuple[UUID, np.ndarray]],
        *,
        model_pack: str,
        source: str = "import",
    ) -> int:
        """Bulk import, announced by one event for the whole import rather than one per row:
        the galleries of the pack reload when they hear it."""
        async with self._transaction() as connection:
            return len(await copy_templates(connection, rows, model_pack=model_pack, source=source))

    async def get(self, template_id: UUID) -> FaceTemplate:
        row = await self._fetchrow(
            f"SELECT {_COLUMNS} FROM face_templates WHERE id = $1", template_id
        )
        if row is None:
            raise NotFound("face template", template_id)
        return _template(row)

    async def list_for_person(
        self, person_id: UUID, *, limit: int = DEFAULT_PAGE_SIZE, offset: int = 0
    ) -> Page[FaceTemplate]:
        check_page(limit, offset)
        rows = await self._fetch(
            f"SELECT {_COLUMNS} FROM face_templates WHERE person_id = $1"
            " ORDER BY created_at, id LIMIT $2 OFFSET $3",
            person_id,
            limit + 1,
            offset,
        )
        return build_page(rows, limit, offset, _template)

    async def delete(self, template_id: UUID, *, actor: str = "system") -> None:
        async with self._transaction() as connection:
            row = await connection.fetchrow(
                "DELETE FROM face_templates WHERE id = $1 RETURNING person_id, model_pack",
                template_id,
            )
            if row is None:
                raise NotFound("face template", template_id)
            await append_audit(
                connection,
                actor=actor,
                action="template.delete",
                entity_type="person",
                entity_id=row["person_id"],
                details={"template_id": str(template_id)},
            )
            await append_event(
                connection,
                EventKind.TEMPLATE_DELETED,
                {
                    "template_id": str(template_id),
                    "person_id": str(row["person_id"]),
                    "model_pack": row["model_pack"],
                },
            )

    async def load_matrix(
        self, model_pack: str, *, course_id: UUID | None = None, active_only: bool = True
    ) -> TemplateMatrix:
        """All templates of `model_pack` (of one course's roster when given) as one matrix.

        Counts first, then streams the rows in chunks straight into a preallocated float32
        array (one snapshot for both), so memory peaks at the matrix plus one chunk rather than
        three copies of it. Rows come unsorted: sorting 100k rows of 2 KiB spills to disk. A
        pack with mixed dimensions is refused rather than silently mixed.
        """
        with translated_errors():
            async with (
                self._pool.acquire() as connection,
                connection.transaction(isolation="repeatable_read", readonly=True),
            ):
                shape = await connection.fetchrow(
                    f"SELECT count(*) AS n, min(t.dim) AS low, max(t.dim) AS high {_GALLERY}",
                    model_pack,
                    active_only,
                    course_id,
                )
                assert shape is not None
                if shape["low"] != shape["high"]:
                    raise InvalidValue(
                        f"model pack {model_pack!r} mixes dims {shape['low']} and {shape['high']}"
                    )
                embeddings = np.empty((shape["n"], shape["low"] or 0), dtype=np.float32)
                template_ids: list[UUID] = []
                person_ids: list[UUID] = []
                cursor = await connection.cursor(
                    f"SELECT t.id, t.person_id, t.embedding {_GALLERY}",
                    model_pack,
                    active_only,
                    course_id,
                )
                while rows := await cursor.fetch(_LOAD_CHUNK):
                    start = len(template_ids)
                    block = np.frombuffer(b"".join(row["embedding"] for row in rows), "<f4")
                    embeddings[start : start + len(rows)] = block.reshape(len(rows), -1)
                    template_ids.extend(row["id"] for row in rows)
                    person_ids.extend(row["person_id"] for row in rows)
        return TemplateMatrix(
            model_pack=model_pack,
            template_ids=tuple(template_ids),
            person_ids=tuple(person_ids),
            embeddings=embeddings,
        )


async def copy_templates(
    connection: Connection,
    rows: Sequence[tuple[UUID, np.ndarray]],
    *,
    model_pack: str,
    source: str,
) -> list[UUID]:
    """`Templates.add_many` in the caller's transaction; the new templates' ids, in order
    (made here, as COPY returns nothing, so the caller can refer to them)."""
    records = [(uuid4(), pid, *_as_bytes(vec)) for pid, vec in rows]
    with_pack = [(tid, pid, model_pack, dim, data, 0.0, source) for tid, pid, data, dim in records]
    await connection.copy_records_to_table(
        "face_templates",
        records=with_pack,
        columns=["id", "person_id", "model_pack", "dim", "embedding", "quality", "source"],
    )
    await append_event(
        connection,
        EventKind.TEMPLATES_IMPORTED,
        {"model_pack": model_pack, "count": len(with_pack)},
    )
    return [record[0] for record in records]
