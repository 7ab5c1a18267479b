"""Rules of SPEC §3 whose checks arrive with later capabilities.

They are declared here so that ``kcsubmit rules``, ``explain`` and profiles
know every ID from the start; a check module replaces the declaration by
registering the same ID with its check function.
"""

from __future__ import annotations

from .base import RULES, declare

PENDING = [
    # Case document
    ("D001", "document-not-docx", "document", "error", True),
    ("D002", "document-unreadable", "document", "error", False),
    ("D003", "document-too-many-words", "document", "error", False),
    ("D004", "document-too-few-pictures", "document", "error", False),
    ("D005", "document-picture-repeated", "document", "warning", False),
    ("D006", "document-tracked-changes", "document", "warning", False),
    ("D007", "document-empty", "document", "error", False),
    # Images
    ("I001", "image-not-jpeg", "image", "error", True),
    ("I002", "image-not-640x480", "image", "error", True),
    ("I003", "image-corrupt", "image", "error", False),
    ("I004", "image-exif-orientation", "image", "warning", True),
    ("I005", "image-not-rgb", "image", "warning", True),
    ("I006", "image-too-small", "image", "info", False),
    # Archives
    ("A001", "archive-not-zip-or-rar", "archive", "error", True),
    ("A002", "archive-too-big", "archive", "error", True),
    ("A003", "archive-encrypted", "archive", "error", False),
    ("A004", "archive-unsafe-path", "archive", "error", False),
    ("A005", "archive-junk-entries", "archive", "warning", True),
    ("A006", "archive-names-not-utf8", "archive", "warning", True),
    ("A007", "archive-bomb", "archive", "error", False),
    ("A008", "archive-damaged", "archive", "error", False),
    ("A009", "archive-nested", "archive", "warning", False),
    ("A010", "archive-split-volume", "archive", "error", False),
    ("A011", "archive-wrong-contents", "archive", "error", False),
    ("A012", "archive-empty", "archive", "error", False),
    # Submission
    ("S001", "submission-no-theme-video", "submission", "error", False),
    ("S002", "submission-two-videos-one-theme", "submission", "error", False),
    ("S003", "submission-unknown-theme", "submission", "error", False),
    ("S004", "submission-no-studio", "submission", "error", False),
    ("S005", "submission-file-missing", "submission", "error", False),
]

for rule_id, name, kind, severity, fixable in PENDING:
    if rule_id not in RULES:
        declare(rule_id, name, kind, severity, fixable)
