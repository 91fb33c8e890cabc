"""How hard a generated classroom video is: its size, crowd, face sizes, optics and codec.

Kept free of numpy, OpenCV and PyAV so the command line can list the levels without loading
them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from web.demo.errors import DemoError


@dataclass(frozen=True)
class ClassroomLevel:
    """One difficulty of `make_classroom`. Face sizes are face box widths (the detector's box
    on the source photo, scaled into the frame), the quantity a recogniser's size gate reads.
    """

    name: str
    size: tuple[int, int]  # (width, height), even
    students: int  # enrolled and in the video
    strangers: int  # in the video, never enrolled
    absentees: int  # enrolled, never in the video
    rows: int  # seat rows, the back row at the top of the frame
    face_px: tuple[float, float]  # face box width in frame pixels, back row .. front row
    blur_sigma: float  # Gaussian defocus of the whole frame, frame pixels (0: none)
    noise_sigma: float  # Gaussian sensor noise std, grey levels, new every frame (0: none)
    crf: int  # libx264 constant rate factor
    seconds: float
    fps: int
    arrivals_s: tuple[float, float]  # people sit down one by one within this window
    # Amplitude, in frame pixels, of each seated person's sway (sideways; the bob is half of it).
    head_motion_px: float
    occlusions: bool  # passers-by, leaning neighbours, books and hands over faces
    enrol_photos: int  # roster photos per enrolled person (fewer if they have too few)

    def __post_init__(self) -> None:
        width, height = self.size
        if width < 64 or height < 64 or width % 2 or height % 2:
            raise DemoError(f"a classroom video needs an even size of at least 64 px: {self.size}")
        if min(self.students, self.strangers, self.absentees) < 0 or self.students < 1:
            raise DemoError("a classroom needs a student, and no negative counts")
        if self.rows < 1 or not 0.0 < self.face_px[0] <= self.face_px[1]:
            raise DemoError(f"rows and face sizes must be positive, back <= front: {self}")
        if min(self.blur_sigma, self.noise_sigma, self.head_motion_px) < 0.0:
            raise DemoError("blur, noise and head motion cannot be negative")
        if not 0 <= self.crf <= 51 or self.fps < 1 or self.enrol_photos < 1:
            raise DemoError(f"crf must be 0..51, fps and enrol_photos at least 1: {self}")
        first, last = self.arrivals_s
        if not 0.0 <= first <= last < self.seconds:
            raise DemoError(f"arrivals {self.arrivals_s} must lie within the {self.seconds} s")

    @property
    def frames(self) -> int:
        return round(self.seconds * self.fps)

    def shortened(self, seconds: float) -> ClassroomLevel:
        """The same level lasting `seconds`, its arrivals (and so occlusions) squeezed in
        proportion: a quick variant for tests."""
        factor = seconds / self.seconds
        first, last = self.arrivals_s
        return replace(self, seconds=seconds, arrivals_s=(first * factor, last * factor))


# Everyone sits down within the first 20 of 45 s (~45 %), so each is seated for 25 s or more;
# in "occluded" the covering happens in the last 24 s, after everyone has arrived.
_EASY = ClassroomLevel(
    name="easy",
    size=(1280, 720),
    students=24,
    strangers=4,
    absentees=2,
    rows=3,
    face_px=(45.0, 60.0),
    blur_sigma=0.0,
    noise_sigma=2.0,
    crf=23,
    seconds=45.0,
    fps=10,
    arrivals_s=(2.0, 20.0),
    head_motion_px=3.0,
    occlusions=False,
    enrol_photos=2,
)
_MEDIUM = replace(
    _EASY,
    name="medium",
    size=(1920, 1080),
    students=30,
    strangers=6,
    absentees=3,
    rows=4,
    face_px=(34.0, 48.0),
    blur_sigma=0.6,
    noise_sigma=3.0,
    crf=26,
    head_motion_px=2.5,
)
# The target case: the back of a real 1080p classroom, forty to a frame (fifty seated).
_HARD = replace(
    _MEDIUM,
    name="hard",
    students=40,
    strangers=10,
    absentees=4,
    rows=5,
    face_px=(28.0, 40.0),
    blur_sigma=0.9,
    noise_sigma=4.0,
    crf=28,
    head_motion_px=2.0,
)
LEVELS: dict[str, ClassroomLevel] = {
    level.name: level
    for level in (_EASY, _MEDIUM, _HARD, replace(_HARD, name="occluded", occlusions=True))
}
