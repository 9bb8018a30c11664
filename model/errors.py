"""Exceptions raised by the model layer.

Every error names the field it is about with a path such as ``drivers.utilization[3]`` (list
indices count from 0, as in the JSON file) and the rule that was broken, so that the command
line, the window and the workbook reader can all show the same one-line message.

A message often echoes what the user gave (an unknown key, a file name, a scenario); its control
characters (a terminal escape sequence, a line break, a bidirectional override) are shown quoted,
as ``\\x1b`` or ``\\u202e``, so no message can drive a terminal or span two lines.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the format characters that reorder or hide text on screen.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def printable(text: str) -> str:
    """``text`` with every control character written as an escape: safe to print on one line."""
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


class ModelError(ValueError):
    """A model, a file or an edit breaks a rule; nothing was computed or changed.

    ``path`` is the field (empty for the file as a whole) and ``rule`` what is wrong with it.
    The message (``str(error)``) has their control characters quoted (see ``printable``).
    """

    def __init__(self, path: str, rule: str) -> None:
        self.path = path
        self.rule = rule
        super().__init__(printable(f"{path}: {rule}" if path else str(rule)))


class ModelFileError(ModelError):
    """A file could not be read or written (missing, unreadable, not JSON, disk full...)."""
