"""The facts of each kind, typed: every key a probe writes, so that a misspelt key in a rule is a
type error (mypy) rather than a rule that never fires.

``total=False``: a probe stops early on a broken file, so every key may be absent.  The registry
(:data:`kcsubmit.rules.base.Check`) still reads ``Mapping[str, Any]``; each rule module annotates
its check functions with its kind's dict here.
"""

from __future__ import annotations

from typing import Any, TypedDict

# (name inside the container, kind, that entry's facts)
Child = tuple[str, str, dict[str, Any]]


class VideoFacts(TypedDict, total=False):
    # file and container (probes/video.py)
    suffix: str
    size_bytes: int | None
    error: str
    timeout_s: float
    damaged: dict[str, Any]  # a box table that cannot be: {"box", "count", "room"}
    container: str | None
    brand: str | None
    compatible_brands: list[str]
    truncated: bool
    faststart: bool | None
    video_tracks: int
    audio_tracks: int
    audio_codec: str | None
    audio_sample_rate: int | None  # Hz
    audio_channels: int | None
    audio_bitrate_kbps: float | None  # average, kb/s (1000 bit/s)
    # the first video track
    video_codec: str | None
    video_profile: str | None
    width: int
    height: int
    pixel_aspect_ratio: float
    rotation: int
    display_width: int
    display_height: int
    duration_s: float | None
    duration_header_s: float | None
    scan_type: str | None
    bit_depth: int | None
    chroma_subsampling: str | None
    frame_rate: float | None
    frame_rate_mode: str | None
    video_bitrate_kbps: float | None  # the video stream's average, kb/s (1000 bit/s)
    # colours (probes/colour.py)
    color_primaries: str | None
    transfer: str | None
    matrix: str | None
    color_range: str | None
    hdr_format: str | None
    dolby_vision_compatible: bool | None
    peak_luminance: float | None
    # the sample tables (probes/samples.py)
    fps_min: float
    fps_mean: float
    fps_max: float | None
    samples_outside: dict[str, Any] | None


class ImageFacts(TypedDict, total=False):
    format: str | None
    name: str
    suffix: str
    size_bytes: int | None
    width: int | None
    height: int | None
    display_width: int | None
    display_height: int | None
    orientation: int | None
    mode: str | None
    decoded: bool
    decode_error: str | None
    loose: bool
    references: int  # a picture a document points at but does not hold: how many times


class DocumentFacts(TypedDict, total=False):
    format: str | None
    suffix: str
    size_bytes: int
    opened: bool
    open_error: str
    encrypted: bool
    oversized: dict[str, Any]  # {"part", "size", "limit"}
    converter: str
    word_count: int
    word_count_body: int
    saved_word_count: int | None
    hanzi: int
    latin_words: int
    longest_paragraphs: list[Any]
    comments: int
    revisions: int
    images: int
    image_refs: int
    repeated_images: list[str]
    missing_images: int
    linked_images: int
    children: list[Child]


class ArchiveFacts(TypedDict, total=False):
    format: str
    suffix: str
    name: str
    size_bytes: int
    role: str | None
    volume: str | None
    headers_encrypted: bool
    damaged: str
    readable: int
    entries: int
    files: int
    unpacked_bytes: int
    ratio: float
    encrypted: list[str]
    unsafe: list[list[str]]
    junk: list[str]
    non_utf8: list[list[str]]
    hidden: list[str]
    bomb: str | None
    rar_tool: str | None
    rar_tool_path: str | None
    unverified: list[str]
    unverified_tool: str
    unverified_detail: str
    children: list[Child]
    videos: list[str]
    documents: list[str]
    nested: list[str]
    pack_total_bytes: int  # pack: every archive of its plan together (A014)
    pack_archives: int


class SubmissionFacts(TypedDict, total=False):
    """A submission as a whole (manifest.Submission.facts, engine)."""

    source: str
    studio: str | None
    themes: list[list[str]]
    document: str | None
    missing: list[str]
    recased: list[list[str]]
    name_template: str
    for_pack: bool
    fields: dict[str, str]  # the manifest's [fields] and the studio: values of name templates
    assigned: list[list[str]]  # [deliverable id, path] (profile format 2)
    archives: list[list[str]]  # [deliverable id, path] of an archive its name template names
    unassigned: list[list[str]]  # [kind, path] of a file no deliverable takes
