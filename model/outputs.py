"""The registry of outputs: every line and KPI with its label, unit, number format and section.

The engine computes the lines in this order, the JSON lists them in it, and the window, the
charts' axes and the workbook take their labels, units and formats from here. Adding a line is
one entry below plus its formula in the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Unit(StrEnum):
    """What a number measures. The values are the words the model files and tables use."""

    MONEY = "money"  # the model's currency and unit (RMB bn)
    PERCENT = "%"  # a rate, stored as a decimal (0.15 = 15 %)
    RATIO = "x"  # a multiple or a plain ratio
    YEARS = "years"
    FX = "RMB/USD"  # an exchange rate, display only
    COMPUTE = "compute"  # compute units: money of capex at base-year prices of compute
    PLAIN = ""  # a plain number

    @property
    def excel_format(self) -> str:
        """The number format of an output of this unit in the workbook."""
        return EXCEL_FORMATS[self]


EXCEL_FORMATS = {
    Unit.MONEY: "#,##0.0;[Red]-#,##0.0",
    Unit.PERCENT: "0.0%",
    Unit.RATIO: "0.000",
    Unit.YEARS: "0.0",
    Unit.FX: "0.00",
    Unit.COMPUTE: "#,##0.0",
    Unit.PLAIN: "General",
}


class Section(StrEnum):
    """Where a line belongs in the projections, in the order they are shown."""

    CAPEX = "Capex and the fleet"
    REVENUE = "Revenue"
    EBITA = "EBITA"
    CASH = "Cash flow and returns"
    MARKET = "Market"


@dataclass(frozen=True)
class LineSpec:
    """One output line (one number per projection year)."""

    key: str
    label: str
    unit: Unit
    section: Section

    @property
    def excel_format(self) -> str:
        return self.unit.excel_format


@dataclass(frozen=True)
class KpiSpec:
    """One KPI (one number per scenario). ``excel_format`` overrides the unit's own."""

    key: str
    label: str
    unit: Unit
    format_override: str | None = None

    @property
    def excel_format(self) -> str:
        return self.format_override or self.unit.excel_format


_C, _R, _E, _F, _M = Section.CAPEX, Section.REVENUE, Section.EBITA, Section.CASH, Section.MARKET

LINE_SPECS: tuple[LineSpec, ...] = (
    LineSpec("capex_capitalized", "Capex, capitalized", Unit.MONEY, _C),
    LineSpec("capex_expensed", "Capex, expensed", Unit.MONEY, _C),
    LineSpec("capex_total", "Capex, total", Unit.MONEY, _C),
    LineSpec("depreciation", "Depreciation", Unit.MONEY, _C),
    LineSpec("net_ppe", "Net PP&E", Unit.MONEY, _C),
    LineSpec("capacity", "Capacity (depreciating base)", Unit.MONEY, _C),
    LineSpec("revenue_yield", "Revenue yield", Unit.RATIO, _R),
    LineSpec("ai_revenue", "AI revenue", Unit.MONEY, _R),
    LineSpec("pull_through_revenue", "Pull-through revenue", Unit.MONEY, _R),
    LineSpec("plan_revenue", "Plan revenue", Unit.MONEY, _R),
    LineSpec("core_revenue", "Core revenue", Unit.MONEY, _R),
    LineSpec("total_revenue", "Total revenue", Unit.MONEY, _R),
    LineSpec("core_ebita", "Core EBITA", Unit.MONEY, _E),
    LineSpec("ai_cash_opex", "AI cash opex", Unit.MONEY, _E),
    LineSpec("plan_ebita", "Plan EBITA", Unit.MONEY, _E),
    LineSpec("total_ebita", "Total EBITA", Unit.MONEY, _E),
    LineSpec("ebita_margin", "EBITA margin", Unit.PERCENT, _E),
    LineSpec("plan_ebita_margin", "Plan EBITA margin", Unit.PERCENT, _E),
    LineSpec("tax", "Tax on plan EBITA", Unit.MONEY, _F),
    LineSpec("nopat", "Plan NOPAT", Unit.MONEY, _F),
    LineSpec("delta_nwc", "Change in working capital", Unit.MONEY, _F),
    LineSpec("fcf", "Plan free cash flow", Unit.MONEY, _F),
    LineSpec("cumulative_fcf", "Cumulative FCF", Unit.MONEY, _F),
    LineSpec("discount_factor", "Discount factor", Unit.RATIO, _F),
    LineSpec("pv_fcf", "PV of FCF", Unit.MONEY, _F),
    LineSpec("cumulative_pv_fcf", "Cumulative PV of FCF", Unit.MONEY, _F),
    LineSpec("roic", "Plan ROIC", Unit.PERCENT, _F),
    LineSpec("implied_share", "Implied market share", Unit.PERCENT, _M),
)

KPI_SPECS: tuple[KpiSpec, ...] = (
    KpiSpec("npv", "NPV", Unit.MONEY),
    KpiSpec("irr", "IRR", Unit.PERCENT),
    KpiSpec("payback_years", "Payback", Unit.YEARS),
    KpiSpec("discounted_payback_years", "Discounted payback", Unit.YEARS),
    KpiSpec("terminal_value", "Terminal value", Unit.MONEY),
    KpiSpec("pv_terminal_value", "PV of terminal value", Unit.MONEY),
    KpiSpec("total_capex", "Total capex", Unit.MONEY),
    KpiSpec("peak_funding", "Peak funding", Unit.MONEY),
    KpiSpec("moic", "MOIC", Unit.RATIO, '0.00"x"'),
    KpiSpec("profitability_index", "Profitability index", Unit.RATIO, '0.00"x"'),
)

LINES: dict[str, LineSpec] = {spec.key: spec for spec in LINE_SPECS}
KPIS: dict[str, KpiSpec] = {spec.key: spec for spec in KPI_SPECS}
LINE_KEYS = tuple(LINES)
KPI_KEYS = tuple(KPIS)
