"""The rule registry: ``RULES`` maps every rule ID of SPEC §3 to its Rule."""

from __future__ import annotations

from . import video  # noqa: F401  (registers V001–V013)
from . import catalogue  # noqa: F401  (declares the rest; must come last)
from .base import RULES, Rule, Violation, rules_for

__all__ = ["RULES", "Rule", "Violation", "rules_for"]
