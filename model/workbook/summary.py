"""The Summary sheet: the KPIs (cells named ``kpi_<key>``) and charts of revenue with margin and
of cumulative free cash flow; the header names the exported scenario."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from model.outputs import KPIS, LINES
from model.workbook.formats import cached
from model.workbook.layout import HEADER_ROW, cell, year_col

if TYPE_CHECKING:
    from model.workbook.writer import WorkbookWriter

DEFINITIONS = {
    "npv": "Σ PV of FCF + PV of terminal value",
    "irr": "Rate with zero NPV (year-end flows, TV in the final year); root nearest the WACC",
    "payback_years": "Years until cumulative FCF turns non-negative (TV not counted)",
    "discounted_payback_years": "The same on discounted FCF",
    "terminal_value": "By the terminal method on Assumptions, at the end of the final year",
    "pv_terminal_value": "Terminal value × (1 + WACC)^-H",
    "total_capex": "Σ capex, capitalized and expensed",
    "peak_funding": "Largest cumulative cash outflow",
    "moic": "Cash returned ÷ cash invested, TV included",
    "profitability_index": "1 + NPV ÷ PV of capex",
}


def write_summary(writer: WorkbookWriter) -> None:
    sheet, f = writer.sheets["Summary"], writer.formats
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 12)
    sheet.set_column(2, 2, 9, f.unit)
    sheet.set_column(3, 3, 60)
    writer.text(sheet, 0, 0, writer.model["name"], f.title)
    writer.text(sheet, 1, 0, f"Scenario: {writer.scenario}", f.kpi_label)
    years = writer.results.years
    writer.text(
        sheet,
        2,
        0,
        f"{writer.unit_text('money')}; fiscal years {years[0]}–{years[-1]}; returns of the plan alone, "
        "revenue and margin of the whole segment. Exported from Capex Workbench.",
        f.subtitle,
    )
    for col, title in enumerate(("KPI", "Value", "Unit", "Definition")):
        title_format = f.header_right if title == "Value" else f.header_left
        sheet.write_string(4, col, title, title_format)
    formulas = _kpi_formulas(writer)
    row = 5
    for key, spec in KPIS.items():
        writer.text(sheet, row, 0, spec.label, f.kpi_label)
        sheet.write_formula(row, 1, formulas[key], f.kpi(spec.unit), cached(writer.results.kpis[key]))
        writer.workbook.define_name(f"kpi_{key}", "=" + cell("Summary", row, 1, True))
        writer.text(sheet, row, 2, writer.unit_text(spec.unit), f.unit)
        writer.text(sheet, row, 3, DEFINITIONS[key], f.note)
        row += 1
    roots = ", ".join(f"{r:.2%}" for r in writer.results.irr_roots) or "none"
    writer.text(sheet, row + 1, 0, f"IRR roots found by Capex Workbench in (−99 %, 1000 %): {roots}", f.note)
    _write_charts(writer, sheet, row + 3)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 1)


def _kpi_formulas(writer: WorkbookWriter) -> dict[str, str]:
    last = writer.horizon

    def end(line: str) -> str:
        return writer.line_cell(line, last)

    def span(helper: str) -> str:
        r = writer.helper_rows[helper]
        return f"Projections!{xl_rowcol_to_cell(r, year_col(1), True, True)}:" + xl_rowcol_to_cell(
            r, year_col(last), True, True
        )

    first, end_row = writer.irr_rows
    roots = f"Projections!$D${first + 1}:$D${end_row}"
    distances = f"Projections!$E${first + 1}:$E${end_row}"
    outlays = '-SUMIF(line_fcf,"<0")+MAX(-kpi_terminal_value,0)'
    discounted_capex = "SUMPRODUCT(line_capex_total,line_discount_factor)"
    payback = 'IF(COUNT({0})=0,"",MIN({0}))'
    return {
        "npv": "=NPV(wacc,line_fcf)*IF(mid_year,(1+wacc)^0.5,1)+kpi_pv_terminal_value",
        # The engine reports the root nearest the WACC; the spreadsheet's solver starts there.
        "irr": f'=IF(COUNT({distances})=0,"",INDEX({roots},MATCH(MIN({distances}),{distances},0)))',
        "payback_years": "=" + payback.format(span("payback")),
        "discounted_payback_years": "=" + payback.format(span("discounted_payback")),
        "terminal_value": (
            f'=IF(terminal_method="book_value",{end("net_ppe")}+nwc_pct*{end("plan_revenue")},'
            f'IF(terminal_method="gordon",{end("fcf")}*(1+terminal_growth)/(wacc-terminal_growth),'
            f'IF(terminal_method="exit_multiple",exit_multiple*{end("plan_ebita")},0)))'
        ),
        "pv_terminal_value": "=kpi_terminal_value*(1+wacc)^-COLUMNS(line_fcf)",
        "total_capex": "=SUM(line_capex_total)",
        "peak_funding": "=-MIN(0,MIN(line_cumulative_fcf))",
        "moic": f'=IF({outlays}=0,"",(SUMIF(line_fcf,">0")+MAX(kpi_terminal_value,0))/({outlays}))',
        "profitability_index": f'=IF({discounted_capex}=0,"",1+kpi_npv/{discounted_capex})',
    }


def _write_charts(writer: WorkbookWriter, sheet: Worksheet, row: int) -> None:
    first, last = year_col(1), year_col(writer.horizon)
    years = ["Projections", HEADER_ROW, first, HEADER_ROW, last]

    def money_axis() -> dict:  # a new dict per chart: XlsxWriter may keep what it is given
        return {
            "name": writer.unit_text("money"),
            "num_format": "#,##0",
            "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}},
        }

    def values(key: str) -> list:
        return ["Projections", writer.line_rows[key], first, writer.line_rows[key], last]

    revenue = writer.workbook.add_chart({"type": "column", "subtype": "stacked"})
    for key, color in (("core_revenue", "#9DC3E6"), ("plan_revenue", "#2E75B6")):
        revenue.add_series(
            {"name": LINES[key].label, "categories": years, "values": values(key), "fill": {"color": color}}
        )
    margin = writer.workbook.add_chart({"type": "line"})
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

    cumulative = writer.workbook.add_chart({"type": "column"})
    cumulative.add_series(
        {
            "name": LINES["fcf"].label,
            "categories": years,
            "values": values("fcf"),
            "fill": {"color": "#A9D18E"},
            "invert_if_negative": False,
        }
    )
    line = writer.workbook.add_chart({"type": "line"})
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
