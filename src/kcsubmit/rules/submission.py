"""Rules of kind submission (SPEC §3); checks are registered with @rule as they are written."""

from __future__ import annotations
