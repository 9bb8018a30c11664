"""Types of the part of XlsxWriter that Capex Workbench calls (the workbook writer in model/workbook/).

XlsxWriter carries annotations in its code but no ``py.typed`` marker (3.2.9 removed it until its
typing is complete), so type checkers treat it as untyped. These stubs follow the signatures of
XlsxWriter 3.3 for the methods we use, cell arguments as row and column numbers only; a method the
workbook code starts to call is added here. mypy reads them through ``mypy_path`` in
pyproject.toml; pyright finds ``typings/`` by default. tests/model/test_xlsxwriter_stubs.py checks
them against the installed XlsxWriter (mypy's stubtest; accepted differences in
``typings/stubtest-allowlist.txt``).
"""

from xlsxwriter.workbook import Workbook as Workbook
