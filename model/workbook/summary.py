"""The Summary sheet: the KPIs (cells named ``kpi_<key>``) and charts of revenue with margin and
of cumulative free cash flow; the header names the exported scenario."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xlsxwriter.worksheet import Worksheet

from model.outputs import KPIS, LINES
from model.workbook.formats import cached
from model.workbook.layout import HEADER_ROW, cell, span, year_col
from model.workbook.scenario_cell import write_scenario_cell

if TYPE_CHECKING:
    from xlsxwriter.chart import Chart, ChartName
    from xlsxwriter.workbook import ChartOptions

    from model.workbook.writer import WorkbookWriter

DEFINITIONS = {
    "npv": "Σ PV of go-forward FCF + PV of terminal value, valued at the end of the valuation year",
    "irr": "Rate with zero NPV of the go-forward flows (mid-year when set, TV at the end); root nearest the WACC",
    "payback_years": "Years after the valuation date until go-forward cumulative FCF is non-negative (TV not counted)",
    "discounted_payback_years": "The same on discounted FCF",
    "terminal_value": "By the terminal method on Assumptions, at the end of the final year (the plan's cohort only)",
    "pv_terminal_value": "Terminal value × (1 + WACC)^−(H − t0)",
    "total_capex": "Σ go-forward capex the plan's returns pay for (owned by the plan + expensed)",
    "peak_funding": "Largest go-forward cumulative cash outflow",
    "moic": "Go-forward cash returned ÷ cash invested, TV included",
    "profitability_index": "1 + NPV ÷ PV of go-forward capex",
    "npv_per_share": "NPV ÷ shares outstanding (empty when no shares are given)",
}


def write_summary(writer: WorkbookWriter) -> None:
    sheet, f = writer.sheets["Summary"], writer.formats
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 12)
    sheet.set_column(2, 2, 9, f.unit)
    sheet.set_column(3, 3, 60)
    writer.text(sheet, 0, 0, writer.model["name"], f.title)
    write_scenario_cell(writer, sheet, 1)
    years = writer.results.years
    valuation_year = writer.resolved["settings"]["valuation_year"]
    writer.text(
        sheet,
        2,
        0,
        f"{writer.unit_text('money')}; fiscal years {years[0]}–{years[-1]}; returns of the plan alone, valued at the "
        f"end of FY{valuation_year} (earlier flows are sunk); revenue and margin of the whole segment. Exported from "
        "Capex Workbench.",
        f.subtitle,
    )
    for col, title in enumerate(("KPI", "Value", "Unit", "Definition")):
        title_format = f.header_right if title == "Value" else f.header_left
        sheet.write_string(4, col, title, title_format)
    formulas = _kpi_formulas(writer)
    row = 5
    for key, spec in KPIS.items():
        writer.text(sheet, row, 0, spec.label, f.kpi_label)
        sheet.write_formula(row, 1, formulas[key], f.kpi(key), cached(writer.results.kpis[key]))
        writer.workbook.define_name(f"kpi_{key}", "=" + cell("Summary", row, 1, True))
        writer.text(sheet, row, 2, writer.unit_text(spec.unit), f.unit)
        writer.text(sheet, row, 3, DEFINITIONS[key], f.note)
        row += 1
    roots = ", ".join(f"{r:.2%}" for r in writer.results.irr_roots) or "none"
    writer.text(
        sheet, row + 1, 0, f"IRR roots found by Capex Workbench in (−99 %, 1000 %), {writer.scenario}: {roots}", f.note
    )
    row += 2
    for warning in writer.results.warnings:
        row += 1
        sheet.set_row(row, 30)
        sheet.merge_range(row, 0, row, 3, "", f.warning)
        writer.text(sheet, row, 0, f"Warning ({writer.scenario}): {warning}", f.warning)
    _write_charts(writer, sheet, row + 2)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 1)


def _kpi_formulas(writer: WorkbookWriter) -> dict[str, str]:
    last = writer.horizon

    def end(line: str) -> str:
        return writer.line_cell(line, last)

    def helper(name: str) -> str:
        r = writer.helper_rows[name]
        return span("Projections", r, year_col(1), r, year_col(last))

    first, end_row = writer.irr_rows
    roots = f"Projections!$D${first + 1}:$D${end_row}"
    distances = f"Projections!$E${first + 1}:$E${end_row}"
    after = '">"&valuation_year'
    outlays = f'-SUMIFS(line_fcf,fiscal_years,{after},line_fcf,"<0")+MAX(-kpi_terminal_value,0)'
    discounted_capex = "SUMPRODUCT(line_cohort_capex+line_capex_expensed,line_discount_factor)"
    payback = 'IF(COUNT({0})=0,"",MIN({0}))'
    return {
        "npv": "=SUM(line_pv_fcf)+kpi_pv_terminal_value",
        # The engine reports the root nearest the WACC; the spreadsheet's solver starts there.
        "irr": f'=IF(COUNT({distances})=0,"",INDEX({roots},MATCH(MIN({distances}),{distances},0)))',
        "payback_years": "=" + payback.format(helper("payback")),
        "discounted_payback_years": "=" + payback.format(helper("discounted_payback")),
        "terminal_value": (
            f'=IF(terminal_method="book_value",{end("net_ppe")}+nwc_pct*{end("plan_revenue")},'
            f'IF(terminal_method="gordon",{end("fcf")}*(1+terminal_growth)/(wacc-terminal_growth),'
            f'IF(terminal_method="exit_multiple",exit_multiple*{end("plan_ebita")},0)))'
        ),
        "pv_terminal_value": "=kpi_terminal_value*(1+wacc)^-(base_year+horizon-valuation_year)",
        "total_capex": (
            f"=SUMIF(fiscal_years,{after},line_cohort_capex)+SUMIF(fiscal_years,{after},line_capex_expensed)"
        ),
        "peak_funding": "=-MIN(0,MIN(line_cumulative_fcf))",
        "moic": (
            f'=IF({outlays}=0,"",(SUMIFS(line_fcf,fiscal_years,{after},line_fcf,">0")+MAX(kpi_terminal_value,0))'
            f"/({outlays}))"
        ),
        "profitability_index": f'=IF({discounted_capex}=0,"",1+kpi_npv/{discounted_capex})',
        "npv_per_share": '=IF(shares_outstanding>0,kpi_npv/shares_outstanding,"")',
    }


def _literal_names(chart: Chart) -> Chart:
    """Chart and series titles as literal text: XlsxWriter reads a title that looks like a cell
    reference (a currency "=Summary!A1") as a formula, which would put it in the chart's XML."""
    process = chart._process_names

    def literal(name: ChartName, name_formula: str | None) -> tuple[ChartName, str | None]:
        return (name, name_formula) if isinstance(name, str) else process(name, name_formula)

    chart._process_names = literal
    return chart


