"""Readable ids for tests: `uid("ada")` is the same UUID on every call, as the store's ids are
UUIDs everywhere; the name only makes the test read well."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

_NAMESPACE = uuid5(NAMESPACE_URL, "https://rollcall.test/ids")


def uid(name: str) -> UUID:
    return uuid5(_NAMESPACE, name)
