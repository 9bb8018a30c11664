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
    PER_SHARE = "per share"  # money per share (when shares are counted in the model's unit)
    PLAIN = ""  # a plain number

    @property
    def excel_format(self) -> str:
        """The number format of an output of this unit in the workbook."""
        return EXCEL_FORMATS[self]


EXCEL_FORMATS = {
    Unit.MONEY: "#,##0.0;-#,##0.0",
    Unit.PERCENT: "0.0%",
    Unit.RATIO: "0.000",
    Unit.YEARS: "0.0",
    Unit.FX: "0.00",
    Unit.COMPUTE: "#,##0.0",
    Unit.PER_SHARE: "#,##0.00",
    Unit.PLAIN: "General",
}


class Section(StrEnum):
    """Where a line belongs in the projections, in the order they are shown."""

    SEGMENT = "Segment (core + installed + plan + follow-on)"
    FLEET = "Plan: capex and fleet"
    PLAN = "Plan: revenue and EBITA"
    CASH = "Plan: cash flow and returns"


@dataclass(frozen=True)
class LineSpec:
    """One output line (one number per projection year). ``format_override`` replaces the unit's
    own format."""

    key: str
    label: str
    unit: Unit
    section: Section
    format_override: str | None = None

    @property
    def excel_format(self) -> str:
        return self.format_override or self.unit.excel_format


@dataclass(frozen=True)
class KpiSpec:
    """One KPI (one number per scenario). ``format_override`` replaces the unit's own format."""

    key: str
    label: str
    unit: Unit
    format_override: str | None = None

    @property
    def excel_format(self) -> str:
        return self.format_override or self.unit.excel_format


_S, _F, _P, _C = Section.SEGMENT, Section.FLEET, Section.PLAN, Section.CASH

# docs/model.md section 4, in the order the window and the workbook show them.
LINE_SPECS: tuple[LineSpec, ...] = (
    LineSpec("core_revenue", "Core revenue", Unit.MONEY, _S),
    LineSpec("installed_revenue", "Installed fleet revenue", Unit.MONEY, _S),
    LineSpec("follow_on_revenue", "Follow-on fleet revenue", Unit.MONEY, _S),
    LineSpec("total_revenue", "Total revenue", Unit.MONEY, _S),
    LineSpec("core_ebita", "Core EBITA", Unit.MONEY, _S),
    LineSpec("installed_ebita", "Installed fleet EBITA", Unit.MONEY, _S),
    LineSpec("follow_on_ebita", "Follow-on fleet EBITA", Unit.MONEY, _S),
    LineSpec("total_ebita", "Total EBITA", Unit.MONEY, _S),
    LineSpec("ebita_margin", "EBITA margin", Unit.PERCENT, _S),
    LineSpec("follow_on_capex", "Follow-on capex", Unit.MONEY, _S),
    LineSpec("segment_capex", "Segment capex", Unit.MONEY, _S),
    LineSpec("capex_intensity", "Capex intensity (capex / revenue)", Unit.PERCENT, _S),
    LineSpec("implied_share", "Implied market share", Unit.PERCENT, _S),
    LineSpec("capex_capitalized", "Capex, capitalized", Unit.MONEY, _F),
    LineSpec("capex_expensed", "Capex, expensed", Unit.MONEY, _F),
    LineSpec("capex_total", "Capex, total", Unit.MONEY, _F),
    LineSpec("enabling_capex", "Capex, enabling assets", Unit.MONEY, _F),
    LineSpec("cohort_capex", "Capex, owned by the plan", Unit.MONEY, _F),
    LineSpec("depreciation", "Depreciation", Unit.MONEY, _F),
    LineSpec("impairment", "Impairment", Unit.MONEY, _F),
    LineSpec("tax_depreciation", "Tax depreciation", Unit.MONEY, _F),
    LineSpec("net_ppe", "Net PP&E", Unit.MONEY, _F),
    LineSpec("capacity", "Capacity in service", Unit.COMPUTE, _F),
    LineSpec("capex_in_service", "Capex in service", Unit.MONEY, _F),
    LineSpec("revenue_yield", "Revenue yield", Unit.RATIO, _P),
    LineSpec("new_vintage_yield", "New vintage yield", Unit.RATIO, _P),
    LineSpec("ai_revenue", "AI revenue", Unit.MONEY, _P),
    LineSpec("pull_through_revenue", "Pull-through revenue", Unit.MONEY, _P),
    LineSpec("plan_revenue", "Plan revenue", Unit.MONEY, _P),
    LineSpec("ai_cash_opex", "AI cash opex", Unit.MONEY, _P),
    LineSpec("infrastructure_rent", "Infrastructure rent", Unit.MONEY, _P),
    LineSpec("plan_ebita", "Plan EBITA", Unit.MONEY, _P),
    LineSpec("plan_segment_ebita", "Plan EBITA as reported", Unit.MONEY, _P),
    LineSpec("plan_ebita_margin", "Plan EBITA margin", Unit.PERCENT, _P),
    LineSpec("taxable_income", "Taxable income", Unit.MONEY, _C),
    LineSpec("tax", "Tax", Unit.MONEY, _C),
    LineSpec("nopat", "Plan NOPAT", Unit.MONEY, _C),
    LineSpec("delta_nwc", "Change in working capital", Unit.MONEY, _C),
    LineSpec("fcf", "Plan free cash flow", Unit.MONEY, _C),
    LineSpec("cumulative_fcf", "Cumulative FCF", Unit.MONEY, _C),
    LineSpec("discount_factor", "Discount factor", Unit.RATIO, _C, "0.0000"),
    LineSpec("pv_fcf", "PV of FCF", Unit.MONEY, _C),
    LineSpec("cumulative_pv_fcf", "Cumulative PV of FCF", Unit.MONEY, _C),
    LineSpec("roic", "Plan ROIC", Unit.PERCENT, _C),
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
    KpiSpec("npv_per_share", "NPV per share", Unit.PER_SHARE, "#,##0.00"),
)

LINES: dict[str, LineSpec] = {spec.key: spec for spec in LINE_SPECS}
KPIS: dict[str, KpiSpec] = {spec.key: spec for spec in KPI_SPECS}
LINE_KEYS = tuple(LINES)
KPI_KEYS = tuple(KPIS)
