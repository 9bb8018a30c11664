"""The Excel workbook: a live model with formulas, not a dump of numbers, and reading it back.

``export_workbook(model, path, scenario)`` writes a valid model as an .xlsx file whose every
computed cell is a formula referring to the inputs (docs/model.md sections 4 to 6) and also
carries the value the workbench computed for ``scenario``, so viewers that never recalculate
(previews, pandas, phone apps) show the right numbers. Every scenario is live: the Summary's named
cell ``scenario`` picks the one every input follows. ``read_workbook(path)`` reads the model back
from the Assumptions sheet, so a colleague's edits come home (``read_workbook_reporting`` also
says where the workbook contradicted itself). Nothing is hidden. Sheets, one module each:

* **Summary** (``summary``, ``scenario_cell``): the scenario cell, the KPIs and two charts.
* **Assumptions** (``assumptions``): every input, each scenario's overrides in rows of their own,
  and the rows in use that pick by the scenario cell.
* **Depreciation** (``depreciation``): the vintage schedule of every capitalized class.
* **Projections** (``projections``): every line of section 4 across the fiscal years, then the
  helper rows of the KPIs (IRR flows, payback).
* **Scenarios**, **Sources**, **Actuals** (``scenarios``, ``sources``, ``actuals``): every scenario
  side by side (figures, change from Base, overridden inputs), where the numbers came from, and
  reported figures against the model.
* **Model file** (``model_file``): what reading back needs that no sheet holds as an input (JSON).

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
from model.workbook.reader import read_workbook, read_workbook_reporting
from model.workbook.risk_sheets import analysis_sheets
from model.workbook.writer import export_workbook, save_workbook, workbook_bytes

__all__ = [
    "SHEETS",
    "analysis_sheets",
    "export_workbook",
    "read_workbook",
    "read_workbook_reporting",
    "save_workbook",
    "workbook_bytes",
]
