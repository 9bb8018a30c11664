"""The workbench window (PySide6 and pyqtgraph). Imported only when a window is wanted."""

import ctypes
import sys

if sys.version_info < (3, 12):
    # PySide6 6.12's SignalInstance.emit() returns True without taking a reference, so every
    # signal emitted (pyqtgraph emits dozens per chart update) lowers True's reference count
    # until Python frees it and aborts ("bool_dealloc") mid-session or at exit. From Python 3.12
    # True and False are immortal; give them the same protection here.
    for flag in (True, False):
        ctypes.c_ssize_t.from_address(id(flag)).value += 1 << 40
