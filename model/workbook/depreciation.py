"""The Depreciation sheet: the vintage schedule of every capitalized class.

Depreciation and net book value by year bought, half-year convention (docs/model.md section 4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from model.vintages import half_year_weight
from model.workbook.layout import HEADER_ROW, LABEL_COL, UNIT_COL, cell, year_col

if TYPE_CHECKING:
    from model.workbook.writer import WorkbookWriter


def write_depreciation(writer: WorkbookWriter) -> None:
    """Write the schedules and record their total rows in ``writer.dep_rows``."""
    sheet, f = writer.sheets["Depreciation"], writer.formats
    horizon, resolved = writer.horizon, writer.resolved
    writer.year_layout(sheet, 30)
    writer.title(
        sheet,
        "Depreciation: vintage schedule by asset class",
        "Half-year convention: half a year's depreciation in the year bought and in year L, full years between "
        "(docs/model.md section 4). Rows are the years capex was spent, columns the fiscal years.",
    )
    sheet.write_string(HEADER_ROW, LABEL_COL, "Vintage (year bought)", f.header_left)
    sheet.write_string(HEADER_ROW, UNIT_COL, "Capex", f.header_left)
    writer.year_headers(sheet, HEADER_ROW)
    plan_lives = np.array([c.get("life", 1) for c in resolved["asset_classes"]], dtype=float)
    age = np.arange(horizon)[None, :] - np.arange(horizon)[:, None]  # year t - vintage v
    life = plan_lives[:, None, None]
    weight = half_year_weight(age, life)
    remaining = np.where(age >= 0, 1.0 - np.minimum(age + 0.5, life) / life, 0.0)
    row = HEADER_ROW + 1
    capitalized = [i for i, c in enumerate(resolved["asset_classes"]) if c["treatment"] == "capitalized"]
    if not capitalized:
        writer.text(sheet, row, LABEL_COL, "No capitalized asset class: nothing is depreciated.", f.note)
    header_ref = f"{{col}}${HEADER_ROW + 1}"
    for index in capitalized:
        cls = resolved["asset_classes"][index]
        live = writer.class_cells[index]
        capex = np.asarray(resolved["capex"][cls["name"]], dtype=float)
        life = float(cls["life"])
        row = writer.section(sheet, row, "")
        sheet.write_formula(
            row - 1, LABEL_COL, f"={cell('Assumptions', writer.class_rows[index], LABEL_COL)}", f.section, cls["name"]
        )
        sheet.write_formula(row - 1, UNIT_COL, f"={live['life']}", f.life, life)
        life_ref = xl_rowcol_to_cell(row - 1, UNIT_COL, True, True)
        blocks = (
            ("Depreciation by vintage", "depreciation", capex[:, None] * weight[index] / life),
            ("Net book value by vintage", "net_ppe", capex[:, None] * remaining[index]),
        )
        for title, total_key, matrix in blocks:
            writer.text(sheet, row, LABEL_COL, title, f.kpi_label)
            row += 1
            first_vintage_row = row
            for v in range(1, horizon + 1):
                sheet.write_formula(row, LABEL_COL, f"=base_year+{v}", f.integer, writer.model["base_year"] + v)
                sheet.write_formula(row, UNIT_COL, f"={writer.capex_cell(index, v)}", f.money, capex[v - 1])
                vintage = f"$B{row + 1}"
                for t in range(v, horizon + 1):
                    col = year_col(t)
                    age = f"({header_ref.format(col=xl_col_to_name(col))}-{vintage})"
                    if total_key == "depreciation":
                        weight_formula = f"IF({age}=0,0.5,IF({age}<={life_ref}-1,1,IF({age}={life_ref},0.5,0)))"
                        formula = f"=$C{row + 1}*{weight_formula}/{life_ref}"
                    else:
                        formula = f"=$C{row + 1}*(1-MIN({age}+0.5,{life_ref})/{life_ref})"
                    sheet.write_formula(row, col, formula, f.money, matrix[v - 1, t - 1])
                row += 1
            totals = matrix.sum(axis=0)
            label = "Depreciation" if total_key == "depreciation" else "Net PP&E"
            writer.text(sheet, row, LABEL_COL, label, f.kpi_label)
            for t in range(1, horizon + 1):
                col = year_col(t)
                span = f"{xl_rowcol_to_cell(first_vintage_row, col)}:{xl_rowcol_to_cell(row - 1, col)}"
                sheet.write_formula(row, col, f"=SUM({span})", f.money, totals[t - 1])
            writer.dep_rows[total_key].append(row)
            row += 1
            if total_key == "depreciation":
                writer.text(sheet, row, LABEL_COL, "Capacity (revenue-generating base)")
                generating = bool(cls["revenue_generating"])
                for t in range(1, horizon + 1):
                    col = year_col(t)
                    dep_ref = xl_rowcol_to_cell(row - 1, col)
                    value = totals[t - 1] * life if generating else 0.0
                    sheet.write_formula(
                        row, col, f"=IF({live['revenue_generating']},{dep_ref}*{life_ref},0)", f.money, value
                    )
                writer.dep_rows["capacity"].append(row)
                row += 1
        row += 1
