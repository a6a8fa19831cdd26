"""Degraded documents: the clean synthetic renders made to look scanned, photographed, or worse.

    image, boxes = degrade(image, boxes, "photo", seed=7)

Levels, each a superset of the previous one's damage, so a reader's scores fall level by level:

- `none`  the clean render;
- `scan`  a flatbed scan: a stamp, a small skew, mild blur and sensor noise, lower resolution, JPEG 50-70;
- `photo` a phone photo: perspective, uneven light and a shadow, motion blur, more noise, JPEG at 40-60;
- `heavy` a bad photo of a worn copy: all of the above stronger, stains, a downscaled and JPEG 20-35 image.

The pipeline is albumentations 2.0.x, the last MIT-licensed line (its successor albumentationsx is AGPL,
which a benchmark others embed should not pull in); augraphy has paper-specific effects but no
bounding-box support, and boxes must follow every geometric change. Here albumentations moves each
answer's box with the skew and perspective (`BboxParams`), so `answer_bbox` still frames the answer.
The stamp is drawn with Pillow (albumentations has none). The same image, boxes, level and seed give the
same bytes (a seeded `Compose`, a seeded stamp).
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw, ImageFont

from vlmhyperbench.data.synth.render import font_path
from vlmhyperbench.errors import UsageError

if TYPE_CHECKING:
    import albumentations

LEVELS = ("none", "scan", "photo", "heavy")
Box = tuple[int, int, int, int]

# albumentations asks PyPI for a newer version on import unless told not to; there is no network here.
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise UsageError(f"Unknown degradation {level!r}. Available: {', '.join(LEVELS)}")
    return level


def _pipeline(level: str) -> list[Any]:
    """The transforms of one level, in the order the damage happens to a real page."""
    import albumentations as A

    fill = (235, 235, 230)  # the border a skewed page shows: a grey-white scanner lid
    if level == "scan":
        return [
            A.Affine(rotate=(-1.0, 1.0), fill=fill, p=1.0),
            A.GaussianBlur(blur_limit=(3, 3), sigma_limit=(0.4, 0.7), p=1.0),
            A.GaussNoise(std_range=(0.03, 0.05), p=1.0),
            A.Downscale(scale_range=(0.7, 0.8), p=1.0),  # a 150-200 dpi scan of a 300 dpi page
            A.ImageCompression(quality_range=(50, 70), p=1.0),
        ]
    if level == "photo":
        return [
            A.Perspective(scale=(0.01, 0.025), keep_size=True, fill=fill, p=1.0),
            A.Affine(rotate=(-1.5, 1.5), fill=fill, p=1.0),
            A.Illumination(mode="linear", intensity_range=(0.1, 0.2), p=1.0),
            A.RandomShadow(
                shadow_roi=(0, 0, 1, 1), num_shadows_limit=(1, 1), shadow_intensity_range=(0.2, 0.35), p=1.0
            ),
            A.MotionBlur(blur_limit=(3, 5), p=1.0),
            A.GaussNoise(std_range=(0.04, 0.07), p=1.0),
            A.ImageCompression(quality_range=(40, 60), p=1.0),
        ]
    if level == "heavy":
        return [
            A.Perspective(scale=(0.02, 0.035), keep_size=True, fill=fill, p=1.0),
            A.Affine(rotate=(-2.0, 2.0), fill=fill, p=1.0),
            A.Spatter(mode="mud", intensity=(0.3, 0.5), p=1.0),
            A.Illumination(mode="linear", intensity_range=(0.15, 0.2), p=1.0),
            A.RandomShadow(
                shadow_roi=(0, 0, 1, 1), num_shadows_limit=(1, 2), shadow_intensity_range=(0.3, 0.5), p=1.0
            ),
            A.MotionBlur(blur_limit=(5, 7), p=1.0),
            A.GaussNoise(std_range=(0.06, 0.09), p=1.0),
            A.Downscale(scale_range=(0.5, 0.6), p=1.0),
            A.ImageCompression(quality_range=(20, 35), p=1.0),
        ]
    return []


@lru_cache(maxsize=len(LEVELS))
def _compose(level: str) -> albumentations.Compose:
    import albumentations as A

    return A.Compose(
        _pipeline(level),
        # pascal_voc is our answer_bbox: [x0, y0, x1, y1] in pixels. A box is kept even when the skew
        # pushes part of it off the page (clipped), so every question keeps its box.
        bbox_params=A.BboxParams(format="pascal_voc", label_fields=["names"], clip=True, min_visibility=0.0),
    )


def stamp(image: Image.Image, rng: random.Random, strength: float) -> Image.Image:
    """A round ink stamp somewhere on the lower half of the page, `strength` its opacity (0..1)."""
    width, height = image.size
    radius = rng.randint(50, 70)
    cx, cy = rng.randint(radius, width - radius), rng.randint(height // 2, height - radius)
    ink = rng.choice([(40, 60, 170), (120, 40, 150)])
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    alpha = int(255 * strength)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=(*ink, alpha), width=4)
    inner = radius - 12
    draw.ellipse((cx - inner, cy - inner, cx + inner, cy + inner), outline=(*ink, alpha), width=2)
    font = ImageFont.truetype(str(font_path(bold=True)), radius // 4)
    draw.text((cx, cy), "ПЕЧАТЬ", fill=(*ink, alpha), anchor="mm", font=font)
    return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")


def degrade(
    image: Image.Image, boxes: Mapping[str, Box], level: str, seed: int
) -> tuple[Image.Image, dict[str, Box]]:
    """The degraded page and each box moved with it (same size as the input page)."""
    import numpy as np

    check_level(level)
    if level == "none":
        return image, dict(boxes)
    rng = random.Random(seed)
    image = stamp(image, rng, {"scan": 0.45, "photo": 0.6, "heavy": 0.8}[level])
    compose = _compose(level)
    compose.set_random_seed(seed)
    names = list(boxes)
    out = compose(image=np.asarray(image), bboxes=[boxes[n] for n in names], names=names)
    moved = {str(name): _whole_pixels(box) for name, box in zip(out["names"], out["bboxes"], strict=True)}
    lost = [n for n in names if n not in moved]
    if lost:  # clip=True and min_visibility=0 keep every box; a lost one would be an albumentations change
        raise RuntimeError(f"degradation {level!r} lost the boxes of {lost}")
    return Image.fromarray(out["image"]), moved


def _whole_pixels(box: Any) -> Box:
    """The smallest whole-pixel box that holds the (float) box."""
    import math

    x0, y0, x1, y1 = (float(v) for v in box[:4])
    return math.floor(x0), math.floor(y0), math.ceil(x1), math.ceil(y1)
