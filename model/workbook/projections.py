"""The Projections sheet: every line of docs/model.md section 4 across the fiscal years.

Rows are named ``line_<key>``; below them the helper rows of the KPIs (payback) and the IRR: the
go-forward flows on a half-year grid (a flow of year t at half-year 2t − 1 with mid-year timing,
at 2t without; the terminal value at the end of the horizon; flows up to the valuation year are
sunk, so 0) and the spreadsheet's IRR of that grid from several starting rates, which the
Summary's ``kpi_irr`` reads (annual rate = (1 + h)^2 − 1 of the half-year rate h).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from xlsxwriter.worksheet import Worksheet

from model.irr import IRR_HIGH, IRR_LOW
from model.outputs import LINES
from model.workbook.fleet import class_sum
from model.workbook.formats import cached
from model.workbook.layout import HEADER_ROW, KEY_COL, LABEL_COL, UNIT_COL, col_name, span, year_col

if TYPE_CHECKING:
    from model.workbook.writer import WorkbookWriter

PROJECTIONS = "Projections"
# Starting rates of the spreadsheet's IRR solver (None: the WACC); see _write_irr_starts.
IRR_STARTS = (None, -0.9, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 2.0, 5.0)
HELPERS = (
    ("go_forward", "After the valuation year (1) or sunk (0)", "integer"),
    ("payback", "Payback if reached this year (years)", "years"),
    ("discounted_payback", "Discounted payback if reached (years)", "years"),
)


def layout_projections(writer: WorkbookWriter) -> None:
    """Decide the rows of the lines and workings (the Fleet sheet refers to some of them)."""
    row = HEADER_ROW + 1
    section = None
    for key, spec in LINES.items():
        if spec.section != section:
            section = spec.section
            row += 0 if row == HEADER_ROW + 1 else 1
            writer.projection_sections[row] = section
            row += 1
        writer.line_rows[key] = row
        row += 1
    writer.projection_sections[row + 1] = "KPI workings"
    row += 2
    for key, _, _ in HELPERS:
        writer.helper_rows[key] = row
        row += 1
    writer.projection_sections[row + 1] = "IRR cash flows on a half-year grid (go-forward; TV at the end)"
    row += 2
    writer.irr_grid = (row, row + 2 * writer.horizon)
    row += 2 * writer.horizon
    writer.projection_sections[row + 1] = "IRR from several starting rates"
    row += 2
    starts = _irr_starts(writer)
    writer.irr_rows = (row, row + len(starts))


def write_projections(writer: WorkbookWriter) -> None:
    """Write the lines and KPI workings at the rows ``layout_projections`` chose."""
    sheet, f = writer.sheets[PROJECTIONS], writer.formats
    horizon = writer.horizon
    writer.year_layout(sheet)
    # The title follows the scenario picked on the Summary (model text stays out of formulas).
    title = '="Projections: "&scenario&" scenario"'
    sheet.write_formula(0, KEY_COL, title, f.title, f"Projections: {writer.scenario} scenario")
    writer.text(
        sheet,
        1,
        KEY_COL,
        f"Money in {writer.unit_text('money')}. Every line of docs/model.md section 4 as a formula over the "
        "Assumptions and Fleet sheets; rows are named line_<key>. Returns are the plan's vintages alone; revenue "
        "and margin are the whole segment. Empty cells are undefined (a margin on no revenue, cumulative FCF up "
        "to the valuation year).",
        f.subtitle,
    )
    for col, title in ((KEY_COL, "Line"), (LABEL_COL, "Fiscal year"), (UNIT_COL, "Unit")):
        sheet.write_string(HEADER_ROW, col, title, f.header_left)
    writer.year_headers(sheet, HEADER_ROW)
    writer.workbook.define_name(
        "fiscal_years", "=" + span(PROJECTIONS, HEADER_ROW, year_col(1), HEADER_ROW, year_col(horizon))
    )
    for row, title in writer.projection_sections.items():
        writer.section(sheet, row, title)

    results = writer.results
    for key, spec in LINES.items():
        r = writer.line_rows[key]
        writer.text(sheet, r, KEY_COL, key)
        writer.text(sheet, r, LABEL_COL, spec.label)
        writer.text(sheet, r, UNIT_COL, writer.unit_text(spec.unit))
        fmt = f.line(key)
        values = results.line(key)
        for t in range(1, horizon + 1):
            sheet.write_formula(r, year_col(t), _line_formula(writer, key, t), fmt, cached(values[t - 1]))
        writer.workbook.define_name(f"line_{key}", "=" + span(PROJECTIONS, r, year_col(1), r, year_col(horizon)))

    t0 = writer.valuation_offset
    helper_values = {
        "go_forward": (np.arange(1, horizon + 1) > t0).astype(float),
        "payback": _payback_reached(results.line("fcf"), results.line("cumulative_fcf"), t0),
        "discounted_payback": _payback_reached(results.line("pv_fcf"), results.line("cumulative_pv_fcf"), t0),
    }
    for key, label, unit in HELPERS:
        r = writer.helper_rows[key]
        writer.text(sheet, r, KEY_COL, key)
        writer.text(sheet, r, LABEL_COL, label)
        writer.text(sheet, r, UNIT_COL, writer.unit_text(unit))
        for t in range(1, horizon + 1):
            formula = _helper_formula(writer, key, t)
            fmt = f.integer if unit == "integer" else f.number(unit)
            sheet.write_formula(r, year_col(t), formula, fmt, cached(helper_values[key][t - 1]))
    grid = _write_irr_grid(writer, sheet)
    _write_irr_starts(writer, sheet, grid)


def _irr_starts(writer: WorkbookWriter) -> list[float | None]:
    found = (round(root, 3) for root in writer.results.irr_roots)
    return [*IRR_STARTS, *(start for start in dict.fromkeys(found) if start not in IRR_STARTS)]


def irr_grid_values(writer: WorkbookWriter) -> np.ndarray:
    """The half-year grid of go-forward flows as the engine times them (docs/model.md section 6)."""
    horizon, t0 = writer.horizon, writer.valuation_offset
    fcf = writer.results.line("fcf")
    grid = np.zeros(2 * horizon)
    for t in range(t0 + 1, horizon + 1):
        grid[2 * t - 2 if writer.mid_year else 2 * t - 1] += fcf[t - 1]
    with np.errstate(over="ignore"):  # beyond 1e308 infinite, stored as no value (``cached``)
        grid[-1] += writer.results.kpis["terminal_value"] or 0.0
    return grid


def _write_irr_grid(writer: WorkbookWriter, sheet: Worksheet) -> np.ndarray:
    f = writer.formats
    first, _ = writer.irr_grid
    values = irr_grid_values(writer)
    sheet.write_string(first - 1, UNIT_COL, "Half-year", f.section)
    sheet.write_string(first - 1, year_col(1), "Flow", f.section)
    for k in range(2 * writer.horizon):
        r = first + k
        t = k // 2 + 1
        fcf = writer.line_cell("fcf", t)
        go = f"{writer.helper_cell('go_forward', t)}=1"
        writer.text(
            sheet, r, LABEL_COL, f"{'Middle' if k % 2 == 0 else 'End'} of fiscal year {writer.model['base_year'] + t}"
        )
        sheet.write_number(r, UNIT_COL, k + 1, f.integer)
        if k % 2 == 0:
            formula = f"=IF(AND(mid_year,{go}),{fcf},0)"
        else:
            formula = f"=IF(AND(NOT(mid_year),{go}),{fcf},0)"
            if t == writer.horizon:
                formula += "+kpi_terminal_value"
        sheet.write_formula(r, year_col(1), formula, f.money, cached(values[k]))
    return values


def _write_irr_starts(writer: WorkbookWriter, sheet: Worksheet, grid: np.ndarray) -> None:
    """The spreadsheet's IRR started from several rates; kpi_irr takes the root nearest the WACC.

    IRR is a Newton solver: from the WACC alone it misses roots far below it (a plan that loses
    money), so several starts find the roots the model layer lists and the nearest one is kept.
    Newton reaches a root near −100 % only from a narrow band, so the roots found at export,
    rounded to 0.1 %, are starts too; after a colleague's edits they are still near the new roots.
    The grid has two periods a year: a start r is the half-year rate (1 + r)^0.5 − 1.
    """
    f = writer.formats
    row, _ = writer.irr_rows
    first_year_col = year_col(1)
    for col, title in ((UNIT_COL, "Start"), (first_year_col, "IRR"), (first_year_col + 1, "|IRR − WACC|")):
        sheet.write_string(row - 1, col, title, f.section)
    first, last = writer.irr_grid
    flows_ref = span(None, first, first_year_col, last - 1, first_year_col)
    wacc = float(writer.resolved["settings"]["wacc"])
    for start in _irr_starts(writer):
        guess = wacc if start is None else start
        if start is None:
            sheet.write_formula(row, UNIT_COL, "=wacc", f.percent, wacc)
        else:
            sheet.write_number(row, UNIT_COL, start, f.percent)
        half = spreadsheet_irr(grid, (1.0 + guess) ** 0.5 - 1.0) if guess > -1 else None
        # As the formula: a half-year rate below −100 % still squares to an annual rate (with
        # mid-year flows on even half-years only, it is the mirror of the root above −100 %).
        root = None if half is None else (1.0 + half) ** 2 - 1.0
        # The distance ranks the roots in the IRR search range; the others are left empty.
        distance = abs(root - wacc) if root is not None and IRR_LOW < root < IRR_HIGH else ""
        irr_ref, start_ref = f"D{row + 1}", f"C{row + 1}"
        sheet.write_formula(
            row,
            first_year_col,
            f'=IFERROR((1+IRR({flows_ref},(1+{start_ref})^0.5-1))^2-1,"")',
            f.percent,
            cached(root),
        )
        sheet.write_formula(
            row,
            first_year_col + 1,
            f'=IF(ISNUMBER({irr_ref}),IF(AND({irr_ref}>{IRR_LOW},{irr_ref}<{IRR_HIGH}),ABS({irr_ref}-wacc),""),"")',
            f.percent,
            distance,
        )
        row += 1


def _line_formula(writer: WorkbookWriter, key: str, t: int) -> str:
    """The formula of line ``key`` in year t, as in docs/model.md section 4 (same sheet, same column)."""
    col = col_name(year_col(t))
    prev_col = col_name(year_col(t - 1)) if t > 1 else None
    line_rows = writer.line_rows

    def here(line: str) -> str:
        return f"{col}{line_rows[line] + 1}"

    def before(line: str) -> str | None:
        return f"{prev_col}{line_rows[line] + 1}" if prev_col else None

    def drv(name: str) -> str:
        return writer.driver_cell(name, t)

    def group(name: str, key: str) -> str:
        return writer.group_cell(name, key, t)

    in_plan = writer.index_cell("in_plan", t)
    go_forward = writer.helper_cell("go_forward", t)
    margin = drv("core_ebita_margin")

    def plan_capex(flags: str) -> str:
        first_class, last_class = writer.class_table
        first = writer.fleet_capex_first
        c = year_col(t)
        capex = span("Fleet", first, c, first + last_class - first_class, c, absolute=False)
        flag_col = {"cap": 3, "enabling": 5, "cohort": 6}[flags] if flags != "expensed" else 3
        flag_range = span("Fleet", first_class, flag_col, last_class, flag_col)
        weights = f"1-{flag_range}" if flags == "expensed" else flag_range
        return f"={in_plan}*SUMPRODUCT({weights},{capex})"

    def ratio(numerator: str, denominator: str, test: str) -> str:
        # IFERROR: a ratio that overflows is null, as in the model layer's output.
        return f'=IFERROR(IF({test},{numerator}/{denominator},""),"")'

    formulas = {
        "core_revenue": lambda: f"=base_core_revenue*{writer.index_cell('core_index', t)}",
        "installed_revenue": lambda: (
            f"={group('installed', 'ai_revenue')}+pull_through*{group('installed', 'ai_revenue')}"
        ),
        "follow_on_revenue": lambda: (
            f"={group('follow-on', 'ai_revenue')}+pull_through*{group('follow-on', 'ai_revenue')}"
        ),
        "total_revenue": lambda: (
            f"={here('core_revenue')}+{here('installed_revenue')}+{here('plan_revenue')}+{here('follow_on_revenue')}"
        ),
        "core_ebita": lambda: f"={here('core_revenue')}*{margin}",
        "installed_ebita": lambda: _group_ebita(writer, "installed", t, margin, None),
        "follow_on_ebita": lambda: _group_ebita(writer, "follow-on", t, margin, group("follow-on", "expensed")),
        "total_ebita": lambda: (
            f"={here('core_ebita')}+{here('installed_ebita')}+{here('plan_segment_ebita')}+{here('follow_on_ebita')}"
        ),
        "ebita_margin": lambda: ratio(here("total_ebita"), here("total_revenue"), f"{here('total_revenue')}<>0"),
        "follow_on_capex": lambda: (
            "=SUM("
            + span(
                "Fleet",
                writer.follow_first,
                year_col(t),
                writer.follow_first + len(writer.class_rows) - 1,
                year_col(t),
                absolute=False,
            )
            + ")"
        ),
        "segment_capex": lambda: f"={here('capex_total')}+{here('follow_on_capex')}",
        "capex_intensity": lambda: ratio(here("segment_capex"), here("total_revenue"), f"{here('total_revenue')}<>0"),
        "implied_share": lambda: (
            f'=IFERROR(IF(N({drv("cloud_market")})>0,{here("total_revenue")}/{drv("cloud_market")},""),"")'
        ),
        "capex_capitalized": lambda: plan_capex("cap"),
        "capex_expensed": lambda: plan_capex("expensed"),
        "capex_total": lambda: f"={here('capex_capitalized')}+{here('capex_expensed')}",
        "enabling_capex": lambda: plan_capex("enabling"),
        "cohort_capex": lambda: plan_capex("cohort"),
        "depreciation": lambda: "=" + class_sum(writer, "plan", "depreciation", t, "cohort"),
        "impairment": lambda: "=" + class_sum(writer, "plan", "impairment", t, "cohort"),
        "tax_depreciation": lambda: "=" + class_sum(writer, "plan", "tax_depreciation", t, "cohort"),
        "net_ppe": lambda: "=" + class_sum(writer, "plan", "book_value", t, "cohort"),
        "capacity": lambda: "=" + class_sum(writer, "plan", "capacity", t),
        "capex_in_service": lambda: "=" + class_sum(writer, "plan", "in_service", t),
        "revenue_yield": lambda: f"=ai_revenue_yield*{writer.index_cell('price_index', t)}",
        "new_vintage_yield": lambda: f"={here('revenue_yield')}/{writer.index_cell('cost_index', t)}",
        "ai_revenue": lambda: f"={here('capacity')}*{here('revenue_yield')}*{drv('utilization')}",
        "pull_through_revenue": lambda: f"=pull_through*{here('ai_revenue')}",
        "plan_revenue": lambda: f"={here('ai_revenue')}+{here('pull_through_revenue')}",
        "ai_cash_opex": lambda: (
            f"={here('capex_in_service')}*ai_cash_opex_rate+{here('ai_revenue')}*ai_variable_cost_pct"
        ),
        "infrastructure_rent": lambda: f"=rent_rate*{here('capex_in_service')}",
        "plan_ebita": lambda: (
            f"={here('ai_revenue')}-{here('ai_cash_opex')}-{here('depreciation')}-{here('impairment')}"
            f"-{here('infrastructure_rent')}-{here('capex_expensed')}+{here('pull_through_revenue')}*{margin}"
        ),
        "plan_segment_ebita": lambda: (
            f"={here('ai_revenue')}-{here('ai_cash_opex')}-{group('plan', 'written_off')}"
            f"-{here('capex_expensed')}+{here('pull_through_revenue')}*{margin}"
        ),
        "plan_ebita_margin": lambda: ratio(here("plan_ebita"), here("plan_revenue"), f"{here('plan_revenue')}>0"),
        "taxable_income": lambda: (
            f"={here('plan_ebita')}+{here('depreciation')}+{here('impairment')}-{here('tax_depreciation')}"
        ),
        "tax": lambda: f"=tax_rate*{here('taxable_income')}",
        "nopat": lambda: f"={here('plan_ebita')}-{here('tax')}",
        "delta_nwc": lambda: (
            f"=nwc_pct*({here('plan_revenue')}-{before('plan_revenue')})"
            if t > 1
            else f"=nwc_pct*{here('plan_revenue')}"
        ),
        "fcf": lambda: (
            f"={here('nopat')}+{here('depreciation')}+{here('impairment')}-{here('cohort_capex')}-{here('delta_nwc')}"
        ),
        "cumulative_fcf": lambda: (
            f'=IF({go_forward}=1,N({before("cumulative_fcf")})+{here("fcf")},"")'
            if t > 1
            else f'=IF({go_forward}=1,{here("fcf")},"")'
        ),
        "discount_factor": lambda: (
            f"=IF({go_forward}=1,(1+wacc)^-({col}${HEADER_ROW + 1}-valuation_year-IF(mid_year,0.5,0)),0)"
        ),
        "pv_fcf": lambda: f"={here('fcf')}*{here('discount_factor')}",
        "cumulative_pv_fcf": lambda: (
            f"={before('cumulative_pv_fcf')}+{here('pv_fcf')}" if t > 1 else f"={here('pv_fcf')}"
        ),
        "roic": lambda: _roic_formula(here("nopat"), here("net_ppe"), before("net_ppe")),
    }
    return formulas[key]()


def _group_ebita(writer: WorkbookWriter, group: str, t: int, margin: str, expensed: str | None) -> str:
    def g(key: str) -> str:
        return writer.group_cell(group, key, t)

    spent = f"-{expensed}" if expensed else ""
    return f"={g('ai_revenue')}-{g('cash_opex')}-{g('written_off')}{spent}+pull_through*{g('ai_revenue')}*{margin}"


def _roic_formula(nopat: str, ppe: str, ppe_before: str | None) -> str:
    average = f"({ppe_before}+{ppe})/2" if ppe_before else f"{ppe}/2"
    return f'=IFERROR(IF({average}>0,{nopat}/({average}),""),"")'


def _helper_formula(writer: WorkbookWriter, key: str, t: int) -> str:
    col = col_name(year_col(t))
    prev = col_name(year_col(t - 1)) if t > 1 else None
    line_rows = writer.line_rows
    if key == "go_forward":
        return f"=IF({col}${HEADER_ROW + 1}>valuation_year,1,0)"
    flow, cumulative = ("fcf", "cumulative_fcf") if key == "payback" else ("pv_fcf", "cumulative_pv_fcf")
    cum = f"{col}{line_rows[cumulative] + 1}"
    go_forward = writer.helper_cell("go_forward", t)
    years_before = f"({col}${HEADER_ROW + 1}-valuation_year-1)"
    # Cumulative FCF is empty up to the valuation year: N() reads it as 0 (the go-forward start).
    cum_before = f"N({prev}{line_rows[cumulative] + 1})" if prev else "0"
    fraction = f"IF({cum_before}<0,-{cum_before}/{col}{line_rows[flow] + 1},0)"
    return f'=IF({go_forward}=1,IF(N({cum})>=0,{years_before}+{fraction},""),"")'


def spreadsheet_irr(flows: np.ndarray, guess: float) -> float | None:
    """What a spreadsheet's IRR(flows, guess) returns: Newton's method from ``guess``, at most 20
    steps, converged when a step is below 1e-7 (LibreOffice's and Excel's rule); None when it fails.

    Flows are one period apart; the first is not discounted (shifting all timings by one period
    leaves the roots unchanged).
    """
    flows = np.asarray(flows, dtype=float)
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


def _payback_reached(flows: np.ndarray, cumulative: np.ndarray, t0: int) -> np.ndarray:
    """Per year: years after the valuation date to break-even if cumulative >= 0 there (the
    formula of the helper row), else NaN; NaN up to the valuation year."""
    horizon = len(flows)
    out = np.full(horizon, np.nan)
    for t in range(t0 + 1, horizon + 1):
        cum = cumulative[t - 1]
        if not cum >= 0:
            continue
        before = cumulative[t - 2] if t >= 2 and np.isfinite(cumulative[t - 2]) else 0.0
        if t - 1 <= t0:
            before = 0.0 if not np.isfinite(before) else before
        fraction = -before / flows[t - 1] if before < 0 else 0.0
        out[t - 1] = (t - t0 - 1) + fraction
    return out
