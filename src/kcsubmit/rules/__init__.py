"""The rule registry: ``RULES`` maps every rule ID of SPEC §3 to its Rule."""

from __future__ import annotations

# Each module registers its rules with @rule when it is imported.
from . import archive, deliverable, document, image, image_limits, submission, video, video_limits  # noqa: F401
from .base import RULES, Rule, Violation, rules_for

__all__ = ["RULES", "Rule", "Violation", "rules_for"]
