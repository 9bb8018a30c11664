"""The workbench window (PySide6 and pyqtgraph). Imported only when a window is wanted."""

import ctypes
import sys

if sys.version_info < (3, 12):
    # PySide6 6.12 hands back True, False and None without taking a reference in places
    # (SignalInstance.emit() returns True so; pyqtgraph emits dozens of signals per chart
    # update), so their reference counts fall until Python frees them and aborts
    # ("bool_dealloc", "none_dealloc") mid-session or at exit. From Python 3.12 these objects are
    # immortal; give them the same protection here.
    for singleton in (True, False, None):
        ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 40
