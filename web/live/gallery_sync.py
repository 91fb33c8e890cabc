"""This process's gallery, kept equal to the stored templates of the analyzer's model pack."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from functools import partial
from typing import TypeVar
from uuid import UUID

from recognizer.gallery import Gallery
from recognizer.presence.engine import PresenceEngine
from recognizer.templates import Template
from store.database import Database
from store.errors import NotFound
from store.events import Event, EventKind
from store.pagination import read_every_page
from store.templates import TemplateMatrix
from web.live.people_directory import PeopleDirectory
from web.telemetry.metrics import Metrics

logger = logging.getLogger(__name__)

T = TypeVar("T")


class GallerySync:
    """Loads every template of the pack at start, then follows the change feed: templates
    added and deleted, bulk imports (reload), erasures and (de)activations.

    Gallery writes (index inserts, rebuilds) are CPU work and run on the executor. Ids in
    the gallery are the stored UUIDs; only the event payloads carry them as text.
    """

    def __init__(
        self,
        database: Database,
        gallery: Gallery,
        engine: PresenceEngine,
        people: PeopleDirectory,
        model_pack: str,
        executor: Executor,
        metrics: Metrics,
    ) -> None:
        self._database = database
        self._gallery = gallery
        self._engine = engine
        self._people = people
        self._model_pack = model_pack
        self._executor = executor
        self._metrics = metrics
        self.loaded = False

    async def load(self) -> None:
        """Make the gallery hold exactly the stored templates of active people."""
        matrix = await self._database.templates.load_matrix(self._model_pack)
        await self._run(_replace_all, self._gallery, matrix)
        self.loaded = True
        self._count()
        logger.info(
            "gallery loaded",
            extra={"templates": len(matrix), "model_pack": self._model_pack},
        )

    async def on_event(self, event: Event) -> None:
        payload = event.payload
        match event.kind:
            case EventKind.TEMPLATE_ADDED if payload.get("model_pack") == self._model_pack:
                await self._add_template(UUID(payload["template_id"]))
            case EventKind.TEMPLATE_DELETED:
                await self._run(self._gallery.remove_templates, [UUID(payload["template_id"])])
            case EventKind.TEMPLATES_IMPORTED if payload.get("model_pack") == self._model_pack:
                await self.load()
            case EventKind.PERSON_ERASED:
                person_id = UUID(payload["person_id"])
                await self._remove_person(person_id)
                self._people.forget(person_id)
            case EventKind.PERSON_UPDATED:
                person_id = UUID(payload["person_id"])
                self._people.forget(person_id)  # a new name is read on demand
                if payload.get("active") is False:
                    await self._remove_person(person_id)
                else:
                    await self._reload_person(person_id)
            case _:
                return
        self._count()

    async def _add_template(self, template_id: UUID) -> None:
        try:
            stored = await self._database.templates.get(template_id)
        except NotFound:
            return  # deleted again meanwhile: its deletion event follows
        person_id = stored.person_id
        if any(t.template_id == template_id for t in self._gallery.templates_of(person_id)):
            return  # already added (e.g. by the enrolment request in this process)
        template = Template(template_id, person_id, stored.embedding)
        await self._run(self._gallery.add, person_id, [template])

    async def _remove_person(self, person_id: UUID) -> None:
        # the engine first: from then on no vote counts them, whatever the gallery still says
        self._engine.forget_person(person_id)
        await self._run(self._gallery.remove_person, person_id)

    async def _reload_person(self, person_id: UUID) -> None:
        stored = await read_every_page(partial(self._database.templates.list_for_person, person_id))
        templates = [
            Template(t.id, person_id, t.embedding)
            for t in stored
            if t.model_pack == self._model_pack
        ]
        await self._run(self._gallery.replace, person_id, templates)

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def _count(self) -> None:
        self._metrics.gallery_templates.set(len(self._gallery))


def _replace_all(gallery: Gallery, matrix: TemplateMatrix) -> None:
    """Give the gallery exactly the matrix's templates, person by person (a reload keeps
    answering searches throughout), then compact an index that had entries removed."""
    reloading = len(gallery) > 0
    wanted: dict[UUID, list[Template]] = {}
    for template_id, person_id, row in zip(
        matrix.template_ids, matrix.person_ids, matrix.embeddings, strict=True
    ):
        wanted.setdefault(person_id, []).append(Template(template_id, person_id, row))
    for gone in set(gallery.person_ids()) - set(wanted):
        gallery.remove_person(gone)
    for person, templates in wanted.items():
        current = {t.template_id for t in gallery.templates_of(person)}
        if current != {t.template_id for t in templates}:
            gallery.replace(person, templates)
    if reloading:
        gallery.rebuild_index()
