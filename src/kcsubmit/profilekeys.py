"""The keys a rules profile may hold, and what each value must be (SPEC §7, §7.1).

Each validator returns an error text ("an integer ≥ 1"), or None when the value is good.
Format 1 (``FORMAT1``) is today's file: every key required.  Format 2 (``FORMAT2``) adds
keys and makes every number optional (an absent key: not checked).  The JSON Schema
``profiles/profile.schema.json`` lists the same keys (a test compares them).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

Validator = Callable[[Any], "str | None"]


def integer(minimum: int = 0) -> Validator:
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            return f"an integer ≥ {minimum}"
        return None
    return check


def number(v: Any) -> str | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
        return "a number ≥ 0"
    return None


def positive(v: Any) -> str | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
        return "a number > 0"
    return None


def text(v: Any) -> str | None:
    return None if isinstance(v, str) and v.strip() else "a non-empty string"


def boolean(v: Any) -> str | None:
    return None if isinstance(v, bool) else "true or false"


def texts(v: Any) -> str | None:
    ok = isinstance(v, list) and v and all(isinstance(x, str) and x.strip() for x in v)
    return None if ok else "a non-empty list of strings"


def numbers(v: Any) -> str | None:
    ok = isinstance(v, list) and v and all(positive(x) is None for x in v)
    return None if ok else "a non-empty list of numbers > 0, e.g. [25] or [25, 50]"


def datetime(v: Any) -> str | None:
    return None if isinstance(v, (dt.datetime, dt.date)) else "a TOML date-time"


def date_or_text(v: Any) -> str | None:
    return None if isinstance(v, (dt.datetime, dt.date)) or text(v) is None else "a TOML date or a string"


def ratio(v: Any) -> str | None:
    try:
        w, h = (int(x) for x in str(v).split(":"))
        return None if w > 0 and h > 0 else "a ratio such as \"16:9\""
    except ValueError:
        return "a ratio such as \"16:9\""


def one_of(*choices: str) -> Validator:
    def check(v: Any) -> str | None:
        return None if v in choices else "one of " + ", ".join(f'"{c}"' for c in choices)
    return check


def pattern(regex: str, example: str) -> Validator:
    def check(v: Any) -> str | None:
        return None if isinstance(v, str) and re.fullmatch(regex, v) else f"a string like {example}"
    return check


ORIENTATIONS = ("landscape", "portrait", "any")
KINDS = ("video", "image", "document", "other")

FORMAT1: dict[str, dict[str, Validator]] = {
    "": {"name": text, "title": text, "deadline": datetime, "themes": texts},
    "video": {
        "container": text, "extensions": texts, "width": integer(1), "height": integer(1),
        "aspect": ratio, "aspect_tolerance": number, "min_duration_s": number,
        "max_duration_s": number, "progressive": boolean, "codecs": texts,
        "audio_codecs": texts, "bit_depth": integer(1), "chroma_subsampling": text,
        "min_fps": number, "max_fps": number,
    },
    "case": {
        "document_format": text, "max_words": integer(1), "min_images": integer(0),
        "image_format": text, "image_extensions": texts, "image_width": integer(1),
        "image_height": integer(1),
    },
    "archive": {
        "formats": texts, "max_bytes": integer(1), "max_unpacked_bytes": integer(1),
        "max_ratio": number, "max_entries": integer(1),
    },
}

AUDIO: dict[str, Validator] = {
    "codec": text, "sample_rate": integer(1), "channels": integer(1),
    "min_bitrate_kbps": number, "max_bitrate_kbps": number,
}

FORMAT2: dict[str, dict[str, Validator]] = {
    "": {"format": integer(2), "name": text, "title": text, "year": integer(1900), "deadline": datetime,
         "themes": texts, "verified": boolean},
    "video": {
        **FORMAT1["video"],
        "min_width": integer(1), "max_width": integer(1), "min_height": integer(1), "max_height": integer(1),
        "orientation": one_of(*ORIENTATIONS), "fps": numbers,
        "min_bitrate_kbps": number, "max_bitrate_kbps": number, "min_bytes": integer(0), "max_bytes": integer(1),
        "audio": lambda v: None if isinstance(v, dict) else "a table such as {codec = \"AAC\"}",
    },
    "case": {
        **FORMAT1["case"],
        "image_formats": texts, "image_min_width": integer(1), "image_min_height": integer(1),
        "image_max_width": integer(1), "image_max_height": integer(1), "image_min_long_side": integer(1),
        "image_min_bytes": integer(0), "image_max_bytes": integer(1), "image_color_mode": text,
        "image_orientation": one_of(*ORIENTATIONS), "max_chars": integer(1),
    },
    "archive": {**FORMAT1["archive"], "total_max_bytes": integer(1)},
}

SOURCE: dict[str, Validator] = {"title": text, "issuer": text, "date": date_or_text, "url": text}
MANUAL: dict[str, Validator] = {"id": pattern(r"M\d{3}", '"M001"'), "zh": text, "en": text}
DELIVERABLE: dict[str, Validator] = {
    "id": pattern(r"[A-Za-z][A-Za-z0-9_-]*", '"video" or "poster"'), "title": text, "kind": one_of(*KINDS),
    "count": integer(0), "min_count": integer(0), "max_count": integer(1),
    "match": texts, "name": text, "archive": text, "formats": texts, "max_bytes": integer(1),
    "rules": lambda v: None if isinstance(v, dict) else "a table of the section's keys",
}
#: The section a deliverable's ``rules`` table is merged over, by kind.
RULES_SECTION = {"video": "video", "image": "case", "document": "case"}

#: Exact value → the bounds that may not be given with it (format 2 refuses both).
EXCLUSIVE = {
    "width": ("min_width", "max_width"), "height": ("min_height", "max_height"),
    "fps": ("min_fps", "max_fps"), "image_width": ("image_min_width", "image_max_width"),
    "image_height": ("image_min_height", "image_max_height"), "image_format": ("image_formats",),
}
#: (minimum, maximum) pairs of one section: min ≤ max.
RANGES = [
    ("min_duration_s", "max_duration_s"), ("min_fps", "max_fps"), ("min_width", "max_width"),
    ("min_height", "max_height"), ("min_bitrate_kbps", "max_bitrate_kbps"), ("min_bytes", "max_bytes"),
    ("image_min_width", "image_max_width"), ("image_min_height", "image_max_height"),
    ("image_min_bytes", "image_max_bytes"), ("min_count", "max_count"),
]

#: Safety limits, not contest rules: a format-2 profile that leaves them out keeps these (A007).
ARCHIVE_GUARDS = {"max_unpacked_bytes": 4_294_967_296, "max_ratio": 100, "max_entries": 10_000}


def key_set() -> dict[str, set[str]]:
    """Every format-2 key by place ("" top level, "video", "video.audio", "deliverable"…), for the
    schema test."""
    return {**{k: set(v) for k, v in FORMAT2.items()}, "video.audio": set(AUDIO), "source": set(SOURCE),
            "manual": set(MANUAL), "deliverable": set(DELIVERABLE)}
