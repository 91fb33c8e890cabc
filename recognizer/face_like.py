"""Large face-like galleries made from a few hundred real embeddings, for index benchmarks.

Campus-scale galleries (10k-100k templates) cannot be photographed for a benchmark, and
random unit vectors are far easier for an index than faces (no look-alikes, no clusters).
So each synthetic *person* is a real ArcFace embedding pushed to a new identity by gaussian
noise, and each of their *templates* (and each probe) is that person plus smaller noise,
renormalised. With the default noise levels, on the default pack's embeddings of
../shared/faces: templates of one person agree at cosine ~0.62 (real same-person pairs: median
0.61), different people at ~0.00 with a p99 of ~0.11 and look-alikes up to ~0.27 (real
different-person pairs: median 0.01, p99 0.17).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Per-dimension noise for 512-d embeddings; scaled by sqrt(512 / dim) for other widths so the
# similarity structure stays the same.
IDENTITY_NOISE = 0.06
TEMPLATE_NOISE = 0.035


@dataclass(frozen=True)
class FaceLikeGallery:
    templates: np.ndarray  # (n, dim) float32 unit rows
    person_of_template: np.ndarray  # (n,) int
    probes: np.ndarray  # (q, dim): first half enrolled people, second half strangers
    probe_person: np.ndarray  # (q,) int; -1 for strangers


def _unit(rows: np.ndarray) -> np.ndarray:
    unit: np.ndarray = (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)
    return unit


def face_like_gallery(
    real: np.ndarray,
    templates: int,
    probes: int,
    rng: np.random.Generator,
    templates_per_person: int = 5,
) -> FaceLikeGallery:
    """`templates` templates of `templates // templates_per_person` people, and `probes`
    probes: half are new photos of enrolled people, half of people who are not enrolled."""
    real = _unit(np.asarray(real, dtype=np.float32))
    dim = real.shape[1]
    scale = np.sqrt(512 / dim)
    people = max(1, templates // templates_per_person)
    strangers = probes - probes // 2
    bases = real[rng.integers(0, len(real), people + strangers)]
    identities = _unit(bases + rng.normal(0, IDENTITY_NOISE * scale, bases.shape))

    person_of_template = np.arange(templates) % people
    gallery = _unit(
        identities[person_of_template]
        + rng.normal(0, TEMPLATE_NOISE * scale, (templates, dim)).astype(np.float32)
    )
    enrolled_probes = rng.integers(0, people, probes // 2)
    probe_identity = np.concatenate([enrolled_probes, people + np.arange(strangers)])
    probe_rows = _unit(
        identities[probe_identity]
        + rng.normal(0, TEMPLATE_NOISE * scale, (probes, dim)).astype(np.float32)
    )
    probe_person = np.where(probe_identity < people, probe_identity, -1)
    return FaceLikeGallery(gallery, person_of_template, probe_rows, probe_person)
