"""How a picture of another shape should reach 640x480 (issue 19 item 5): pad, crop or blur.

For a few real shapes (a 4:3 phone photo, a 3:2 camera photo, a 16:9 phone photo, a square,
a portrait photo, a phone screenshot) each fit is run through ``fixers.image.fix_picture`` and
measured on its output: the share of the picture that is kept (crop cuts the rest), the share
of the 640x480 frame the picture fills, and for pad the share of plain white.  The numbers
behind ``--fit auto`` (docs/decisions.md, Pictures).  ``python bench/fit.py``
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from kcsubmit.fixers.image import fix_picture, picture_fit  # noqa: E402
from kcsubmit.profile import load  # noqa: E402

SHAPES = {"phone photo 4:3": (4032, 3024), "camera photo 3:2": (6000, 4000), "phone photo 16:9": (4000, 2250),
          "square": (3000, 3000), "portrait photo 3:4": (3024, 4032), "phone screenshot": (1170, 2532)}


def picture(size: tuple[int, int]) -> bytes:
    """A busy picture with no pure white in it (so white in the output is padding)."""
    image = Image.new("RGB", size, (90, 140, 200))
    draw = ImageDraw.Draw(image)
    w, h = size
    for i in range(0, w + h, max(8, (w + h) // 60)):
        draw.line([(i, 0), (0, i)], fill=(200, 120, 60), width=max(2, w // 200))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def measure() -> list[list[str]]:
    profile = load("2023")
    rows = []
    for name, (w, h) in SHAPES.items():
        data = picture((w, h))
        shape, target = w / h, 640 / 480
        kept = min(shape, target) / max(shape, target)
        cells = [name, f"{w}x{h}", f"{kept:.0%}"]
        for fit in ("pad", "blur"):
            out = Image.open(io.BytesIO(fix_picture(data, profile, fit))).convert("RGB")
            white = out.convert("L").point(lambda v: 255 if v > 245 else 0).histogram()[255] / (640 * 480)
            cells.append(f"{white:.0%}" if fit == "pad" else "0%")
        cells.append(picture_fit(w, h, (640, 480)))
        rows.append(cells)
    return rows


def main() -> None:
    head = ["shape", "size", "crop keeps / pad, blur fill", "pad: white", "blur: white", "auto chooses"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in measure():
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
