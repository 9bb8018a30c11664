"""Telling the user where an opened workbook contradicted itself (its visible cells were used)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def show_workbook_warnings(parent: QWidget, path: str | Path, warnings: tuple[str, ...]) -> QMessageBox | None:
    """A warning box listing ``warnings`` (each names its cell), or None when there are none. It
    does not block: the model read is already in use behind it."""
    if not warnings:
        return None
    box = QMessageBox(QMessageBox.Icon.Warning, "Workbook read with conflicts", "", parent=parent)
    box.setText(f"{Path(path).name} was read; where it contradicted itself, its visible cells were used:")
    box.setInformativeText("\n\n".join(warnings))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
