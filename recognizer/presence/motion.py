"""Has anything moved in a camera's view, outside the people it already follows?

A whole-frame scan is the biggest cost of a settled room (a 1280x736 detector run a second per
camera, measured 0.08 of a core, against 0.02 for decoding). Once every face in view is
followed, a new face can only come with movement somewhere else: someone walking in, sitting
down, turning round. So the engine compares a small grey copy of each frame due a scan with
the copy from the camera's last scan, leaving out the followed people (their faces and the
bodies below them, which sway and gesture), and skips the scan while nothing else changed.
Comparing costs about half a millisecond; a scan still runs every `quiet_scan_interval_s`
whatever the comparison says, for the newcomer who slipped in unseen.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

THUMBNAIL_WIDTH = 320  # a 20 px face at 1280 is 5 px here, the body around it far more
BLUR = (5, 5)  # compression noise and sensor grain are not movement
CHANGE_LEVEL = 20  # grey levels (0..255) a thumbnail pixel must change by to count
CHANGED_SHARE = 0.0015  # of the unmasked pixels: ~80 at 320x180, a hand or a head moving
# Around a followed face, the person it belongs to: a face-width either side, half a face
# above (hair, a raised hand), three faces below (shoulders and desk).
BODY_SIDE = 1.0
BODY_ABOVE = 0.5
BODY_BELOW = 3.0


def is_bgr_frame(image: np.ndarray) -> bool:
    return image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8 and image.size > 0


def thumbnail(image: np.ndarray) -> np.ndarray:
    """The frame as a small blurred grey image (uint8), THUMBNAIL_WIDTH wide."""
    height, width = image.shape[:2]
    size = (THUMBNAIL_WIDTH, max(1, round(height * THUMBNAIL_WIDTH / width)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    return cv2.GaussianBlur(grey, BLUR, 0)


def moved_outside(
    before: np.ndarray,
    now: np.ndarray,
    followed: Sequence[np.ndarray],
    frame_width: int,
) -> bool:
    """Whether `now` differs from `before` (thumbnails of one camera) anywhere but around the
    `followed` face boxes (x1, y1, x2, y2 in the frame's pixels, `frame_width` wide).

    A student who gets up and leaves is seen as they walk out past the others; someone who
    vanished without moving anywhere else is noticed at the next quiet-interval scan."""
    if before.shape != now.shape:
        return True  # the camera changed resolution: everything may have changed
    changed = cv2.absdiff(before, now) > CHANGE_LEVEL
    outside = np.ones(now.shape, dtype=bool)
    scale = now.shape[1] / frame_width
    for box in followed:
        x1, y1, x2, y2 = (float(v) * scale for v in box[:4])
        side = x2 - x1
        tall = y2 - y1
        left = max(0, int(x1 - BODY_SIDE * side))
        right = max(0, int(np.ceil(x2 + BODY_SIDE * side)))
        top = max(0, int(y1 - BODY_ABOVE * tall))
        bottom = max(0, int(np.ceil(y2 + BODY_BELOW * tall)))
        outside[top:bottom, left:right] = False
    watched = int(outside.sum())
    if watched == 0:
        return False  # people fill the view: only the forced scans look for newcomers
    return int((changed & outside).sum()) > CHANGED_SHARE * watched
