"""The KPI strip along the top of the window: the plan's returns at a glance, valued at the
valuation date it names, and with a scenario selected, how far each moves from Base. Under it, a
banner with the model's warnings (a terminal value that does not fit a cohort, a drifting new
vintage yield)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from model import Results
from model.outputs import KPIS, LINES
from model.schema import BASE_SCENARIO
from ui.controller import WorkbenchController
from ui.formatting import format_kpi, format_kpi_change


@dataclass(frozen=True)
class KpiSpec:
    """A KPI of the results (``kpi``) or the last plan year of an output line (``line``)."""

    key: str
    source: str  # "kpi" or "line"
    definition: str

    def value(self, results: Results) -> float | None:
        if self.key in PAYBACKS and not results.kpis["total_capex"]:
            # The contract's payback of all-zero flows is 0 (docs/model.md section 6); with nothing
            # invested there is nothing to pay back, which the window says as n/a.
            return None
        if self.source == "kpi":
            return results.kpis[self.key]
        value = float(results.line(self.key)[-1])
        return value if value == value else None  # NaN (undefined) shows as n/a

    @property
    def unit(self) -> str:
        return (KPIS if self.source == "kpi" else LINES)[self.key].unit


PAYBACKS = ("payback_years", "discounted_payback_years")
STRIP = (
    KpiSpec(
        "npv",
        "kpi",
        "Net present value at the WACC of the plan's free cash flows after the valuation date and its "
        "terminal value, valued at the end of the valuation year (earlier flows are sunk).",
    ),
    KpiSpec(
        "npv_per_share",
        "kpi",
        "NPV divided by the shares outstanding (Settings), in the display currency; shown when shares are given.",
    ),
    KpiSpec(
        "irr",
        "kpi",
        "Internal rate of return of the plan's free cash flows plus terminal value (root nearest the WACC).",
    ),
    KpiSpec(
        "payback_years", "kpi", "Years until cumulative free cash flow turns positive (terminal value not counted)."
    ),
    KpiSpec("discounted_payback_years", "kpi", "Payback on discounted free cash flow."),
    KpiSpec(
        "peak_funding",
        "kpi",
        "The deepest point of cumulative free cash flow: the cash the plan needs before it pays back.",
    ),
    KpiSpec(
        "roic",
        "line",
        "Plan NOPAT over its average net PP&E in the last year of the horizon "
        "(n/a when the plan's assets are fully depreciated by then).",
    ),
    KpiSpec(
        "ebita_margin",
        "line",
        "Segment EBITA margin (core, installed fleet, plan and follow-on) in the last year of the horizon.",
    ),
)


class KpiTile(QFrame):
    def __init__(self, spec: KpiSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("KpiTile")
        self.spec = spec
        self.title = QLabel()
        self.title.setObjectName("KpiTitle")
        self.value = QLabel()
        self.value.setObjectName("KpiValue")
        self.change = QLabel()
        self.change.setObjectName("KpiChange")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(0)
        for label in (self.title, self.value, self.change):
            label.setAlignment(Qt.AlignmentFlag.AlignLeft)
            layout.addWidget(label)
        self.setToolTip(spec.definition)


class KpiStrip(QFrame):
    """One tile per KPI; ``value_labels[key]`` and ``change_labels[key]`` hold the shown text."""

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("KpiStrip")
        self._controller = controller
        self.tiles = {spec.key: KpiTile(spec, self) for spec in STRIP}
        self.value_labels = {key: tile.value for key, tile in self.tiles.items()}
        self.change_labels = {key: tile.change for key, tile in self.tiles.items()}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(6)
        for tile in self.tiles.values():
            layout.addWidget(tile, 1)
        controller.results_changed.connect(self.refresh)
        controller.money_display_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        controller = self._controller
        results, base, money = controller.results, controller.base_results, controller.money
        settings = controller.scenario_model["settings"]
        last_year = results.years[-1]
        compare = controller.scenario != BASE_SCENARIO
        valued_at = f"end FY{settings['valuation_year']}"
        self.tiles["npv_per_share"].setVisible(settings["shares_outstanding"] > 0)
        for key, tile in self.tiles.items():
            spec = tile.spec
            label = (KPIS if spec.source == "kpi" else LINES)[key].label
            if key in ("npv", "npv_per_share"):
                label = f"{label} at {valued_at}"
            tile.title.setText(label if spec.source == "kpi" else f"{label} FY{last_year}")
            tile.value.setText(format_kpi(spec.value(results), spec.unit, money))
            tile.change.setText(
                format_kpi_change(spec.value(results), spec.value(base), spec.unit, money) if compare else ""
            )


class WarningBanner(QLabel):
    """The model's warnings (``Results.warnings``) in plain words; hidden when there are none."""

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("WarningBanner")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._controller = controller
        controller.results_changed.connect(self.refresh)
        self.refresh()

    @property
    def warnings(self) -> list[str]:
        return list(self._controller.results.warnings)

    def refresh(self) -> None:
        warnings = self.warnings
        self.setText("<br>".join(f"<b>⚠ Warning:</b> {escape(text)}" for text in warnings))
        self.setVisible(bool(warnings))
