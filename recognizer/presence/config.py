"""Settings of the presence engine: tracking, voting, re-checks and event rates."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class PresenceConfig(BaseModel):
    """How faces become tracks, tracks become people, and people become attendance events.

    The defaults assume an analysis rate of 2-10 frames per second per camera:

    - iou_threshold 0.3: a seated student's face box moves a few pixels between analysed
      frames (IoU > 0.8); someone walking past at 5 fps still overlaps by 0.4-0.6, while two
      neighbouring students' boxes overlap by less than 0.1.
    - track_max_age_s 1.5: survives a face hidden for a moment (a hand, a turned head, a frame
      with a missed detection) without keeping a track alive for whoever sits down next.
    - votes_needed 3 within vote_window_s 6: the decision rule lets 0.36 % of strangers'
      single photos through (see RecognizerConfig); three agreeing frames of a moving face
      are much harder to fool than one, and take under a second at 5 fps.
    - recheck_interval_s 10: identified tracks cost one embedding per 10 s instead of one per
      frame, yet an IoU tracker that swapped two crossing faces is corrected within seconds.
    - unknown_after_attempts 8: more than twice votes_needed, so a student whose first frames
      are poor still gets decided before being counted as an unknown face.
    - aggregate_threshold 0.28, aggregate_margin 0.05, aggregate_min_sightings 5 (the rule for
      a track's pooled evidence, matched with each person's prototype): calibrated on tracks
      made from ../shared/faces (44 people enrolled from two photos each, every identity of
      labels.csv not enrolled as a stranger, 1,641 stranger tracks per setting, sightings of
      28-34 px faces in a 1080p frame with defocus 0.9, sensor noise and JPEG):

      =========  ===================  =============  ====================================
      threshold  strangers accepted   enrolled named  the same against the best template
      =========  ===================  =============  ====================================
      0.28       0.06 % (1 of 1,641)  0.926          0.24 % of strangers, 0.898 named
      0.30       0.06 %               0.903          0.12 %, 0.875
      0.32       0 %                  0.852          0 %, 0.835
      =========  ===================  =============  ====================================

      Five sightings (one second at 5 fps) rather than three: three-sighting means let 0.38 %
      of strangers' tracks through at 0.30 against the best template, five 0.30 %; more than
      five changed neither side. Nobody enrolled was ever named as somebody else.
    - min_track_face_px 20: SCRFD finds 20 px faces at 1:1 scale; at 16 px the pooled
      similarity of enrolled people falls into the strangers' cloud.
    - full_scan_interval_s 1, scan_max_size 1280x736: a 1080p frame scanned at two thirds of
      its size finds 50 of 50 faces of 24-48 px (the fixed 640x640 input: 40 of 50 at 28 px,
      0 at 24); a scan a second finds a newcomer within a second, and between scans mosaics
      around the faces still voting cost one 640x128-640x640 detector run.
    - seen_refresh_s 30: last-seen stays current to the half minute at one write per person.
    - keep_unknown_faces off: a face nobody could identify is personal data of someone who
      never agreed to be enrolled, so no image of it is kept unless the operator asks.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    iou_threshold: float = Field(
        default=0.3, gt=0.0, lt=1.0, description="least box overlap to continue a track"
    )
    track_max_age_s: float = Field(
        default=1.5, gt=0.0, description="a track unseen for longer ends (monotonic seconds)"
    )
    votes_needed: int = Field(
        default=3, ge=1, description="agreeing accepted matches that identify a track"
    )
    vote_window_s: float = Field(
        default=6.0, gt=0.0, description="how far back a track's matches count as votes"
    )
    recheck_interval_s: float = Field(
        default=10.0,
        gt=0.0,
        description="identified tracks are re-embedded this often; a mismatch re-votes",
    )
    unknown_after_attempts: int = Field(
        default=8, ge=1, description="usable embeddings without a decision before 'unknown'"
    )
    seen_refresh_s: float = Field(
        default=30.0, gt=0.0, description="least time between last-seen events of a person"
    )
    aggregate_threshold: float = Field(
        default=0.28,
        ge=-1.0,
        le=1.0,
        description="least similarity of a track's pooled evidence to name a person",
    )
    aggregate_margin: float = Field(
        default=0.05,
        ge=0.0,
        le=2.0,
        description="least lead of the pooled evidence's person over the second-best",
    )
    aggregate_min_sightings: int = Field(
        default=5, ge=1, description="sightings pooled before the evidence may name anyone"
    )
    min_track_face_px: float = Field(
        default=20.0,
        ge=1.0,
        description="smallest face (shorter box side, px) whose embedding joins its track's "
        "evidence; faces under the recognizer's min_face_px count only there, with less weight",
    )
    full_scan_interval_s: float = Field(
        default=1.0,
        ge=0.0,
        description="how often a camera's whole frame is searched for new faces; between "
        "scans only the faces being followed are looked for (0: every frame)",
    )
    scan_min_frames: int = Field(
        default=5,
        ge=1,
        description="whole-frame scans at most every this many of a camera's analysed frames "
        "as well as every full_scan_interval_s: at 5 fps the same, a camera analysed slower "
        "(a machine over capacity) is scanned less often and keeps most frames cheap",
    )
    motion_gate: bool = Field(
        default=True,
        description="leave out a due scan while nothing moved outside the people a camera "
        "follows (a settled room then scans every quiet_scan_interval_s)",
    )
    quiet_scan_interval_s: float = Field(
        default=5.0,
        gt=0.0,
        description="with the motion gate, the longest a camera goes without a whole-frame "
        "scan however still its view",
    )
    scan_max_size: tuple[int, int] = Field(
        default=(1280, 736),
        description="largest detector input (width, height) of a whole-frame scan; smaller "
        "frames are scanned at their own size",
    )
    max_faces_per_frame: int = Field(
        default=64, ge=1, description="faces kept per frame, best detection score first"
    )
    keep_unknown_faces: bool = Field(
        default=False,
        description="keep the best face image of each unknown face (off: no image is kept)",
    )
    unknown_face_retention_days: float = Field(
        default=7.0, gt=0.0, description="kept unknown-face images older than this are deleted"
    )
    unknown_faces_dir: Path | None = Field(
        default=None,
        description="folder of kept unknown-face images; unset: <store data_dir>/unknown-faces",
    )

    @model_validator(mode="after")
    def _decidable(self) -> Self:
        if self.unknown_after_attempts < self.votes_needed:
            raise ValueError(
                f"unknown_after_attempts ({self.unknown_after_attempts}) must be at least "
                f"votes_needed ({self.votes_needed}): no track could be identified before "
                "it was counted as unknown"
            )
        return self
