"""The workbench window (PySide6 and pyqtgraph). Imported only when a window is wanted."""
