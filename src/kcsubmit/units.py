"""Measured quantities that render themselves per language (5分12秒 / 5 min 12 s)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Seconds:
    value: float

    def render(self, lang: str) -> str:
        total = max(0.0, float(self.value))
        minutes, seconds = divmod(round(total, 1), 60)
        minutes = int(minutes)
        sec = f"{seconds:.1f}".rstrip("0").rstrip(".")
        if lang == "zh":
            if minutes and sec == "0":
                return f"{minutes}分钟"
            return f"{minutes}分{sec}秒" if minutes else f"{sec}秒"
        if minutes and sec == "0":
            return f"{minutes} min"
        return f"{minutes} min {sec} s" if minutes else f"{sec} s"

    def __str__(self) -> str:
        return f"{self.value:g}"


@dataclass(frozen=True)
class Bytes:
    value: int

    def render(self, lang: str) -> str:
        # Decimal megabytes: the notice's "300M" is read as 300,000,000 bytes.
        n = int(self.value)
        if n >= 1_000_000:
            return f"{n / 1_000_000:.1f} MB"
        if n >= 1_000:
            return f"{n / 1_000:.1f} KB"
        return f"{n} 字节" if lang == "zh" else f"{n} bytes"

    def __str__(self) -> str:
        return str(self.value)


@dataclass(frozen=True)
class Openings:
    """The longest paragraphs as (words, opening): “开头……”（120字）."""

    items: tuple[tuple[int, str], ...]

    def render(self, lang: str) -> str:
        if lang == "zh":
            return "；".join(f"“{text}”（{words}字）" for words, text in self.items)
        return "; ".join(f"\u201c{text}\u201d ({words} words)" for words, text in self.items)

    def __str__(self) -> str:
        return " | ".join(text for _, text in self.items)


@dataclass(frozen=True)
class Phrase:
    """A fixed phrase of the locales' [ui] table, rendered in the reader's language."""

    key: str

    def render(self, lang: str) -> str:
        from .i18n import ui

        return ui(self.key, lang)

    def __str__(self) -> str:
        return self.key
