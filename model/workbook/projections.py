"""The Projections sheet: every line of docs/model.md section 4 across the fiscal years.

Rows are named ``line_<key>``; below them the helper rows of the KPIs (IRR flows, payback) and
the spreadsheet's IRR from several starting rates, which the Summary's ``kpi_irr`` reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from model.irr import IRR_HIGH, IRR_LOW, timed_flows
from model.outputs import LINES
from model.workbook.formats import cached
from model.workbook.layout import HEADER_ROW, KEY_COL, LABEL_COL, UNIT_COL, cell, year_col

if TYPE_CHECKING:
    from model.workbook.writer import WorkbookWriter

# Starting rates of the spreadsheet's IRR solver (None: the WACC); see _write_irr_starts.
IRR_STARTS = (None, -0.9, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 2.0, 5.0)

SECTIONS = {
    "capex_capitalized": "Capex and depreciation",
    "revenue_yield": "Revenue",
    "core_ebita": "EBITA",
    "tax": "Cash flow",
    "discount_factor": "Returns",
}
HELPERS = (
    ("irr_flows", "IRR cash flows (FCF, TV in final year)", "money"),
    ("payback", "Payback if reached this year (years)", "years"),
    ("discounted_payback", "Discounted payback if reached (years)", "years"),
)


def write_projections(writer: WorkbookWriter) -> None:
    """Write the lines and KPI workings; record ``line_rows``, ``helper_rows`` and ``irr_rows``."""
    sheet, f = writer.sheets["Projections"], writer.formats
    horizon = writer.horizon
    writer.year_layout(sheet)
    writer.title(
        sheet,
        f"Projections: {writer.scenario} scenario, {writer.unit_text('money')}",
        "Every line of docs/model.md section 4 as a formula over the Assumptions and Depreciation sheets; "
        "rows are named line_<key>. Empty cells are undefined (e.g. a margin on no revenue).",
    )
    for col, title in ((KEY_COL, "Line"), (LABEL_COL, "Fiscal year"), (UNIT_COL, "Unit")):
        sheet.write_string(HEADER_ROW, col, title, f.header_left)
    writer.year_headers(sheet, HEADER_ROW)
    row = HEADER_ROW + 1
    for key in LINES:
        if key in SECTIONS:
            row = writer.section(sheet, row + (0 if row == HEADER_ROW + 1 else 1), SECTIONS[key])
        writer.line_rows[key] = row
        row += 1
    row = writer.section(sheet, row + 1, "KPI workings")
    for key, _, _ in HELPERS:
        writer.helper_rows[key] = row
        row += 1

    lines = writer.results.lines
    for key, spec in LINES.items():
        r = writer.line_rows[key]
        writer.text(sheet, r, KEY_COL, key)
        writer.text(sheet, r, LABEL_COL, spec.label)
        writer.text(sheet, r, UNIT_COL, writer.unit_text(spec.unit))
        fmt = f.factor if key == "discount_factor" else f.number(spec.unit)
        values = lines.loc[key].to_numpy()
        for t in range(1, horizon + 1):
            sheet.write_formula(r, year_col(t), _line_formula(writer, key, t), fmt, cached(values[t - 1]))
        first, last = year_col(1), year_col(horizon)
        writer.workbook.define_name(
            f"line_{key}", f"=Projections!${xl_col_to_name(first)}${r + 1}:${xl_col_to_name(last)}${r + 1}"
        )

    fcf = lines.loc["fcf"].to_numpy()
    helper_values = {
        "irr_flows": timed_flows(fcf, writer.results.kpis["terminal_value"] or 0.0, False),
        "payback": _payback_reached(fcf, lines.loc["cumulative_fcf"].to_numpy()),
        "discounted_payback": _payback_reached(
            lines.loc["pv_fcf"].to_numpy(), lines.loc["cumulative_pv_fcf"].to_numpy()
        ),
    }
    for key, label, unit in HELPERS:
        r = writer.helper_rows[key]
        writer.text(sheet, r, LABEL_COL, label)
        writer.text(sheet, r, UNIT_COL, writer.unit_text(unit))
        for t in range(1, horizon + 1):
            formula = _helper_formula(writer, key, t)
            sheet.write_formula(r, year_col(t), formula, f.number(unit), cached(helper_values[key][t - 1]))
    _write_irr_starts(writer, sheet, row + 1, helper_values["irr_flows"])


def _write_irr_starts(writer: WorkbookWriter, sheet: Worksheet, row: int, flows: np.ndarray) -> None:
    """The spreadsheet's IRR started from several rates; kpi_irr takes the root nearest the WACC.

    IRR is a Newton solver: from the WACC alone it misses roots far below it (a plan that loses
    money), so several starts find the roots the model layer lists and the nearest one is kept.
    Newton reaches a root near −100 % only from a narrow band, so the roots found at export,
    rounded to 0.1 %, are starts too; after a colleague's edits they are still near the new roots.
    """
    f = writer.formats
    row = writer.section(sheet, row, "IRR from several starting rates")
    first_year_col = year_col(1)
    for col, title in ((UNIT_COL, "Start"), (first_year_col, "IRR"), (first_year_col + 1, "|IRR − WACC|")):
        sheet.write_string(row - 1, col, title, f.section)
    flows_row = writer.helper_rows["irr_flows"] + 1
    flows_ref = f"${xl_col_to_name(year_col(1))}${flows_row}:${xl_col_to_name(year_col(writer.horizon))}${flows_row}"
    wacc = float(writer.resolved["settings"]["wacc"])
    found = (round(root, 3) for root in writer.results.irr_roots)
    starts = [*IRR_STARTS, *(start for start in dict.fromkeys(found) if start not in IRR_STARTS)]
    writer.irr_rows = (row, row + len(starts))
    for start in starts:
        guess = wacc if start is None else start
        if start is None:
            sheet.write_formula(row, UNIT_COL, "=wacc", f.percent, wacc)
        else:
            sheet.write_number(row, UNIT_COL, start, f.percent)
        root = spreadsheet_irr(flows, guess)
        in_range = root is not None and IRR_LOW < root < IRR_HIGH
        irr_ref, start_ref = f"D{row + 1}", f"C{row + 1}"
        sheet.write_formula(row, first_year_col, f'=IFERROR(IRR({flows_ref},{start_ref}),"")', f.percent, cached(root))
        sheet.write_formula(
            row,
            first_year_col + 1,
            f'=IF(ISNUMBER({irr_ref}),IF(AND({irr_ref}>{IRR_LOW},{irr_ref}<{IRR_HIGH}),ABS({irr_ref}-wacc),""),"")',
            f.percent,
            abs(root - wacc) if in_range else "",
        )
        row += 1


def _line_formula(writer: WorkbookWriter, key: str, t: int) -> str:
    """The formula of line ``key`` in year t, as in docs/model.md section 4 (same sheet, same column)."""
    col = xl_col_to_name(year_col(t))
    prev_col = xl_col_to_name(year_col(t - 1)) if t > 1 else None
    line_rows = writer.line_rows

    def here(line: str) -> str:
        return f"{col}{line_rows[line] + 1}"

    def before(line: str) -> str | None:
        return f"{prev_col}{line_rows[line] + 1}" if prev_col else None

    def sum_of(refs: list[str]) -> str:
        return f"=SUM({','.join(refs)})" if refs else "=0"

    def capex_of(treatment: str) -> str:
        classes = writer.resolved["asset_classes"]
        return sum_of([writer.capex_cell(i, t) for i, c in enumerate(classes) if c["treatment"] == treatment])

    def depreciation_total(total: str) -> str:
        return sum_of([cell("Depreciation", r, year_col(t)) for r in writer.dep_rows[total]])

    def drv(name: str) -> str:
        return cell("Assumptions", writer.driver_rows[name], year_col(t))

    year_index = f"({col}${HEADER_ROW + 1}-base_year)"
    formulas = {
        "capex_capitalized": lambda: capex_of("capitalized"),
        "capex_expensed": lambda: capex_of("expensed"),
        "capex_total": lambda: f"={here('capex_capitalized')}+{here('capex_expensed')}",
        "depreciation": lambda: depreciation_total("depreciation"),
        "net_ppe": lambda: depreciation_total("net_ppe"),
        "capacity": lambda: depreciation_total("capacity"),
        "revenue_yield": lambda: f"={before('revenue_yield') or 'ai_revenue_yield'}*(1+{drv('price_change')})",
        "ai_revenue": lambda: f"={here('capacity')}*{here('revenue_yield')}*{drv('utilization')}",
        "pull_through_revenue": lambda: f"=pull_through*{here('ai_revenue')}",
        "plan_revenue": lambda: f"={here('ai_revenue')}+{here('pull_through_revenue')}",
        "core_revenue": lambda: f"={before('core_revenue') or 'base_core_revenue'}*(1+{drv('core_growth')})",
        "total_revenue": lambda: f"={here('core_revenue')}+{here('plan_revenue')}",
        "core_ebita": lambda: f"={here('core_revenue')}*{drv('core_ebita_margin')}",
        "ai_cash_opex": lambda: f"={here('capacity')}*ai_cash_opex_rate+{here('ai_revenue')}*ai_variable_cost_pct",
        "plan_ebita": lambda: (
            f"={here('ai_revenue')}-{here('ai_cash_opex')}-{here('depreciation')}-{here('capex_expensed')}"
            f"+{here('pull_through_revenue')}*{drv('core_ebita_margin')}"
        ),
        "total_ebita": lambda: f"={here('core_ebita')}+{here('plan_ebita')}",
        "ebita_margin": lambda: f"={here('total_ebita')}/{here('total_revenue')}",
        # IFERROR: a ratio that overflows is null, as in the model layer's output.
        "plan_ebita_margin": lambda: (
            f'=IFERROR(IF({here("plan_revenue")}=0,"",{here("plan_ebita")}/{here("plan_revenue")}),"")'
        ),
        "tax": lambda: f"=tax_rate*{here('plan_ebita')}",
        "nopat": lambda: f"={here('plan_ebita')}-{here('tax')}",
        "delta_nwc": lambda: (
            f"=nwc_pct*({here('plan_revenue')}-{before('plan_revenue')})"
            if t > 1
            else f"=nwc_pct*{here('plan_revenue')}"
        ),
        "fcf": lambda: f"={here('nopat')}+{here('depreciation')}-{here('capex_capitalized')}-{here('delta_nwc')}",
        "cumulative_fcf": lambda: f"={before('cumulative_fcf')}+{here('fcf')}" if t > 1 else f"={here('fcf')}",
        "discount_factor": lambda: f"=(1+wacc)^-({year_index}-IF(mid_year,0.5,0))",
        "pv_fcf": lambda: f"={here('fcf')}*{here('discount_factor')}",
        "cumulative_pv_fcf": lambda: (
            f"={before('cumulative_pv_fcf')}+{here('pv_fcf')}" if t > 1 else f"={here('pv_fcf')}"
        ),
        "roic": lambda: _roic_formula(here("nopat"), here("net_ppe"), before("net_ppe")),
        "implied_share": lambda: (
            f'=IFERROR(IF(N({drv("cloud_market")})>0,{here("total_revenue")}/{drv("cloud_market")},""),"")'
        ),
    }
    return formulas[key]()


def _roic_formula(nopat: str, ppe: str, ppe_before: str | None) -> str:
    average = f"({ppe_before}+{ppe})/2" if ppe_before else f"{ppe}/2"
    return f'=IFERROR(IF({average}>0,{nopat}/({average}),""),"")'


def _helper_formula(writer: WorkbookWriter, key: str, t: int) -> str:
    col = xl_col_to_name(year_col(t))
    prev = xl_col_to_name(year_col(t - 1)) if t > 1 else None
    line_rows = writer.line_rows
    if key == "irr_flows":
        fcf = f"{col}{line_rows['fcf'] + 1}"
        return f"={fcf}+kpi_terminal_value" if t == writer.horizon else f"={fcf}"
    flow, cumulative = ("fcf", "cumulative_fcf") if key == "payback" else ("pv_fcf", "cumulative_pv_fcf")
    cum = f"{col}{line_rows[cumulative] + 1}"
    years_before = f"({col}${HEADER_ROW + 1}-base_year-1)"
    if prev is None:
        return f'=IF({cum}>=0,{years_before},"")'
    cum_before = f"{prev}{line_rows[cumulative] + 1}"
    fraction = f"IF({cum_before}<0,-{cum_before}/{col}{line_rows[flow] + 1},0)"
    return f'=IF({cum}>=0,{years_before}+{fraction},"")'


def spreadsheet_irr(flows: np.ndarray, guess: float) -> float | None:
    """What a spreadsheet's IRR(flows, guess) returns: Newton's method from ``guess``, at most 20
    steps, converged when a step is below 1e-7 (LibreOffice's and Excel's rule); None when it fails.

    Flows are one period apart; the first is not discounted (shifting all timings by one period
    leaves the roots unchanged, so this is the model's IRR of year-end flows).
    """
    periods = np.arange(len(flows), dtype=float)
    rate = guess
    with np.errstate(all="ignore"):
        for _ in range(20):
            value = np.sum(flows / (1.0 + rate) ** periods)
            slope = np.sum(-periods * flows / (1.0 + rate) ** (periods + 1.0))
            step = value / slope
            if not np.isfinite(step):
                return None
            rate -= step
            if abs(step) < 1e-7:
                return float(rate)
    return None


def _payback_reached(flows: np.ndarray, cumulative: np.ndarray) -> np.ndarray:
    """Per year: years to break-even if cumulative >= 0 there (the formula of the helper row), else NaN."""
    before = np.concatenate([[0.0], cumulative[:-1]])
    years_before = np.arange(len(flows), dtype=float)
    with np.errstate(all="ignore"):
        fraction = np.where(before < 0, -before / np.where(before < 0, flows, 1.0), 0.0)
    return np.where(cumulative >= 0, years_before + fraction, np.nan)