def _write_charts(writer: WorkbookWriter, sheet: Worksheet, row: int) -> None:
    first, last = year_col(1), year_col(writer.horizon)
    years = ["Projections", HEADER_ROW, first, HEADER_ROW, last]

    def money_axis() -> dict[str, Any]:  # a new dict per chart: XlsxWriter may keep what it is given
        return {
            "name": writer.unit_text("money"),
            "num_format": "#,##0",
            "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}},
        }

    def values(key: str) -> list[str | int]:
        return ["Projections", writer.line_rows[key], first, writer.line_rows[key], last]

    def add_chart(options: ChartOptions) -> Chart:
        return _literal_names(writer.workbook.add_chart(options))

    revenue = add_chart({"type": "column", "subtype": "stacked"})
    for key, color in (
        ("core_revenue", "#9DC3E6"),
        ("installed_revenue", "#BDD7EE"),
        ("plan_revenue", "#2E75B6"),
        ("follow_on_revenue", "#1F4E79"),
    ):
        revenue.add_series(
            {"name": LINES[key].label, "categories": years, "values": values(key), "fill": {"color": color}}
        )
    margin = add_chart({"type": "line"})
    margin.add_series(
        {
            "name": "EBITA margin",
            "categories": years,
            "values": values("ebita_margin"),
            "y2_axis": True,
            "line": {"color": "#C00000", "width": 2.25},
            "marker": {"type": "circle", "size": 5, "fill": {"color": "#C00000"}, "border": {"color": "#C00000"}},
        }
    )
    revenue.combine(margin)
    revenue.set_title({"name": "Revenue and EBITA margin", "name_font": {"size": 11}})
    revenue.set_y_axis(money_axis())
    margin.set_y2_axis({"name": "EBITA margin", "num_format": "0%"})
    revenue.set_legend({"position": "bottom"})
    revenue.set_size({"width": 620, "height": 330})
    sheet.insert_chart(row, 0, revenue)

    cumulative = add_chart({"type": "column"})
    cumulative.add_series(
        {
            "name": LINES["fcf"].label,
            "categories": years,
            "values": values("fcf"),
            "fill": {"color": "#A9D18E"},
            "invert_if_negative": False,
        }
    )
    line = add_chart({"type": "line"})
    line.add_series(
        {
            "name": LINES["cumulative_fcf"].label,
            "categories": years,
            "values": values("cumulative_fcf"),
            "line": {"color": "#385723", "width": 2.25},
        }
    )
    cumulative.combine(line)
    cumulative.set_title({"name": "Free cash flow of the plan, cumulative", "name_font": {"size": 11}})
    cumulative.set_y_axis(money_axis())
    cumulative.set_x_axis({"label_position": "low"})
    cumulative.set_legend({"position": "bottom"})
    cumulative.set_size({"width": 620, "height": 330})
    sheet.insert_chart(row, 0, cumulative, {"x_offset": 640})
