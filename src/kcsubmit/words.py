"""Plain Chinese for what fix did (issue 19 item 6).

The fixers describe their work in English with the technical terms ("trim 360.0 s → 300.0 s,
1 s fade-out", "EXIF orientation 6 applied", "H.264 (libx264)"); the JSON report keeps those
words.  For Chinese output :func:`detail` says each in words a teacher uses, and
:func:`place` says where a picture inside a document is ("案例.docx 里的图片 image1.JPG"
instead of ``案例.docx!word/media/image1.JPG``).  English output is unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable

FIT_ZH = {"pad": "两边补边", "crop": "裁掉多出的边", "blur": "空处用模糊的画面填满", "stretch": "拉伸"}

_Rule = tuple["re.Pattern[str]", Callable[["re.Match[str]"], str]]


def _fit(match: re.Match[str]) -> str:
    fit = match.group("fit")
    tail = f"，{FIT_ZH.get(fit, fit)}" if fit else ""
    return f"尺寸 {match.group('a')} 改为 {match.group('b')}{tail}"


def _picture(match: re.Match[str]) -> str:
    what = "，".join(detail(part, "zh") for part in match.group("what").split(", "))
    return f"文档里的图片 {match.group('name')}：{what}"


RULES: list[_Rule] = [
    (re.compile(r"trim (?P<a>[\d.]+) s → (?P<b>[\d.]+) s, 1 s fade-out"),
     lambda m: f"只保留前 {float(m['b']):g} 秒（原长 {float(m['a']):g} 秒），结尾 1 秒渐渐变暗"),
    (re.compile(r"H\.264 \((?P<enc>[\w-]+)\)"), lambda m: "重新压缩成所有设备都能播放的视频格式"),
    (re.compile(r"audio (?P<c>.+) → AAC"), lambda m: "声音转成所有设备都能播放的格式"),
    (re.compile(r"(?P<qt>QuickTime → MP4, )?moov moved to the front \(stream copy\)"),
     lambda m: ("改成 MP4 文件，" if m["qt"] else "")
     + "把播放所需的信息移到文件开头（网页能边下边播），画面没有重新压缩"),
    (re.compile(r"deinterlace \((?P<s>.*)\)"), lambda m: "去掉隔行扫描造成的横纹"),
    (re.compile(r"(?P<a>\d+x\d+) → (?P<b>\d+x\d+)(?: \((?P<fit>\w+)\))?"), _fit),
    (re.compile(r"two passes at (?P<n>\d+) kb/s to fit"), lambda m: "压缩了两遍，保证不超过大小上限"),
    (re.compile(r"tone-mapped (?P<h>.+) → SDR BT\.709"), lambda m: "HDR 画面转成普通屏幕上颜色正常的画面"),
    (re.compile(r"colours (?P<c>.+) → BT\.709"), lambda m: "颜色转成普通屏幕的标准"),
    (re.compile(r"EXIF orientation (?P<n>\d+) applied"), lambda m: "按拍摄方向把照片转正"),
    (re.compile(r"(?P<m>CMYK|YCCK|P|PA|LA|RGBA|I;16|I|F|1) → RGB"), lambda m: "颜色改成网页能正常显示的模式"),
    (re.compile(r"(?P<a>\w+) → (?P<b>JPEG|docx|zip)"), lambda m: f"{m['a']} 格式转成 {m['b']}"),
    (re.compile(r"frame reshaped"), lambda m: "文档里的图框也改成新图片的形状，不会被拉伸"),
    (re.compile(r"names written as UTF-8"), lambda m: "文件名按通用编码保存，对方解压不会乱码"),
    (re.compile(r"left out (?P<n>.+)"), lambda m: f"去掉无用的文件 {m['n']}"),
    (re.compile(r"(?P<name>word/media/[^ ]+) → (?P<new>[^ ]+) \((?P<what>.*)\)"), _picture),
]


def detail(text: str, lang: str) -> str:
    """One line of what fix did, in plain words for ``lang`` (English: as the fixer said it)."""
    if lang != "zh":
        return text
    for pattern, say in RULES:
        match = pattern.fullmatch(text)
        if match:
            return say(match)
    return text


def place(path: str, lang: str) -> str:
    """``案例.docx!word/media/image1.JPG`` → ``案例.docx 里的图片 image1.JPG`` (Chinese only)."""
    if lang != "zh" or "!word/media/" not in path:
        return path
    document, _, inner = path.partition("!word/media/")
    return f"{document} 里的图片 {inner}"
