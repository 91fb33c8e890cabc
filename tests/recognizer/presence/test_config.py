"""PresenceConfig: validated settings with measured defaults."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from recognizer.presence.config import PresenceConfig


def test_defaults_identify_after_three_votes_and_recheck_every_ten_seconds() -> None:
    config = PresenceConfig()
    assert (config.votes_needed, config.vote_window_s, config.recheck_interval_s) == (3, 6.0, 10.0)
    assert config.unknown_after_attempts >= config.votes_needed


@pytest.mark.parametrize(
    "field, value",
    [
        ("iou_threshold", 0.0),
        ("iou_threshold", 1.0),
        ("track_max_age_s", 0),
        ("votes_needed", 0),
        ("vote_window_s", -1),
        ("recheck_interval_s", 0),
        ("seen_refresh_s", 0),
        ("max_faces_per_frame", 0),
        ("unknown_after_attempts", "many"),
    ],
)
def test_out_of_range_values_are_refused_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match=field):
        PresenceConfig(**{field: value})


def test_a_track_must_be_able_to_win_a_vote_before_it_counts_as_unknown() -> None:
    with pytest.raises(ValidationError, match="unknown_after_attempts"):
        PresenceConfig(votes_needed=5, unknown_after_attempts=4)


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="vote_windows"):
        PresenceConfig(vote_windows=3)  # type: ignore[call-arg]
