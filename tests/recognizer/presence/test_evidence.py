"""TrackEvidence: a track's sightings pooled into one quality-weighted mean embedding."""

from __future__ import annotations

import numpy as np

from recognizer.presence.evidence import TrackEvidence


def unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, np.float32)
    return vector / np.linalg.norm(vector)


def test_no_sighting_means_no_evidence() -> None:
    evidence = TrackEvidence()
    assert evidence.mean() is None and evidence.sightings == 0


def test_the_mean_is_a_unit_vector_pulled_towards_the_heavier_sightings() -> None:
    evidence = TrackEvidence()
    evidence.add(unit(1, 0), 0.9)
    evidence.add(unit(0, 1), 0.3)
    mean = evidence.mean()
    assert mean is not None
    assert np.isclose(np.linalg.norm(mean), 1.0)
    np.testing.assert_allclose(mean, unit(0.9, 0.3), atol=1e-6)
    assert (evidence.sightings, round(evidence.weight, 6)) == (2, 1.2)


def test_noise_of_single_sightings_averages_out_of_the_mean() -> None:
    rng = np.random.default_rng(0)
    face = unit(*rng.normal(size=128))
    sightings = [unit(*(face + rng.normal(scale=0.12, size=128))) for _ in range(10)]
    evidence = TrackEvidence()
    for sighting in sightings:
        evidence.add(sighting, 1.0)
    single = np.mean([float(s @ face) for s in sightings])
    pooled = evidence.mean()
    assert pooled is not None and float(pooled @ face) > single + 0.1


def test_a_sighting_of_no_weight_is_not_pooled_and_clearing_starts_afresh() -> None:
    evidence = TrackEvidence()
    evidence.add(unit(1, 0), 0.0)
    assert evidence.sightings == 0
    evidence.add(unit(1, 0), 0.5)
    evidence.clear()
    assert evidence.mean() is None and evidence.weight == 0.0
