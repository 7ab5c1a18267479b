"""LibreOffice (``soffice``): where it is.  External programs live beside each other at the top
of the package (:mod:`kcsubmit.ffmpeg`, this module), so probes and fixers both import them from
here and never each other."""

from __future__ import annotations

import shutil
from pathlib import Path

PLACES = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)
INSTALL_HINT = ("install LibreOffice from https://www.libreoffice.org (Debian/Ubuntu: "
                "apt-get install libreoffice-writer; macOS: brew install --cask libreoffice), "
                "or open the file in Word or WPS and save it as .docx")


def find_soffice() -> str | None:
    """LibreOffice's ``soffice`` (or ``libreoffice``) on PATH, else in its usual install place."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    return next((place for place in PLACES if Path(place).is_file()), None)
