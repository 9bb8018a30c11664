"""The Excel workbook: a live model with formulas, not a dump of numbers, and reading it back.

``export_workbook(model, path, scenario)`` writes one scenario of a valid model as an .xlsx file
whose every computed cell is a formula referring to the inputs (docs/model.md sections 4 to 6)
and also carries the value the workbench computed, so viewers that never recalculate (previews,
pandas, phone apps) show the right numbers. ``read_workbook(path)`` reads the model back from
the Assumptions sheet, so a colleague's edits come home. Sheets, one module each:

* **Summary** (``summary``): the KPIs and two charts.
* **Assumptions** (``assumptions``): every input, and the scenario's overrides in rows of their own.
* **Depreciation** (``depreciation``): the vintage schedule of every capitalized class.
* **Projections** (``projections``): every line of section 4 across the fiscal years, then the
  helper rows of the KPIs (IRR flows, payback).
* **Scenarios**, **Sources**, **Actuals** (``scenarios``, ``sources``, ``actuals``): overrides and
  KPIs of every scenario side by side, where the numbers came from, and reported figures against
  the model.

``layout`` holds what the writer and the reader agree on, ``formats`` the cell formats and
``writer`` the state the sheets share. Timing and signs follow ``model.engine``: year-end flows,
money spent is negative. A null (undefined) result is the empty text ``""`` in its cell, never
an error value.

The analyses the analyst ran (Monte Carlo, tornado, grid, breakeven, bridge) are added by
``analysis_sheets(runs)`` (``risk_sheets``, ``bridge_sheet``), one sheet each and the Monte Carlo's
trials last. Adding a sheet: pass ``extra_sheets``, callables
that receive the ``WorkbookWriter`` after the standard sheets are written and use
``writer.workbook``, ``writer.formats`` (number formats, input style), ``writer.model``,
``writer.results`` and ``writer.line_cell(key, t)`` / ``writer.line_range(key)`` to refer to
projection cells::

    def write_risk(writer):
        sheet = writer.add_sheet("Risk")
        sheet.write_formula(0, 0, f"={writer.line_cell('fcf', 1)}*2", writer.formats.money, 1.0)

    export_workbook(model, "plan.xlsx", "Bull", extra_sheets=[write_risk])
"""

from model.workbook.layout import SHEETS
from model.workbook.reader import read_workbook
from model.workbook.risk_sheets import analysis_sheets
from model.workbook.writer import export_workbook, save_workbook, workbook_bytes

__all__ = ["SHEETS", "analysis_sheets", "export_workbook", "read_workbook", "save_workbook", "workbook_bytes"]
