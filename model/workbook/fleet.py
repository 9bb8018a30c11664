"""The Fleet sheet: every vintage of every asset class, from the history years through the
projection (docs/model.md section 4, "Vintages").

Top to bottom:

* **Indices**: the price index Π(1 + price change), the compute cost index K_t, the core growth
  index, and whether each year is in the plan.
* **Asset classes**: one row per class with its live treatment and lives, the flags the lines
  filter by (capitalized, earns revenue, enabling, owned by the plan), its plan capex, its share
  of the follow-on (the plan's class mix), its rent share k_c and capital recovery factor; the
  rent rate ρ below them.
* **Capex** (the live inputs, one row per class) and **follow-on spending**: after the plan,
  explicit capex plus reinvestment_rate_t × total revenue of year t − 1, split by the plan's
  class mix. Each year reads the revenue of the year before, so the recursion runs column by
  column without a circular reference.
* **One block per class**: a row per vintage (year bought, group, amount, age in service by
  year), then the same rows for depreciation x·w(a, min(L, E))/L, impairment, book value, tax
  depreciation, capex in service x·w(a, E) and capacity (÷ K_v), each with its installed, plan
  and follow-on totals. Expensed classes have a block too, at zero, so switching a treatment in
  the Assumptions sheet moves everything.
* **Totals by class** (ranges the Projections sum, never long argument lists) and **fleet
  groups** (installed and follow-on revenue, opex and write-offs of the segment).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from xlsxwriter.utility import xl_rowcol_to_cell

from model.engine import plan_arrays
from model.vintages import vintage_tables
from model.workbook.formats import cached
from model.workbook.layout import HEADER_ROW, KEY_COL, LABEL_COL, UNIT_COL, cell, col_name, span, year_col

if TYPE_CHECKING:
    from model.workbook.writer import WorkbookWriter

FLEET = "Fleet"
GROUPS = ("installed", "plan", "follow-on")
QUANTITIES = {
    "depreciation": "Depreciation: x · w(a, min(L, E)) / L",
    "impairment": "Impairment: x · (1 − E/L) in the year a = E, when E < L",
    "book_value": "Book value at the end of the year",
    "tax_depreciation": "Tax depreciation: x · w(a, min(T, E)) / T (T = 0: x when a = 0)",
    "in_service": "Capex in service: x · w(a, E) (revenue-generating classes)",
    "capacity": "Capacity: x · w(a, E) / K_v (compute units)",
}
# (group, quantity) tables of "Totals by class" the Projections and the groups read.
CLASS_TOTALS = (
    *(("plan", q) for q in QUANTITIES),
    *((g, q) for g in ("installed", "follow-on") for q in ("depreciation", "impairment", "in_service", "capacity")),
)
# Columns of the asset class table.
CLASS_COLS = {
    "cap": 3,
    "rev": 4,
    "enabling": 5,
    "cohort": 6,
    "L": 7,
    "E": 8,
    "lag": 9,
    "T": 10,
    "M": 11,
    "plan_total": 12,
    "mix": 13,
    "k": 14,
    "crf": 15,
}
CLASS_TITLES = {
    "cap": "Capitalized",
    "rev": "Earns revenue",
    "enabling": "Enabling",
    "cohort": "Owned by plan",
    "L": "Book life L",
    "E": "Economic life E",
    "lag": "Lag",
    "T": "Tax life T",
    "M": "min(L, E)",
    "plan_total": "Plan capex",
    "mix": "Follow-on mix",
    "k": "Rent share k",
    "crf": "CRF(wacc, L)",
}
INDICES = {
    "price_index": "Price index Π(1 + price change)",
    "cost_index": "Compute cost index K_t Π(1 + cost change)",
    "core_index": "Core growth index Π(1 + core growth)",
    "in_plan": "In the plan (1) or after it (0)",
}
GROUP_ROWS = {
    "installed": ("capacity", "in_service", "written_off", "ai_revenue", "cash_opex"),
    "plan": ("written_off",),
    "follow-on": ("capacity", "in_service", "written_off", "ai_revenue", "cash_opex", "expensed"),
}
GROUP_LABELS = {
    "capacity": "capacity",
    "in_service": "capex in service",
    "written_off": "depreciation + impairment (every class)",
    "ai_revenue": "AI revenue",
    "cash_opex": "AI cash opex",
    "expensed": "expensed spending",
}


def _w(age: str, life: str) -> str:
    """w(a, L) as a formula: 0.5 at a = 0, 1 for 1 ≤ a ≤ L − 1, 0.5 at a = L, 0 otherwise."""
    return f"IF({age}=0,0.5,IF(AND({age}>=1,{age}<={life}-1),1,IF({age}={life},0.5,0)))"


@dataclass
class FleetValues:
    """The numbers of the sheet as the engine computes them (the formulas' cached values)."""

    spend: np.ndarray  # (C, n + H): x of every vintage, capitalized classes only
    follow_spend: np.ndarray  # (C, H)
    ages: np.ndarray  # (C, n + H, H)
    quantities: dict[str, np.ndarray]  # each (C, n + H, H)
    groups: np.ndarray  # (n + H,) group of each vintage
    indices: dict[str, np.ndarray]
    class_table: dict[str, np.ndarray]
    rent_rate: float


def fleet_values(writer: WorkbookWriter) -> FleetValues:
    plan = plan_arrays(writer.resolved)
    results = writer.results
    n, horizon, p = writer.history_years, writer.horizon, plan.plan_years
    d = plan.drivers
    cap = plan.capitalized.astype(float)
    rev = plan.revenue_generating.astype(float)
    wacc = float(plan.settings["wacc"])
    in_plan = np.arange(1, horizon + 1) <= p
    plan_total = np.where(in_plan, plan.capex, 0.0).sum(axis=1)
    mix = plan_total / plan_total.sum() if plan_total.sum() > 0 else np.zeros_like(plan_total)
    earning_total = (plan_total * rev).sum()
    k = plan_total / earning_total if earning_total > 0 else np.zeros_like(plan_total)
    lives = np.where(plan.capitalized, plan.lives, 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        crf = np.where(lives == 0, 0.0, (wacc / (1 - (1 + wacc) ** -lives)) if wacc != 0 else 1 / lives)
        # A WACC so small that (1 + wacc)^-L rounds to 1: the limit 1 / L, as the formula's IFERROR.
        crf = np.where(np.isfinite(crf), crf, 1 / lives)
    enabling = cap * (1 - rev)
    rent_rate = float((enabling * k * crf).sum()) if plan.rent else 0.0
    total_revenue = results.line("total_revenue")
    rate = d["reinvestment_rate"]
    follow = np.zeros_like(plan.capex)
    for t in range(p + 1, horizon + 1):
        reinvested = rate[t - 1] * total_revenue[t - 2] if t >= 2 else 0.0
        follow[:, t - 1] = plan.capex[:, t - 1] + mix * reinvested
    spend = np.concatenate([plan.history, np.where(in_plan, plan.capex, follow)], axis=1) * cap[:, None]
    tables = vintage_tables(
        tuple(plan.lives.astype(int)),
        tuple(plan.economic_lives.astype(int)),
        tuple(plan.lags.astype(int)),
        tuple(plan.tax_lives.astype(int)),
        n,
        horizon,
    )
    vintage = np.arange(1 - n, horizon + 1)
    cost_index = np.cumprod(1.0 + d["compute_cost_change"])
    k_v = np.concatenate([np.ones(n), cost_index])
    x = spend[:, :, None]
    in_service = x * rev[:, None, None] * tables.in_service
    quantities = {
        "depreciation": x * tables.depreciation,
        "impairment": x * tables.impairment,
        "book_value": x * tables.book_value,
        "tax_depreciation": x * tables.tax_depreciation,
        "in_service": in_service,
        "capacity": in_service / k_v[None, :, None],
    }
    years = np.arange(1, horizon + 1)
    ages = years[None, None, :] - vintage[None, :, None] - plan.lags[:, None, None]
    groups = np.where(vintage <= 0, "installed", np.where(vintage <= p, "plan", "follow-on"))
    indices = {
        "price_index": np.cumprod(1.0 + d["price_change"]),
        "cost_index": cost_index,
        "core_index": np.cumprod(1.0 + d["core_growth"]),
        "in_plan": in_plan.astype(float),
    }
    class_table = {
        "cap": cap,
        "rev": rev,
        "enabling": enabling,
        "cohort": rev if plan.rent else cap,
        "L": lives,
        "E": np.where(plan.capitalized, plan.economic_lives, 0.0),
        "lag": np.where(plan.capitalized, plan.lags, 0.0),
        "T": np.where(plan.capitalized, plan.tax_lives, 0.0),
        "M": np.where(plan.capitalized, np.minimum(plan.lives, plan.economic_lives), 0.0),
        "plan_total": plan_total,
        "mix": mix,
        "k": k,
        "crf": crf,
    }
    return FleetValues(spend, follow, ages, quantities, groups, indices, class_table, rent_rate)


def write_fleet(writer: WorkbookWriter) -> None:
    """Write the vintages and record on the writer the rows the Projections and calibration read."""
    sheet, f = writer.sheets[FLEET], writer.formats
    horizon, n = writer.horizon, writer.history_years
    classes = writer.resolved["asset_classes"]
    values = fleet_values(writer)
    writer.year_layout(sheet, 44)
    writer.title(
        sheet,
        "Fleet: every vintage of every asset class",
        "A vintage is one year's capex of one class. Age in service a = year − year bought − lag; w(a, L) is 0.5 "
        "in the year of entry and in year L, 1 between (half-year convention, docs/model.md section 4). "
        "Installed vintages were bought before the plan, plan vintages in its years, follow-on ones after it.",
    )
    sheet.write_string(HEADER_ROW, LABEL_COL, "Fiscal year", f.header_left)
    writer.year_headers(sheet, HEADER_ROW)
    header = f"${HEADER_ROW + 1}"  # the fiscal year of a column: <col>$3
    last_plan_year = "base_year+plan_years"
    row = writer.section(sheet, HEADER_ROW + 1, "Indices")
    for key, label in INDICES.items():
        writer.fleet_rows[key] = row
        writer.text(sheet, row, KEY_COL, key)
        writer.text(sheet, row, LABEL_COL, label)
        driver = {"price_index": "price_change", "cost_index": "compute_cost_change", "core_index": "core_growth"}
        for t in range(1, horizon + 1):
            col = year_col(t)
            here = col_name(col)
            if key == "in_plan":
                formula = f"=IF({here}{header}<={last_plan_year},1,0)"
            else:
                growth = f"(1+{writer.driver_cell(driver[key], t)})"
                formula = f"={col_name(col - 1)}{row + 1}*{growth}" if t > 1 else f"={growth}"
            fmt = f.integer if key == "in_plan" else f.weight
            sheet.write_formula(row, col, formula, fmt, cached(values.indices[key][t - 1]))
        row += 1

    # ------------------------------------------------------------------ the class table
    row = writer.section(sheet, row + 1, "Asset classes (live from Assumptions)")
    for key, col in CLASS_COLS.items():
        sheet.write_string(row - 1, col, CLASS_TITLES[key], f.section)
    sheet.write_string(row - 1, UNIT_COL, "Treatment", f.section)
    first_class, last_class = row, row + len(classes) - 1
    writer.class_table = (first_class, last_class)
    writer.fleet_capex_first = last_class + 4  # below the rent rate and the next section band

    def col_range(key: str) -> str:
        c = CLASS_COLS[key]
        return span(None, first_class, c, last_class, c)

    for i, cls in enumerate(classes):
        live = writer.class_cells[i]
        r = row + i
        ref = {key: xl_rowcol_to_cell(r, c, True, True) for key, c in CLASS_COLS.items()}
        writer.class_refs.append({key: f"{FLEET}!{v}" for key, v in ref.items()})
        writer.text(sheet, r, KEY_COL, f"class[{i}]")
        sheet.write_formula(
            r, LABEL_COL, f"={cell('Assumptions', writer.class_rows[i], LABEL_COL)}", f.link, cls["name"]
        )
        treatment = xl_rowcol_to_cell(r, UNIT_COL, True, True)
        sheet.write_formula(r, UNIT_COL, f"={live['treatment']}", f.text, cls["treatment"])
        capex_row = span(
            None, writer.fleet_capex_first + i, year_col(1), writer.fleet_capex_first + i, year_col(horizon)
        )
        fiscal = span(None, HEADER_ROW, year_col(1), HEADER_ROW, year_col(horizon))
        formulas = {
            "cap": f'=IF({treatment}="capitalized",1,0)',
            "rev": f"=IF(AND({ref['cap']}=1,{live['revenue_generating']}=TRUE),1,0)",
            "enabling": f"={ref['cap']}*(1-{ref['rev']})",
            "cohort": f'=IF(infrastructure_charge="rent",{ref["rev"]},{ref["cap"]})',
            "L": f"=IF({ref['cap']}=1,{live['life']},0)",
            "E": f"=IF({ref['cap']}=1,{live['economic_life']},0)",
            "lag": f"=IF({ref['cap']}=1,N({live['lag']}),0)",
            "T": f"=IF({ref['cap']}=1,{live['tax_life']},0)",
            "M": f"=MIN({ref['L']},{ref['E']})",
            "plan_total": f'=SUMIF({fiscal},"<="&({last_plan_year}),{capex_row})',
            "mix": f"=IF(SUM({col_range('plan_total')})>0,{ref['plan_total']}/SUM({col_range('plan_total')}),0)",
            "k": (
                f"=IF(SUMPRODUCT({col_range('rev')},{col_range('plan_total')})>0,"
                f"{ref['plan_total']}/SUMPRODUCT({col_range('rev')},{col_range('plan_total')}),0)"
            ),
            "crf": f"=IF({ref['L']}=0,0,IFERROR(wacc/(1-(1+wacc)^-{ref['L']}),1/{ref['L']}))",
        }
        for key, formula in formulas.items():
            fmt = f.weight if key in ("mix", "k", "crf") else (f.money if key == "plan_total" else f.integer)
            sheet.write_formula(r, CLASS_COLS[key], formula, fmt, cached(values.class_table[key][i]))
    row = last_class + 1
    writer.text(sheet, row, KEY_COL, "rent_rate")
    writer.text(sheet, row, LABEL_COL, 'Rent rate ρ = Σ enabling k · CRF ("rent" only)', f.kpi_label)
    sheet.write_formula(
        row,
        CLASS_COLS["cap"],
        f'=IF(infrastructure_charge="rent",SUMPRODUCT({col_range("enabling")},{col_range("k")},{col_range("crf")}),0)',
        f.weight,
        values.rent_rate,
    )
    writer.workbook.define_name("rent_rate", "=" + cell(FLEET, row, CLASS_COLS["cap"], True))
    row += 1

    # ------------------------------------------------------------------ capex and follow-on spending
    row = writer.section(sheet, row + 1, "Capex by class (live from Assumptions)")
    assert row == writer.fleet_capex_first
    capex = np.array([writer.resolved["capex"][c["name"]] for c in classes], dtype=float)
    for i in range(len(classes)):
        writer.text(sheet, row, KEY_COL, f"capex[{i}]")
        sheet.write_formula(row, LABEL_COL, f"={col_name(LABEL_COL)}{first_class + 1 + i}", f.link, classes[i]["name"])
        for t in range(1, horizon + 1):
            sheet.write_formula(row, year_col(t), f"={writer.capex_cell(i, t)}", f.money, capex[i, t - 1])
        row += 1
    row = writer.section(
        sheet,
        row + 1,
        "Follow-on spending: after the plan, capex + mix × reinvestment rate × total revenue of the year before",
    )
    writer.follow_first = row
    for i in range(len(classes)):
        writer.text(sheet, row, KEY_COL, f"follow_on[{i}]")
        sheet.write_formula(row, LABEL_COL, f"={col_name(LABEL_COL)}{first_class + 1 + i}", f.link, classes[i]["name"])
        mix = xl_rowcol_to_cell(first_class + i, CLASS_COLS["mix"], True, True)
        for t in range(1, horizon + 1):
            here = col_name(year_col(t))
            explicit = f"{here}{writer.fleet_capex_first + i + 1}"
            if t == 1:
                spending = explicit
            else:
                revenue = writer.line_cell("total_revenue", t - 1)
                spending = f"{explicit}+{mix}*({writer.driver_cell('reinvestment_rate', t)}*{revenue})"
            formula = f"=IF({here}{header}>{last_plan_year},{spending},0)"
            sheet.write_formula(row, year_col(t), formula, f.money, values.follow_spend[i, t - 1])
        row += 1

    # ------------------------------------------------------------------ one block per class
    fixed_plan = max((target.t for target in writer.targets), default=0)
    totals: dict[tuple[str, str], list[int]] = {key: [] for key in CLASS_TOTALS}
    for i, cls in enumerate(classes):
        ref = {key: xl_rowcol_to_cell(first_class + i, c, True, True) for key, c in CLASS_COLS.items()}
        row = writer.section(sheet, row + 1, "")
        sheet.write_formula(row - 1, LABEL_COL, f"={col_name(LABEL_COL)}{first_class + 1 + i}", f.section, cls["name"])
        # Vintages: group, year bought, amount, age in service.
        writer.text(sheet, row, LABEL_COL, "Vintage: year bought; amount x; age in service a by year", f.kpi_label)
        sheet.write_string(row, KEY_COL, "Group", f.header_left)
        sheet.write_string(row, UNIT_COL, "x", f.header_left)
        row += 1
        first_vintage = row
        for j, v in enumerate(range(1 - n, horizon + 1)):
            r = first_vintage + j
            year = writer.model["base_year"] + v
            year_formula = f"=base_year{v:+d}" if v else "=base_year"
            sheet.write_formula(r, LABEL_COL, year_formula, f.integer, year)
            year_ref = f"$B{r + 1}"
            if v <= 0:
                writer.text(sheet, r, KEY_COL, "installed")
                history_row = writer.history_rows.get(i)
                if history_row is None:
                    sheet.write_number(r, UNIT_COL, 0.0, f.money)
                else:
                    history_cell = cell("Assumptions", history_row, year_col(v + n))
                    sheet.write_formula(r, UNIT_COL, f"={history_cell}*{ref['cap']}", f.money, values.spend[i, j])
            else:
                group = f'=IF({year_ref}<={last_plan_year},"plan","follow-on")'
                sheet.write_formula(r, KEY_COL, group, f.text, str(values.groups[j]))
                capex_cell = f"{col_name(year_col(v))}{writer.fleet_capex_first + i + 1}"
                if v <= fixed_plan:  # the calibration year is in the plan: no follow-on reference
                    formula = f"={capex_cell}*{ref['cap']}"
                else:
                    follow_cell = f"{col_name(year_col(v))}{writer.follow_first + i + 1}"
                    formula = f"=IF({year_ref}<={last_plan_year},{capex_cell},{follow_cell})*{ref['cap']}"
                sheet.write_formula(r, UNIT_COL, formula, f.money, values.spend[i, j])
            for t in range(max(v, 1), horizon + 1):
                here = col_name(year_col(t))
                sheet.write_formula(
                    r, year_col(t), f"={here}{header}-{year_ref}-{ref['lag']}", f.integer, values.ages[i, j, t - 1]
                )
        last_vintage = first_vintage + n + horizon - 1
        groups_range = span(None, first_vintage, KEY_COL, last_vintage, KEY_COL)
        row = last_vintage + 1
        q_first: dict[str, int] = {}
        for q, title in QUANTITIES.items():
            writer.text(sheet, row, LABEL_COL, title, f.kpi_label)
            if q == "capacity":
                sheet.write_string(row, UNIT_COL, "K_v", f.header_left)
            row += 1
            first_q = q_first[q] = row
            for j, v in enumerate(range(1 - n, horizon + 1)):
                r = first_q + j
                age_row = first_vintage + j
                sheet.write_formula(r, LABEL_COL, f"=$B{age_row + 1}", f.integer, writer.model["base_year"] + v)
                x = f"$C${age_row + 1}"
                if q == "capacity":
                    if v <= 0:
                        sheet.write_number(r, UNIT_COL, 1.0, f.weight)
                    else:
                        k_ref = f"{col_name(year_col(v))}${writer.fleet_rows['cost_index'] + 1}"
                        sheet.write_formula(r, UNIT_COL, f"={k_ref}", f.weight, values.indices["cost_index"][v - 1])
                for t in range(max(v, 1), horizon + 1):
                    here = col_name(year_col(t))
                    a = f"{here}{age_row + 1}"
                    formula = _vintage_formula(q, x, a, ref, f"{here}{q_first.get('in_service', 0) + j + 1}/$C{r + 1}")
                    sheet.write_formula(r, year_col(t), formula, f.money, cached(values.quantities[q][i, j, t - 1]))
            row = first_q + n + horizon
            for group in GROUPS:
                writer.text(sheet, row, KEY_COL, group)
                writer.text(sheet, row, LABEL_COL, f"{group.capitalize()} vintages")
                for t in range(1, horizon + 1):
                    c = year_col(t)
                    column = span(None, first_q, c, first_q + n + horizon - 1, c, absolute=False)
                    value = values.quantities[q][i, values.groups == group, t - 1].sum()
                    sheet.write_formula(row, c, f'=SUMIF({groups_range},"{group}",{column})', f.money, value)
                if (group, q) in totals:
                    totals[(group, q)].append(row)
                row += 1

    # ------------------------------------------------------------------ totals by class and groups
    row = writer.section(sheet, row + 1, "Totals by class (the Projections sum these ranges)")
    for (group, q), rows in totals.items():
        writer.text(sheet, row, LABEL_COL, f"{group.capitalize()}: {QUANTITIES[q].split(':')[0].lower()}", f.kpi_label)
        row += 1
        writer.class_totals[(group, q)] = row
        for i, source_row in enumerate(rows):
            writer.text(sheet, row, KEY_COL, f"{group}.{q}[{i}]")
            sheet.write_formula(
                row, LABEL_COL, f"={col_name(LABEL_COL)}{first_class + 1 + i}", f.link, classes[i]["name"]
            )
            for t in range(1, horizon + 1):
                c = year_col(t)
                value = values.quantities[q][i, values.groups == group, t - 1].sum()
                sheet.write_formula(row, c, f"={col_name(c)}{source_row + 1}", f.money, value)
            row += 1

    row = writer.section(sheet, row + 1, "Fleet groups (every class, no rent): the segment lines read these")
    group_values = _group_values(writer, values)
    for group, keys in GROUP_ROWS.items():
        for key in keys:
            writer.group_rows[(group, key)] = row
            writer.text(sheet, row, KEY_COL, f"{group}.{key}")
            writer.text(sheet, row, LABEL_COL, f"{group.capitalize()}: {GROUP_LABELS[key]}")
            row += 1
    for (group, key), r in writer.group_rows.items():
        for t in range(1, horizon + 1):
            c = year_col(t)
            sheet.write_formula(
                r, c, _group_formula(writer, group, key, t), f.money, cached(group_values[(group, key)][t - 1])
            )


def _vintage_formula(q: str, x: str, a: str, ref: dict[str, str], capacity: str) -> str:
    """One cell of a vintage's row: quantity ``q`` of amount ``x`` at age ``a`` (the class's
    lives in ``ref``); ``capacity`` is the capacity cell's formula (in service ÷ K_v)."""
    book, economic, tax, shorter = ref["L"], ref["E"], ref["T"], ref["M"]
    if q == "depreciation":
        return f"=IF({x}=0,0,{x}*{_w(a, shorter)}/{book})"
    if q == "impairment":
        return f"=IF(AND({economic}<{book},{a}={economic}),{x}*(1-{economic}/{book}),0)"
    if q == "book_value":
        remaining = f"{x}*(1-MIN({a}+0.5,{book})/{book})"
        return f"=IF({a}<0,{x},IF(AND({economic}<{book},{a}>={economic}),0,IF({x}=0,0,{remaining})))"
    if q == "tax_depreciation":
        straight = f"{x}*{_w(a, f'MIN({tax},{economic})')}/{tax}"
        write_off = f"IF(AND({economic}<{tax},{a}={economic}),{x}*(1-{economic}/{tax}),0)"
        return f"=IF({x}=0,0,IF({tax}=0,IF({a}=0,{x},0),{straight}+{write_off}))"
    if q == "in_service":
        return f"=IF({x}=0,0,{x}*{ref['rev']}*{_w(a, economic)})"
    return "=" + capacity


def class_sum(writer: WorkbookWriter, group: str, q: str, t: int, weights: str | None = None) -> str:
    """Σ over classes of (group, q) in year t as a range (weighted by a class table column)."""
    first = writer.class_totals[(group, q)]
    c = year_col(t)
    column = span(FLEET, first, c, first + len(writer.class_rows) - 1, c, absolute=False)
    if weights is None:
        return f"SUM({column})"
    first_class, last_class = writer.class_table
    flags = span(FLEET, first_class, CLASS_COLS[weights], last_class, CLASS_COLS[weights])
    return f"SUMPRODUCT({flags},{column})"


def _group_formula(writer: WorkbookWriter, group: str, key: str, t: int) -> str:
    def here(k: str) -> str:
        return f"{col_name(year_col(t))}{writer.group_rows[(group, k)] + 1}"

    if key == "capacity":
        return "=" + class_sum(writer, group, "capacity", t)
    if key == "in_service":
        return "=" + class_sum(writer, group, "in_service", t)
    if key == "written_off":
        return f"={class_sum(writer, group, 'depreciation', t)}+{class_sum(writer, group, 'impairment', t)}"
    if key == "ai_revenue":
        return f"={here('capacity')}*{writer.line_cell('revenue_yield', t)}*{writer.driver_cell('utilization', t)}"
    if key == "cash_opex":
        return f"={here('in_service')}*ai_cash_opex_rate+{here('ai_revenue')}*ai_variable_cost_pct"
    # expensed follow-on spending
    first_class, last_class = writer.class_table
    flags = span(None, first_class, CLASS_COLS["cap"], last_class, CLASS_COLS["cap"])
    c = year_col(t)
    column = span(None, writer.follow_first, c, writer.follow_first + len(writer.class_rows) - 1, c, absolute=False)
    return f"=SUMPRODUCT(1-{flags},{column})"


def _group_values(writer: WorkbookWriter, values: FleetValues) -> dict[tuple[str, str], np.ndarray]:
    results = writer.results
    s = writer.results_settings
    d = writer.resolved["drivers"]
    revenue_yield = results.line("revenue_yield")
    utilization = np.asarray(d["utilization"], dtype=float)
    out = {}
    for group in ("installed", "plan", "follow-on"):
        mask = values.groups == group
        q = {name: values.quantities[name][:, mask, :].sum(axis=(0, 1)) for name in QUANTITIES}
        out[(group, "capacity")] = q["capacity"]
        out[(group, "in_service")] = q["in_service"]
        out[(group, "written_off")] = q["depreciation"] + q["impairment"]
        ai = q["capacity"] * revenue_yield * utilization
        out[(group, "ai_revenue")] = ai
        out[(group, "cash_opex")] = q["in_service"] * s["ai_cash_opex_rate"] + ai * s["ai_variable_cost_pct"]
    cap = values.class_table["cap"]
    out[("follow-on", "expensed")] = ((1 - cap)[:, None] * values.follow_spend).sum(axis=0)
    return out
