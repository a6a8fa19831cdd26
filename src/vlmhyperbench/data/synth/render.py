"""Draw a synthetic document with Pillow, in DejaVu Sans (it has Cyrillic).

The font is the copy matplotlib ships (a project dependency), so a fresh `uv sync` has it on any machine,
without system fonts.
"""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from vlmhyperbench.data.synth.documents import Document

PAGE_SIZE = (800, 560)
MARGIN = 32


def font_path(bold: bool = False) -> Path:
    import matplotlib

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


@lru_cache(maxsize=16)
def load_font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(bold)), size)


def render(
    document: Document, rng: random.Random
) -> tuple[Image.Image, dict[str, tuple[int, int, int, int]]]:
    """The page image and, per asked question_type, the box of its value (x0, y0, x1, y1)."""
    width, height = PAGE_SIZE
    # a slightly off-white, slightly different paper per page
    paper = tuple(255 - rng.randint(0, 12) for _ in range(3))
    image = Image.new("RGB", PAGE_SIZE, paper)
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, width - 9, height - 9), outline=document.color, width=3)
    draw.rectangle((8, 8, width - 9, 70), fill=document.color)
    draw.text((width // 2, 26), document.title, font=load_font(22, bold=True), fill="white", anchor="mt")
    draw.text((width // 2, 84), document.subtitle, font=load_font(15), fill=(40, 40, 40), anchor="mt")

    boxes: dict[str, tuple[int, int, int, int]] = {}
    label_font, value_font = load_font(14), load_font(17, bold=True)
    y = 120
    label_width = max(draw.textlength(f.label + ":", font=label_font) for f in document.fields)
    for item in document.fields:
        draw.text((MARGIN, y + 2), item.label + ":", font=label_font, fill=(90, 90, 90))
        x = int(MARGIN + label_width + 14)
        draw.text((x, y), item.value, font=value_font, fill=(15, 15, 30))
        box = draw.textbbox((x, y), item.value, font=value_font)
        draw.line((x, box[3] + 3, width - MARGIN, box[3] + 3), fill=(200, 200, 200))
        if item.question_type:
            boxes[item.question_type] = (int(box[0]), int(box[1]), int(box[2]), int(box[3]))
        y += 32
    if document.table:
        _draw_table(draw, document.table, y + 8)
    return image, boxes


def _draw_table(draw: ImageDraw.ImageDraw, rows: list[list[str]], top: int) -> None:
    widths = [40, 330, 80, 130, 150]
    font = load_font(13)
    for r, row in enumerate(rows):
        x = MARGIN
        y = top + r * 24
        for c, (cell, w) in enumerate(zip(row, widths, strict=False)):
            draw.rectangle(
                (x, y, x + w, y + 24), outline=(120, 120, 120), fill=(230, 230, 230) if r == 0 else None
            )
            anchor = "rm" if c >= 2 and r > 0 else "lm"
            tx = x + w - 6 if anchor == "rm" else x + 6
            cell_font = load_font(13, bold=True) if r == 0 else font
            draw.text((tx, y + 12), cell, font=cell_font, fill="black", anchor=anchor)
            x += w
