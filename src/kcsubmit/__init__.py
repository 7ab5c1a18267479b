"""kcsubmit: check, fix and pack submissions for the 科创筑梦 云上工作室 activity.

The library API::

    import kcsubmit
    report = kcsubmit.check(["videos/"], rules="2023")
    print(report.ok, report.errors)
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "check"]


def check(paths=(), rules=None, jobs=1):  # type: ignore[no-untyped-def]
    """Inspect files, folders or a kcsubmit.toml against a rules profile; returns a Report.

    ``paths``: files, folders or a manifest (none: the current folder). ``rules``: a
    built-in profile name or a profile TOML file; ``None`` takes the manifest's, else
    ``2023``. ``jobs``: files inspected at once. Never prints; raises
    :class:`kcsubmit.errors.KcsubmitError` when it cannot do its job (a missing path,
    a bad profile or manifest).
    """
    from .engine import check as _check

    return _check(paths, rules=rules, jobs=jobs)
