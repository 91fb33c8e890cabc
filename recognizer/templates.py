"""Enrolled face templates: one embedding of one person, and the checks every gallery applies.

Person and template ids are the store's UUIDs (recognizer/ids.py); the recognizer only
compares and hashes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from recognizer.errors import GalleryError
from recognizer.ids import PersonId, TemplateId


@dataclass(frozen=True, slots=True, eq=False)
class Template:
    """One enrolled embedding (L2-normalised float32) of one person."""

    template_id: TemplateId
    person_id: PersonId
    embedding: np.ndarray


def as_unit_rows(embeddings: np.ndarray, dim: int | None = None) -> np.ndarray:
    """Return `embeddings` as a C-contiguous float32 (n, dim) matrix of unit rows.

    A single vector is taken as one row. Rows are renormalised because similarity is the
    inner product: an unnormalised template would outscore everyone.
    """
    matrix = np.asarray(embeddings, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    if matrix.ndim != 2:
        raise GalleryError(f"embeddings must be (n, d) or (d,), got shape {matrix.shape}")
    if dim is not None and matrix.shape[1] != dim:
        raise GalleryError(f"embeddings must have {dim} dimensions, got {matrix.shape[1]}")
    if not np.isfinite(matrix).all():
        raise GalleryError("embeddings contain NaN or infinity")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    if matrix.shape[0] and float(norms.min()) < 1e-6:
        raise GalleryError("an embedding is all zeros and has no direction to compare")
    return np.ascontiguousarray(matrix / norms, dtype=np.float32)


def check_unique_ids(templates: Sequence[Template]) -> None:
    """Raise when two templates share an id (ids address templates for removal)."""
    seen: set[TemplateId] = set()
    for template in templates:
        if template.template_id in seen:
            raise GalleryError(f"template id {template.template_id} appears twice")
        seen.add(template.template_id)
