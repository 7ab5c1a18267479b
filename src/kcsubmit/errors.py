"""Exceptions the CLI turns into one line on stderr and exit code 2."""

from __future__ import annotations

from typing import Any


class KcsubmitError(Exception):
    """The command could not do its job (exit code 2).

    ``key`` names a ``[ui]`` phrase of the locales, so the line can be shown in
    the user's language; the English ``message`` serves the library and logs.
    """

    def __init__(self, message: str, key: str | None = None, **values: Any) -> None:
        super().__init__(message)
        self.key = key
        self.values = values

    def localized(self, lang: str) -> str:
        if self.key is None:
            return str(self)
        from .i18n import ui

        return ui(self.key, lang, **self.values)


class UsageError(KcsubmitError):
    """Bad arguments or configuration: a missing path, a bad profile."""


class ToolMissing(KcsubmitError):
    """An optional backend is not installed; the message names what to install."""
