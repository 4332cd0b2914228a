"""Image checks done before an upload is accepted, and the perceptual hash.

- too small: the short side under ``MIN_SHORT`` pixels (an ID card photographed from afar);
- blurred: the variance of the Laplacian of the grey image (scaled to ``WORK_SIDE``) under
  ``MIN_SHARPNESS`` — text edges give a high variance, a shaken or out-of-focus photo a low one;
- cut off: dark ink (text) in the outermost strip on a side, i.e. the paper runs past the frame.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

MIN_SHORT = 360
MIN_LONG = 560
WORK_SIDE = 1000
MIN_SHARPNESS = 60.0
EDGE_STRIP = 0.02  # share of the side
EDGE_INK_SHARE = 0.01  # share of the strip's pixels that are ink


def sharpness(im: Image.Image) -> float:
    grey = _work(im)
    lap = (
        -4 * grey[1:-1, 1:-1] + grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:]
    )
    return float(lap.var())


def _work(im: Image.Image) -> np.ndarray:
    g = im.convert("L")
    scale = WORK_SIDE / max(g.size)
    if scale < 1:
        g = g.resize((round(g.width * scale), round(g.height * scale)), Image.BILINEAR)
    return np.asarray(g, dtype=np.float32)


def cut_sides(im: Image.Image) -> list[str]:
    """The sides ("top", "bottom", "left", "right") where ink touches the frame."""
    grey = _work(im)
    h, w = grey.shape
    background = float(np.median(grey))
    ink = grey < min(background - 80, 110)
    sh, sw = max(2, round(h * EDGE_STRIP)), max(2, round(w * EDGE_STRIP))
    strips = {
        "top": ink[:sh, :],
        "bottom": ink[-sh:, :],
        "left": ink[:, :sw],
        "right": ink[:, -sw:],
    }
    return [side for side, s in strips.items() if s.mean() > EDGE_INK_SHARE]


def problems(im: Image.Image) -> list[dict]:
    """What is wrong with a photo, as ``{"code", "params"}`` (empty when it is fit to read)."""
    out = []
    short, long = sorted(im.size)
    if short < MIN_SHORT or long < MIN_LONG:
        out.append(
            {
                "code": "too_small",
                "params": {"size": f"{im.width}×{im.height}", "min": f"{MIN_LONG}×{MIN_SHORT}"},
            }
        )
        return out
    sharp = sharpness(im)
    if sharp < MIN_SHARPNESS:
        out.append({"code": "blurred", "params": {"value": f"{sharp:.0f}"}})
    sides = cut_sides(im)
    if sides:
        out.append({"code": "cut_off", "params": {"sides": ",".join(sides)}})
    return out


def phash(im: Image.Image) -> str:
    """64-bit perceptual hash (DCT, ``imagehash.phash``) as 16 hex digits."""
    import imagehash

    return str(imagehash.phash(im))


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


# Near-duplicate: a perceptual hash alone cannot tell two ID cards apart (same template, same
# layout: 0-8 bits of 64 between two people's cards), so a near copy is a close hash AND nearly
# the same text read from it; a recompressed, rescaled, slightly rotated or cropped copy keeps both.
NEAR_DUPLICATE = 12  # bits of 64
SAME_TEXT = 0.9  # difflib ratio of the texts, spaces removed


def near_duplicate(hash_a: str, text_a: str, hash_b: str, text_b: str) -> int | None:
    """The hash distance when the two images are the same paper (a copy), else None."""
    import difflib

    if not hash_a or not hash_b:
        return None
    d = hamming(hash_a, hash_b)
    if d > NEAR_DUPLICATE:
        return None
    a, b = "".join(text_a.split()), "".join(text_b.split())
    if not a or not b:
        return d if d == 0 else None
    return d if difflib.SequenceMatcher(None, a, b).ratio() >= SAME_TEXT else None
