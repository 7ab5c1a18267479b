"""Write the seed corpora of the atheris harnesses: ``python tests/fuzz/make_corpus.py OUTDIR``.

OUTDIR/zip, OUTDIR/docx, OUTDIR/jpeg and OUTDIR/mp4 receive small, mostly valid files made
with the test fixtures (fixtures/videogen.py, docgen.py, archivegen.py, tests/rarwriter.py):
the fuzzer mutates them, so starting from files that parse deep gets past the first
header check at once.  Nothing here is committed; building takes a few seconds.
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "fixtures"), str(ROOT / "tests")]

import archivegen as ag  # noqa: E402
import docgen  # noqa: E402
import videogen  # noqa: E402


def videos(folder: Path) -> dict[str, bytes]:
    """3-second clips, small: each probes in milliseconds."""
    made = {
        "good.mp4": {},
        "moov-last.mp4": {"faststart": False},
        "small-no-audio.mp4": {"width": 320, "height": 180, "audio": None},
        "rotated.mp4": {"width": 640, "height": 360, "rotation": 90},
        "anamorphic.mp4": {"width": 1440, "height": 1080, "sar": "4:3"},
        "interlaced.mp4": {"width": 640, "height": 360, "interlaced": True},
        "mpeg4-mp3.mp4": {"width": 320, "height": 180, "codec": "mpeg4", "audio": "mp3"},
        "quicktime.mov": {"width": 320, "height": 180},
    }
    return {name: videogen.make_video(folder / name, duration=3.0, **options).read_bytes()
            for name, options in made.items()}


def pictures() -> dict[str, bytes]:
    return {
        "good.jpg": docgen.jpeg(seed=1),
        "oriented.jpg": docgen.jpeg((480, 640), seed=2, orientation=6),
        "cmyk.jpg": docgen.jpeg(seed=3, mode="CMYK"),
        "grey.jpg": docgen.jpeg((64, 48), seed=4, mode="L"),
        "small.jpg": docgen.jpeg((32, 24), seed=5, quality=30),
        "png.jpg": docgen.jpeg((64, 48), seed=6, fmt="PNG"),
        "gif.jpg": docgen.jpeg((64, 48), seed=7, fmt="GIF"),
    }


def documents(folder: Path, jpegs: dict[str, bytes]) -> dict[str, bytes]:
    text = [docgen.chinese_text(120)]
    five = docgen.compliant_pictures(5)
    made = {
        "good.docx": {"paragraphs": text, "pictures": five},
        "marked-up.docx": {"paragraphs": text, "pictures": five[:2], "tracked_change": True, "comment": True},
        "odd-pictures.docx": {"paragraphs": text, "pictures": [jpegs["png.jpg"], jpegs["cmyk.jpg"], five[0], five[0]]},
        "long.docx": {"paragraphs": [docgen.chinese_text(600), "Latin words too, counted as words."]},
        "empty.docx": {"paragraphs": []},
    }
    return {name: docgen.make_docx(folder / name, **options).read_bytes() for name, options in made.items()}


def archives(folder: Path, video: bytes, picture: bytes, document: bytes) -> dict[str, Path]:
    theme = {"人工智能.mp4": video, "图片/01.jpg": picture}
    made = {
        "theme.zip": lambda p: ag.zip_of(p, theme),
        "deflated.zip": lambda p: ag.zip_of(p, theme, stored=False),
        "case.zip": lambda p: ag.zip_of(p, {"案例.docx": document, "图片/01.jpg": picture}),
        "gbk.zip": lambda p: ag.gbk_names_zip(p, {"人工智能.mp4": video}),
        "unicode-path.zip": lambda p: ag.unicode_path_zip(p, {"人工智能.mp4": video}),
        "encrypted.zip": lambda p: ag.encrypted_zip(p),
        "slip.zip": lambda p: ag.zip_slip(p),
        "symlink.zip": lambda p: ag.symlink_zip(p),
        "nested.zip": lambda p: ag.nested_zip(p),
        "junk.zip": lambda p: ag.junk_zip(p),
        "empty.zip": lambda p: ag.empty_zip(p, ("图片",)),
        "seven.7z": lambda p: ag.seven_zip(p, {"人工智能.mp4": video}),
        "targz.zip": lambda p: ag.targz_named_zip(p, {"人工智能.mp4": video}),
    }
    out = {name: make(folder / name) for name, make in made.items()}
    try:
        import rarwriter
    except ImportError:
        return out
    for version in (4, 5):
        out[f"rar{version}.rar"] = rarwriter.write_rar(folder / f"rar{version}.rar", [("人工智能.mp4", video)],
                                                       version=version)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    args = parser.parse_args(argv)
    work = args.outdir / ".work"
    target = {kind: args.outdir / kind for kind in ("zip", "docx", "jpeg", "mp4")}
    for folder in (work, *target.values()):
        folder.mkdir(parents=True, exist_ok=True)
    clips = videos(work)
    jpegs = pictures()
    docs = documents(work, jpegs)
    for name, data in clips.items():
        (target["mp4"] / name).write_bytes(data)
    for name, data in jpegs.items():
        (target["jpeg"] / name).write_bytes(data)
    for name, data in docs.items():
        (target["docx"] / name).write_bytes(data)
    for name, path in archives(work, clips["good.mp4"], jpegs["good.jpg"], docs["good.docx"]).items():
        (target["zip"] / name).write_bytes(path.read_bytes())
    # A docx is a zip: the zip harness gets one, the docx harness gets a plain zip too.
    (target["zip"] / "document.docx.zip").write_bytes(docs["good.docx"])
    (target["docx"] / "not-a-document.zip").write_bytes((target["zip"] / "theme.zip").read_bytes())
    with zipfile.ZipFile(io.BytesIO(docs["good.docx"])) as z:  # the package without its pictures
        parts = {i.filename: z.read(i) for i in z.infolist() if not i.filename.startswith("word/media/")}
    (target["docx"] / "pictures-missing.docx").write_bytes(ag._zip_bytes(parts, stored=False))
    for path in sorted(work.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    work.rmdir()
    for folder in target.values():
        files = list(folder.iterdir())
        print(f"{folder}: {len(files)} files, {sum(f.stat().st_size for f in files)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
