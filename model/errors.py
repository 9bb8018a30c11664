"""Exceptions raised by the model layer.

Every error names the field it is about with a path such as ``drivers.utilization[3]`` (list
indices count from 0, as in the JSON file) and the rule that was broken, so that the command
line, the window and the workbook reader can all show the same one-line message.
"""

from __future__ import annotations


class ModelError(ValueError):
    """A model, a file or an edit breaks a rule; nothing was computed or changed.

    ``path`` is the field (empty for the file as a whole) and ``rule`` what is wrong with it.
    """

    def __init__(self, path: str, rule: str) -> None:
        self.path = path
        self.rule = rule
        super().__init__(f"{path}: {rule}" if path else rule)


class ModelFileError(ModelError):
    """A file could not be read or written (missing, unreadable, not JSON, disk full...)."""
