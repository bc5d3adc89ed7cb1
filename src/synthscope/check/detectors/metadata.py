"""Image metadata evidence: generator traces in EXIF and PNG text chunks, and camera data.

A trace (a PNG ``parameters`` chunk from the AUTOMATIC1111 web UI, a ComfyUI ``prompt`` or
``workflow`` graph, an EXIF Software naming a generator) is strong evidence; metadata is trivially
stripped, so its absence says nothing. Missing camera data (Make/Model/exposure) is weak evidence
only, because most images on the web have had their EXIF removed by the platform that served them.
"""

from __future__ import annotations

import io
import struct
from typing import Any

from synthscope.check.detectors._load import Loaded
from synthscope.check.detectors.base import Detector, DetectorFinding
from synthscope.errors import InputError

GENERATOR_CHUNKS = ("parameters", "prompt", "workflow", "negative_prompt", "sd-metadata", "dream")
GENERATOR_WORDS = (
    "stable diffusion",
    "stablediffusion",
    "midjourney",
    "dall-e",
    "dall·e",
    "comfyui",
    "novelai",
    "invokeai",
    "automatic1111",
    "firefly",
    "imagen",
    "flux",
    "leonardo.ai",
    "gpt-4o",
    "sdxl",
)
EXIF_SOFTWARE, EXIF_MAKE, EXIF_MODEL, EXIF_ARTIST, EXIF_DESCRIPTION = (
    0x0131,
    0x010F,
    0x0110,
    0x013B,
    0x010E,
)
EXIF_IFD, EXPOSURE_TIME, F_NUMBER = 0x8769, 0x829A, 0x829D

SCORE_TRACE = 0.97


class ImageMetadataDetector(Detector):
    """Rule-based: a generator trace scores a fixed 0.97 (see the model card); without one there
    is no score, and camera data is shown as weak evidence only."""

    version = "2"
    kinds = frozenset({"image"})

    def predict(self, media: Loaded) -> DetectorFinding:
        img = media.raw_image()
        try:
            exif = img.getexif()
            traces = _chunk_traces(img.info) + _exif_traces(exif)
            camera = _camera(exif)
        except (OSError, ValueError, SyntaxError, struct.error) as exc:
            raise InputError(
                f"The metadata of {media.name or 'the image'} cannot be read.",
                zh="无法读取图像元数据。",
            ) from exc
        evidence: dict[str, Any] = {"generator_traces": traces, "camera": camera}
        if traces:
            return self.finding(SCORE_TRACE, **evidence)
        # No trace: nothing to score. Camera data (or its absence) is shown as weak evidence but
        # not turned into a number: it is copied or stripped too easily to be a probability.
        evidence["weak"] = camera is None
        if camera:
            make, model = camera["make"], camera["model"]
            name = model if model.lower().startswith(make.lower()) else f"{make} {model}".strip()
            return self.finding(
                None,
                f"no generator trace in the metadata; camera data names {name}, "
                "which can be copied onto any picture",
                zh=f"元数据中没有生成器痕迹；相机数据为 {name}，但它可以被复制到任何图片上",
                **evidence,
            )
        return self.finding(
            None,
            "no generator trace and no camera data in the metadata (most platforms strip both, "
            "so their absence says little)",
            zh="元数据中没有生成器痕迹，也没有相机数据（多数平台会删除这两者，缺失说明不了什么）",
            **evidence,
        )

    @classmethod
    def examples(cls) -> list[tuple[Detector, Loaded]]:
        return [(cls(), Loaded(b, n)) for n, b in _example_images()]


def _chunk_traces(info: dict[str, Any]) -> list[str]:
    found = []
    for key, value in info.items():
        text = value if isinstance(value, str) else ""
        if str(key).lower() in GENERATOR_CHUNKS:
            found.append(f"PNG text chunk {key!r}: {text[:120]}")
        elif _generator_word(text):
            found.append(f"text chunk {key!r} names {_generator_word(text)}")
    return found


def _exif_traces(exif: Any) -> list[str]:
    found = []
    for tag, label in (
        (EXIF_SOFTWARE, "Software"),
        (EXIF_MAKE, "Make"),
        (EXIF_MODEL, "Model"),
        (EXIF_ARTIST, "Artist"),
        (EXIF_DESCRIPTION, "ImageDescription"),
    ):
        word = _generator_word(str(exif.get(tag, "")))
        if word:
            found.append(f"EXIF {label} names {word}: {str(exif.get(tag))[:120]}")
    return found


def _generator_word(text: str) -> str | None:
    low = text.lower()
    return next((w for w in GENERATOR_WORDS if w in low), None)


def _camera(exif: Any) -> dict[str, str] | None:
    make, model = str(exif.get(EXIF_MAKE, "")).strip(), str(exif.get(EXIF_MODEL, "")).strip()
    sub = exif.get_ifd(EXIF_IFD) if hasattr(exif, "get_ifd") else {}
    exposure = EXPOSURE_TIME in sub or F_NUMBER in sub
    if not (make or model) or _generator_word(make + model):
        return None
    return {"make": make, "model": model, "exposure_data": str(exposure).lower()}


def _example_images() -> list[tuple[str, bytes]]:
    from PIL import Image, PngImagePlugin

    img = Image.new("RGB", (64, 48), (120, 80, 40))
    meta = PngImagePlugin.PngInfo()
    meta.add_text("parameters", "a cat, Steps: 20, Sampler: Euler a, Model: sd_xl_base_1.0")
    with_trace, plain, camera = io.BytesIO(), io.BytesIO(), io.BytesIO()
    img.save(with_trace, "PNG", pnginfo=meta)
    img.save(plain, "PNG")
    exif = Image.Exif()
    exif[EXIF_MAKE], exif[EXIF_MODEL] = "Canon", "Canon EOS 80D"
    img.save(camera, "JPEG", exif=exif)
    return [
        ("sd.png", with_trace.getvalue()),
        ("plain.png", plain.getvalue()),
        ("camera.jpg", camera.getvalue()),
    ]
