"""Reading and checking the two TOML files a user writes: the manifest and a rules profile.

One way to say a misspelt key, with the near one (difflib) and the known ones, so
``[video] max_duraton_s`` and ``[case] imags`` read the same in both files.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable, Iterable
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Fail = Callable[[str, str], Exception]


def loads(text: str, source: str, error: type[Exception]) -> dict[str, Any]:
    """The TOML ``text`` as a dict; ``error("SOURCE: not valid TOML: ...")`` when it is not."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{source}: not valid TOML: {exc}") from None


def known_keys(table: Iterable[str], keys: Iterable[str], prefix: str, fail: Fail) -> None:
    """Raise ``fail(PREFIX+KEY, "unknown key (did you mean 'X'?) (known: ...)")`` for the first key
    of ``table`` not in ``keys``."""
    keys = list(keys)
    for key in table:
        if key not in keys:
            near = difflib.get_close_matches(key, keys, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            raise fail(f"{prefix}{key}", f"unknown key{hint} (known: {', '.join(sorted(keys))})")
