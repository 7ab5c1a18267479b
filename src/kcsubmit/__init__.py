"""kcsubmit: check, fix and pack submissions for the 科创筑梦 云上工作室 activity.

The library API::

    import kcsubmit
    report = kcsubmit.check(["videos/"], rules="2023")
    print(report.ok, report.errors)
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "check"]


def check(paths, rules="2023", jobs=1):  # type: ignore[no-untyped-def]
    """Inspect files, folders or archives against a rules profile; returns a Report.

    ``rules`` is a built-in profile name or a path to a profile TOML file.
    """
    from .engine import check as _check

    return _check(paths, rules=rules, jobs=jobs)
