"""The demo's cast: distinct people from the demo photos, each crop showing exactly them."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer.analyzer import FaceAnalyzer
from web.demo.cast import SAME_PERSON, CastMember, find_cast, split_cast
from web.demo.errors import DemoError
from web.demo.photos import locate_demo_photos


@pytest.fixture(scope="module")
def cast(analyzer: FaceAnalyzer) -> list[CastMember]:
    return find_cast(analyzer, locate_demo_photos().paths, limit=12)


def test_the_cast_is_the_largest_usable_faces_of_all_three_photos_one_per_person(
    cast: list[CastMember],
) -> None:
    assert len(cast) == 12
    assert {member.photo for member in cast} == {"players.jpg", "gdp.jpg", "yaoming.jpg"}
    sizes = [member.size_px for member in cast]
    assert sizes == sorted(sizes, reverse=True)
    assert min(sizes) >= 40  # the quality gate's least face
    embeddings = np.stack([member.embedding for member in cast])
    similarity = embeddings @ embeddings.T
    np.fill_diagonal(similarity, -1.0)
    # Yao Ming is in yaoming.jpg and in players.jpg: he is cast once.
    assert float(similarity.max()) < SAME_PERSON
    assert len({member.key for member in cast}) == 12


def test_each_crop_shows_one_recognisable_face_the_same_person_as_in_the_photo(
    cast: list[CastMember], analyzer: FaceAnalyzer
) -> None:
    # Blurred spectators far behind may still be detected; they are never usable. The crops
    # are looked at as the demo video shows them: about 200 px tall.
    for member in cast:
        shown = cv2.resize(member.crop, (200, 200), interpolation=cv2.INTER_LINEAR)
        usable = [face.embedding for face in analyzer.analyze([shown])[0] if face.usable]
        assert len(usable) == 1, member.key
        assert float(usable[0] @ member.embedding) > 0.8, member.key


def test_the_same_photos_give_the_same_cast(cast: list[CastMember], analyzer: FaceAnalyzer) -> None:
    again = find_cast(analyzer, locate_demo_photos().paths, limit=12)
    assert [member.key for member in again] == [member.key for member in cast]


def test_students_and_strangers_split_the_cast_with_large_and_small_faces_in_both(
    cast: list[CastMember],
) -> None:
    students, strangers = split_cast(cast, 6)

    assert len(students) == 6 and len(strangers) == 6
    assert {m.key for m in students}.isdisjoint(m.key for m in strangers)
    assert cast[0] in students and cast[1] in strangers
    assert split_cast(cast, 12) == (cast, [])
    with pytest.raises(DemoError, match="cannot make 13 of 12 faces students"):
        split_cast(cast, 13)


def test_asking_for_more_faces_than_the_photos_hold_says_how_many_there_are(
    analyzer: FaceAnalyzer,
) -> None:
    with pytest.raises(DemoError, match=r"needs 13 usable faces .* found 12"):
        find_cast(analyzer, locate_demo_photos().paths, limit=13)
