"""The workbench window (PySide6 and pyqtgraph): views and a controller over ``model``."""
