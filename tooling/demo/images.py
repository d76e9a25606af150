"""Small product pictures for the demo, painted with Pillow: a soft two-colour gradient per
category with a simple motif per product type. No fonts and no files on disk are needed,
and the same product always gets the same picture."""

from __future__ import annotations

import io
import math
import zlib

from PIL import Image, ImageDraw

SIZE = 320

# Root category slug → (top colour, bottom colour).
PALETTES: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "tea": ((40, 92, 60), (176, 214, 132)),
    "nuts": ((104, 68, 40), (226, 190, 140)),
    "honey": ((190, 112, 18), (255, 218, 110)),
    "grain-oil": ((150, 112, 54), (244, 226, 170)),
    "fresh-fruit": ((160, 32, 52), (255, 176, 128)),
    "daily-goods": ((56, 78, 120), (186, 204, 232)),
    "rural-tourism": ((28, 88, 140), (160, 214, 234)),
}
_DEFAULT_PALETTE = ((90, 90, 90), (220, 220, 220))


def _shade(colour: tuple[int, int, int], amount: int) -> tuple[int, int, int]:
    return (
        max(0, min(255, colour[0] + amount)),
        max(0, min(255, colour[1] + amount)),
        max(0, min(255, colour[2] + amount)),
    )


def _gradient(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    mask = Image.linear_gradient("L").resize((SIZE, SIZE))
    return Image.composite(
        Image.new("RGB", (SIZE, SIZE), bottom), Image.new("RGB", (SIZE, SIZE), top), mask
    )


def _leaf(
    draw: ImageDraw.ImageDraw, cx: int, cy: int, r: int, colour: tuple[int, int, int]
) -> None:
    # Two arcs' worth of points make a pointed leaf; the vein is a straight line.
    points = []
    for i in range(0, 181, 10):
        t = math.radians(i)
        points.append((cx - r + 2 * r * i / 180, cy - math.sin(t) * r * 0.45))
    for i in range(180, -1, -10):
        t = math.radians(i)
        points.append((cx - r + 2 * r * i / 180, cy + math.sin(t) * r * 0.45))
    draw.polygon(points, fill=colour)
    draw.line([(cx - r, cy), (cx + r, cy)], fill=_shade(colour, 50), width=3)


def _motif(draw: ImageDraw.ImageDraw, motif: str, seed: int, base: tuple[int, int, int]) -> None:
    cx = SIZE // 2 + (seed % 41) - 20
    cy = SIZE // 2 + (seed // 41 % 41) - 20
    light = (250, 248, 238)
    accent = _shade(base, -40)
    if motif == "tea":
        _leaf(draw, cx - 15, cy + 25, 85, light)
        _leaf(draw, cx + 50, cy - 45, 55, _shade(light, -30))
    elif motif == "nuts":
        for dx, dy, r in ((-50, 20, 55), (45, -25, 45), (40, 60, 35)):
            draw.ellipse((cx + dx - r, cy + dy - r, cx + dx + r, cy + dy + r), fill=light)
            draw.arc(
                (cx + dx - r // 2, cy + dy - r, cx + dx + r // 2, cy + dy + r),
                100,
                260,
                fill=accent,
                width=3,
            )
    elif motif == "honey":
        r = 36
        for col, row in ((0, 0), (1, 0), (-1, 0), (0, 1), (1, 1), (0, -1), (-1, -1)):
            hx = cx + col * r * 1.8 + (row % 2) * r * 0.9
            hy = cy + row * r * 1.55
            hexagon = [
                (
                    hx + r * math.cos(math.radians(60 * k + 30)),
                    hy + r * math.sin(math.radians(60 * k + 30)),
                )
                for k in range(6)
            ]
            draw.polygon(
                hexagon, fill=light if (col + row) % 2 else _shade(light, -25), outline=accent
            )
    elif motif == "grain":
        for offset in (-64, 0, 64):
            x = cx + offset
            draw.line([(x, cy + 120), (x, cy - 90)], fill=light, width=5)
            for k in range(5):
                y = cy - 80 + k * 28
                draw.ellipse((x - 24, y - 8, x - 2, y + 8), fill=light)
                draw.ellipse((x + 2, y - 8, x + 24, y + 8), fill=light)
    elif motif == "fruit":
        r = 95
        draw.ellipse((cx - r, cy - r + 20, cx + r, cy + r + 20), fill=light)
        draw.ellipse((cx - 30, cy - r + 5, cx + 30, cy - r + 45), fill=_shade(light, -35))
        _leaf(draw, cx + 45, cy - r - 5, 40, (90, 150, 80))
    elif motif == "goods":
        draw.rounded_rectangle((cx - 100, cy - 40, cx + 100, cy + 100), radius=24, fill=light)
        draw.arc((cx - 80, cy - 130, cx + 80, cy + 30), 180, 360, fill=light, width=10)
        for k in range(1, 4):
            y = cy - 40 + k * 35
            draw.line([(cx - 95, y), (cx + 95, y)], fill=accent, width=3)
    elif motif == "homestay":
        draw.polygon([(cx - 120, cy - 10), (cx, cy - 120), (cx + 120, cy - 10)], fill=light)
        draw.rectangle((cx - 90, cy - 10, cx + 90, cy + 110), fill=_shade(light, -20))
        draw.rectangle((cx - 22, cy + 40, cx + 22, cy + 110), fill=accent)
        draw.rectangle((cx - 70, cy + 15, cx - 40, cy + 45), fill=accent)
        draw.rectangle((cx + 40, cy + 15, cx + 70, cy + 45), fill=accent)
    else:  # experience: a sun over hills
        draw.ellipse((cx - 45, cy - 110, cx + 45, cy - 20), fill=(255, 236, 150))
        for k in range(12):
            a = math.radians(30 * k)
            draw.line(
                [
                    (cx + 60 * math.cos(a), cy - 65 + 60 * math.sin(a)),
                    (cx + 80 * math.cos(a), cy - 65 + 80 * math.sin(a)),
                ],
                fill=(255, 236, 150),
                width=4,
            )
        draw.ellipse((-80, cy + 20, SIZE // 2 + 80, SIZE + 200), fill=_shade(light, -30))
        draw.ellipse((SIZE // 2 - 60, cy + 50, SIZE + 120, SIZE + 220), fill=light)


def product_image(*, key: str, palette: str, motif: str) -> bytes:
    """A JPEG for the product `key` (its slug): the palette of its root category, the
    motif of its product type, nudged by a hash of the key so neighbours differ."""
    seed = zlib.crc32(key.encode())
    top, bottom = PALETTES.get(palette, _DEFAULT_PALETTE)
    nudge = seed % 31 - 15
    image = _gradient(_shade(top, nudge), _shade(bottom, nudge))
    _motif(ImageDraw.Draw(image), motif, seed, top)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
