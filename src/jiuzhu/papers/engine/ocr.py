"""OCR: one RapidOCR engine per process, loaded on first use (about a second) and kept.

``rapidocr-onnxruntime`` 1.4 carries the PP-OCRv4 Chinese detection and recognition models and the
angle classifier inside its wheel (``rapidocr_onnxruntime/models``); it never downloads anything.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

_ENGINE = None
_LOCK = threading.Lock()
MAX_SIDE = 1280  # larger photos are scaled down first: phone photos are 3000-4000 px


@dataclass(frozen=True)
class Box:
    text: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def engine():
    global _ENGINE
    with _LOCK:
        if _ENGINE is None:
            from rapidocr_onnxruntime import RapidOCR

            _ENGINE = RapidOCR()
        return _ENGINE


def load_image(data: bytes) -> Image.Image:
    """The image upright (EXIF orientation applied), RGB."""
    im = Image.open(io.BytesIO(data))
    # a 12-megapixel phone JPEG is decoded at 1/2-1/8 scale (never below MAX_SIDE): much faster
    im.draft("RGB", (MAX_SIDE, MAX_SIDE))
    im = ImageOps.exif_transpose(im)
    return im.convert("RGB")


def read_boxes(data: bytes | Image.Image) -> list[Box]:
    """Text boxes of an image, top to bottom."""
    im = data if isinstance(data, Image.Image) else load_image(data)
    scale = min(1.0, MAX_SIDE / max(im.size))
    if scale < 1.0:
        im = im.resize((round(im.width * scale), round(im.height * scale)), Image.LANCZOS)
    arr = np.asarray(im)[:, :, ::-1]  # RapidOCR takes BGR like OpenCV
    result, _elapsed = engine()(arr)
    boxes = []
    for quad, text, score in result or []:
        xs = [p[0] for p in quad]
        ys = [p[1] for p in quad]
        boxes.append(Box(str(text), float(score), min(xs), min(ys), max(xs), max(ys)))
    boxes.sort(key=lambda b: (b.cy, b.x0))
    return boxes


def rows(boxes: list[Box]) -> list[str]:
    """Boxes grouped into text rows (boxes whose vertical centres lie within half a box height),
    each row's boxes joined left to right with a space."""
    out: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: b.cy):
        if out:
            last = out[-1]
            ref = sum(x.cy for x in last) / len(last)
            h = max(max(x.height for x in last), b.height)
            if abs(b.cy - ref) < 0.5 * h:
                last.append(b)
                continue
        out.append([b])
    return [" ".join(x.text for x in sorted(r, key=lambda x: x.x0)) for r in out]
