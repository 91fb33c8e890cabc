"""A signed-in user's HTTP client: JSON calls that fail the test on an unexpected status."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

REQUEST_TIMEOUT_S = 60.0  # enrolment runs the models on a loaded 2-core machine
# when the people these tests enrol consented to face recognition (nobody is enrolled without)
CONSENTED = "2026-09-01T08:00:00+00:00"


@dataclass(frozen=True)
class ApiClient:
    http: aiohttp.ClientSession
    url: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def call(self, method: str, path: str, *, expect: int = 200, **kwargs: Any) -> Any:
        """The JSON answer (None for an empty one) of `method path`; the status must be
        `expect`, else the test fails showing the error body."""
        headers = {**self.headers, **kwargs.pop("headers", {})}
        async with self.http.request(
            method, f"{self.url}{path}", headers=headers, **kwargs
        ) as response:
            body = await response.read()
            assert response.status == expect, (
                f"{method} {path}: {response.status}, not {expect}: {body[:2000]!r}"
            )
            return await response.json() if body else None

    async def enrol(self, person_id: str, photos: tuple[Path, ...]) -> list[dict[str, Any]]:
        """Upload the photos as the person's enrolment; each must give one template."""
        form = aiohttp.FormData()
        for photo in photos:
            form.add_field(
                "photo", photo.read_bytes(), filename=photo.name, content_type="image/jpeg"
            )
        answer = await self.call("POST", f"/api/people/{person_id}/photos", data=form, expect=201)
        templates: list[dict[str, Any]] = answer["templates"]
        assert len(templates) == len(photos)
        return templates


@asynccontextmanager
async def signed_in(url: str, username: str, password: str) -> AsyncIterator[ApiClient]:
    """Sign in through POST /api/auth/login; the client uses the bearer token it returns."""
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        async with http.post(
            f"{url}/api/auth/login", json={"username": username, "password": password}
        ) as response:
            body = await response.json()
            assert response.status == 200, body
        yield ApiClient(http, url, body["token"])
