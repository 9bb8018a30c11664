"""What each grid shows, built from the model, the selected scenario and the results.

Each builder returns a ``Sheet``: values in model units, how to format them, which cells take
input, where each number comes from (tooltips) and which cells are reported figures or scenario
overrides (marks). Nothing here computes a model figure but the capex sheet's plan totals: inputs
come from the model (capex by class and year from ``model.engine.capex_table``), outputs from
``Results``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from model import Results
from model.edits import EditBlock, RenameClass, SetCell, SetClassField, SetOverride, SetSetting
from model.engine import capex_table
from model.outputs import LINE_KEYS, LINES
from model.schema import ASSET_CLASS_LABELS, BASE_SCENARIO, DRIVERS, MAX_LAG, MAX_LIFE, MIN_LIFE, SETTINGS, TREATMENTS
from model.validation import Model, apply_scenario, calibrated_paths
from ui.formatting import MoneyDisplay, format_cell, unit_words
from ui.table_model import FOLLOW_ON, FOLLOWS, OVERRIDDEN, SOLVED, SOURCED, TOTAL, Sheet, cell_table, grid

JUDGMENT_PREFIX = "judgment"
EMPHASISED_LINES = ("total_revenue", "ebita_margin", "fcf")
CLASS_COLUMNS = ASSET_CLASS_LABELS  # the class table, one column per field
# The class fields in whole years, their spin-box limits and what each means (tooltips).
LIFE_FIELDS = {
    "life": ((MIN_LIFE, MAX_LIFE), "Book life in years: depreciation spreads the cost over it."),
    "economic_life": (
        (MIN_LIFE, MAX_LIFE),
        "Economic life in years: how long a vintage earns revenue. Shorter than the book life, the "
        "book value left when it stops earning is written off (impairment, inside EBITA).",
    ),
    "lag": ((0, MAX_LAG), "Lag in whole years from spending to entering service (construction in progress)."),
    "tax_life": (
        (0, MAX_LIFE),
        "Tax life in years (0: deducted in full in the year the asset enters service).",
    ),
}
# Fields that, when absent, follow the book life in force; Delete removes an explicit value.
FOLLOWING_FIELDS = ("economic_life", "tax_life")
SOLVED_NOTE = "Solved by the calibration"
# Short names of the settings a calibration may solve, for the sentence beside the settings.
SOLVED_NAMES = {
    "ai_revenue_yield": "AI revenue yield",
    "base_core_revenue": "Core revenue in the base year",
    "ai_cash_opex_rate": "AI cash opex rate",
    "ai_variable_cost_pct": "AI variable cost",
}
# What else moves the solved setting (docs/model.md section 4a), said beside the calibration.
CALIBRATION_EFFECTS = {
    "ai_revenue_yield": (
        "With revenue pinned, anything else that adds FY{year} revenue (more pull-through, more "
        "installed capacity, faster core growth, higher utilization) lowers the solved yield, so its "
        "net effect on the plan's returns can have the opposite sign to its effect without calibration."
    ),
    "base_core_revenue": (
        "With revenue pinned, anything that adds FY{year} AI or pull-through revenue lowers the solved "
        "core revenue, and the reverse."
    ),
    "ai_cash_opex_rate": (
        "With the margin pinned, anything else that adds FY{year} EBITA (a higher core margin, lower "
        "variable cost, less depreciation) raises the solved opex rate, which every later year then bears."
    ),
    "ai_variable_cost_pct": (
        "With the margin pinned, anything else that adds FY{year} EBITA (a higher core margin, lower "
        "opex, less depreciation) raises the solved variable cost, which every later year then bears."
    ),
}


def unit_name(unit: str, money: MoneyDisplay) -> str:
    return unit_words(unit, money)


def year_labels(years: list[int]) -> list[str]:
    return [f"FY{year % 100:02d}" for year in years]


def source_of(model: Model, path: str) -> dict[str, str] | None:
    return model["sources"].get(path)


def is_reported(source: dict[str, str] | None) -> bool:
    """A figure taken from a filing or a data provider, as opposed to the analyst's judgment."""
    return source is not None and not source["text"].strip().lower().startswith(JUDGMENT_PREFIX)


def source_note(source: dict[str, str] | None) -> str:
    if source is None:
        return "No source recorded: the analyst's own input."
    parts = [f"Source: {source['text']}"]
    if source.get("date"):
        parts.append(f"Date: {source['date']}")
    if source.get("url"):
        parts.append(source["url"])
    return "\n".join(parts)


def override_note(scenario: str, base_text: str) -> str:
    return f"{scenario} overrides this input (Base: {base_text}). Right-click › Reset to Base removes the override."


def _overrides(model: Model, scenario: str, section: str) -> dict[str, Any]:
    if scenario == BASE_SCENARIO:
        return {}
    return model["scenarios"][scenario].get(section, {})


def plan_years(model: Model, scenario: str) -> int:
    """P: the years of the plan being judged; later years are the follow-on."""
    return int(apply_scenario(model, scenario)["settings"]["plan_years"])


def capex_sheet(model: Model, scenario: str, money: MoneyDisplay, results: Results) -> Sheet:
    """Capex by class and year with a total row and a plan-total column; the class-year cells take
    input. Years after the plan are the follow-on: shaded, labelled, and their total row is the
    results' follow-on capex (explicit capex plus the reinvestment of the drivers)."""
    table = capex_table(model, scenario)
    classes, years = table.classes, table.years
    horizon, base_year = model["horizon"], model["base_year"]
    plan = plan_years(model, scenario)
    values = np.empty((len(classes) + 1, horizon + 1))
    values[: len(classes), :horizon] = table.values
    # The total row comes from the results: capex_total in the plan, follow_on_capex after it.
    values[len(classes), :plan] = results.line("capex_total")[:plan]
    values[len(classes), plan:horizon] = results.line("follow_on_capex")[plan:]
    values[:, horizon] = values[:, :plan].sum(axis=1)  # the plan's own spending, by class
    shape = values.shape
    units, editable = grid(shape, "money"), grid(shape, False)
    marks, tooltips = grid(shape, ""), grid(shape, "")
    editable[: len(classes), :horizon] = True
    marks[len(classes), :] = marks[:, horizon] = TOTAL
    tooltips[len(classes), :plan] = "Plan capex of the year (capex_total of the results)"
    tooltips[:, horizon] = f"Capex over the plan's {plan} years (FY{years[0]}–FY{years[plan - 1]})"
    reinvestment = apply_scenario(model, scenario)["drivers"].get("reinvestment_rate") or [0.0] * horizon
    for column in range(plan, horizon):
        rate = format_cell(reinvestment[column], "%", money)
        tooltips[len(classes), column] = (
            f"Follow-on capex FY{years[column]} (follow_on_capex of the results): the capex typed above "
            f"plus {rate} of FY{years[column] - 1} total revenue reinvested (Drivers), split by the plan's class mix."
        )
    overridden = _overrides(model, scenario, "capex")
    for row, name in enumerate(classes):
        source = source_of(model, f"capex.{name}")
        note = source_note(source)
        if name in overridden:
            base_total = format_cell(sum(model["capex"][name]), "money", money)
            note = f"{override_note(scenario, f'{base_total} over the horizon')}\n{note}"
            marks[row, :horizon] = OVERRIDDEN
        elif is_reported(source):
            marks[row, :horizon] = SOURCED
        tooltips[row, :horizon] = note
        for column in range(plan, horizon):
            if marks[row, column] != OVERRIDDEN:
                marks[row, column] = FOLLOW_ON
            tooltips[row, column] = (
                f"FY{years[column]} is after the plan ({plan} years): capex here is follow-on, outside "
                f"the plan's returns, added to the reinvestment of the drivers.\n{note}"
            )

    def edit_for(name: str, year: int, value: Any) -> SetCell:
        return SetCell("capex", name, year - base_year - 1, value)

    year_texts = year_labels(years)
    return Sheet(
        cells=values.astype(object),
        row_keys=[*classes, "Total"],
        column_keys=[*years, "Total"],
        units=units,
        row_labels=[*classes, "Total"],
        column_labels=[
            *(f"{text}\n{'plan' if i < plan else 'follow-on'}" for i, text in enumerate(year_texts)),
            "Plan\ntotal",
        ],
        editable=editable,
        marks=marks,
        tooltips=tooltips,
        edit_for=edit_for,
    )


def history_sheet(model: Model, scenario: str, money: MoneyDisplay) -> Sheet:
    """Capex of the years before the plan (the installed fleet), one row per capitalized class;
    empty when the model has no history."""
    resolved = apply_scenario(model, scenario)
    rows = (resolved.get("history") or {}).get("capex", {})
    length = len(next(iter(rows.values()))) if rows else 0
    first = model["base_year"] - length + 1
    years = list(range(first, model["base_year"] + 1))
    values = cell_table(list(rows.values()), len(years))
    units, marks, tooltips = grid(values.shape, "money"), grid(values.shape, ""), grid(values.shape, "")
    overridden = _overrides(model, scenario, "history").get("capex", {})
    for row, name in enumerate(rows):
        source = source_of(model, f"history.{name}")
        note = (
            "Bought before the plan: the installed fleet, earning and depreciating as the plan's "
            f"vintages do.\n{source_note(source)}"
        )
        if name in overridden:
            marks[row, :] = OVERRIDDEN
            note = f"{override_note(scenario, 'see Base')}\n{note}"
        elif is_reported(source):
            marks[row, :] = SOURCED
        tooltips[row, :] = note

    def edit_for(name: str, year: int, value: Any) -> SetCell:
        return SetCell("history", name, year - first, value)

    return Sheet(
        cells=values,
        row_keys=list(rows),
        column_keys=years,
        units=units,
        row_labels=list(rows),
        column_labels=[f"{text}\nhistory" for text in year_labels(years)],
        editable=grid(values.shape, True),
        marks=marks,
        tooltips=tooltips,
        edit_for=edit_for,
    )


def class_sheet(model: Model, scenario: str, money: MoneyDisplay) -> Sheet:
    """One row per class: name (rename), treatment, book, economic and tax lives, lag and whether
    it earns revenue. An absent economic or tax life shows, greyed, the book life it follows."""
    resolved = apply_scenario(model, scenario)
    classes = resolved["asset_classes"]
    names = [cls["name"] for cls in classes]
    keys = list(CLASS_COLUMNS)
    values = cell_table(
        [
            [cls.get(key, cls.get("life") if key in FOLLOWING_FIELDS else 0) for key in keys]
            if cls["treatment"] == "capitalized"
            else [cls["name"], cls["treatment"], None, None, None, None, False]
            for cls in classes
        ],
        len(keys),
    )
    shape = values.shape
    units, editable = grid(shape, "integer"), grid(shape, True)
    units[:, 0], units[:, 1], units[:, -1] = "text", "choice", "bool"
    marks, tooltips, texts, clearable = grid(shape, ""), grid(shape, ""), grid(shape, ""), grid(shape, False)
    overridden = _overrides(model, scenario, "asset_classes")
    choices, limits = {}, {}
    for row, cls in enumerate(classes):
        source = source_of(model, f"asset_classes.{cls['name']}")
        capitalized = cls["treatment"] == "capitalized"
        choices[(row, 1)] = TREATMENTS
        for column, key in enumerate(keys):
            if key in overridden.get(cls["name"], {}):
                marks[row, column] = OVERRIDDEN
                base_class = next(c for c in model["asset_classes"] if c["name"] == cls["name"])
                tooltips[row, column] = f"{override_note(scenario, str(base_class.get(key)))}\n{source_note(source)}"
            else:
                marks[row, column] = SOURCED if is_reported(source) and column else ""
                tooltips[row, column] = source_note(source)
            if key not in LIFE_FIELDS:
                continue
            column_limits, meaning = LIFE_FIELDS[key]
            limits[(row, column)] = column_limits
            tooltips[row, column] = f"{meaning}\n{tooltips[row, column]}"
            if not capitalized:
                editable[row, column], texts[row, column] = False, "—"
                tooltips[row, column] = "An expensed class is charged when spent: it has no lives or lag."
            elif key in FOLLOWING_FIELDS and key not in cls:
                texts[row, column] = f"= book {cls['life']}"
                if marks[row, column] != OVERRIDDEN:
                    marks[row, column] = FOLLOWS
                tooltips[row, column] = f"{meaning}\nNot given: it follows the book life ({cls['life']} years)."
            elif key in FOLLOWING_FIELDS:
                clearable[row, column] = True
                tooltips[row, column] += "\nDelete: follow the book life instead."
        tooltips[row, 0] = "Type a new name to rename the class (every scenario and source follows)."

    def edit_for(name: str, key: str, value: Any) -> RenameClass | SetClassField:
        return RenameClass(name, value) if key == "name" else SetClassField(name, key, value)

    return Sheet(
        cells=values,
        row_keys=names,
        column_keys=keys,
        units=units,
        row_labels=[str(i + 1) for i in range(len(names))],
        column_labels=list(CLASS_COLUMNS.values()),
        editable=editable,
        marks=marks,
        tooltips=tooltips,
        edit_for=edit_for,
        choices=choices,
        limits=limits,
        texts=texts,
        clearable=clearable,
    )


def drivers_sheet(model: Model, scenario: str, money: MoneyDisplay) -> Sheet:
    """Each driver across the projection years; rates shown and typed as percentages."""
    resolved = apply_scenario(model, scenario)
    horizon, base_year = model["horizon"], model["base_year"]
    years = list(range(base_year + 1, base_year + horizon + 1))
    # An optional driver the model lacks is zero in every year, as the engine reads it.
    rows = {
        key: resolved["drivers"].get(key) or [None if spec.nullable else 0.0] * horizon for key, spec in DRIVERS.items()
    }
    values = cell_table(list(rows.values()), len(years))
    units, marks, tooltips = grid(values.shape, ""), grid(values.shape, ""), grid(values.shape, "")
    overridden = _overrides(model, scenario, "drivers")
    for row, (key, spec) in enumerate(DRIVERS.items()):
        units[row, :] = spec.unit
        source = source_of(model, f"drivers.{key}")
        note = source_note(source)
        if spec.unit == "%":
            note += "\nType 12, 12% or 0.12 for 12 %."
        if spec.nullable:
            note += "\nLeave a year empty (or press Delete) when it is unknown."
        if key == "reinvestment_rate":
            plan = int(resolved["settings"]["plan_years"])
            note += (
                f"\nFollow-on capex of a year after the plan: this share of the prior year's total revenue,"
                f" split by the plan's class mix. The plan's own years (the first {plan}) are ignored."
            )
        if key not in resolved["drivers"] and not spec.nullable:
            note += "\nNot in the model: zero every year until a year is typed in."
        if key in overridden:
            marks[row, :] = OVERRIDDEN
            note = f"{override_note(scenario, 'see Base')}\n{note}"
        elif is_reported(source):
            marks[row, :] = SOURCED
        tooltips[row, :] = note

    clearable = grid(values.shape, False)
    clearable[[spec.nullable for spec in DRIVERS.values()], :] = True

    def edit_for(key: str, year: int, value: Any) -> SetCell | EditBlock | SetOverride:
        index = year - base_year - 1
        if key in resolved["drivers"] or DRIVERS[key].nullable:
            return SetCell("drivers", key, index, value)
        # An absent optional driver is written whole: zeros, and the typed year.
        row = [0.0] * horizon
        row[index] = value
        if scenario != BASE_SCENARIO:
            return SetOverride("drivers", key, row)
        return EditBlock(tuple(SetCell("drivers", key, i, v) for i, v in enumerate(row)))

    plan = int(resolved["settings"]["plan_years"])
    return Sheet(
        cells=values,
        row_keys=list(rows),
        column_keys=years,
        units=units,
        row_labels=[f"{spec.label} ({unit_name(spec.unit, money)})" for spec in DRIVERS.values()],
        column_labels=[f"{text}\n{'plan' if i < plan else 'follow-on'}" for i, text in enumerate(year_labels(years))],
        editable=grid(values.shape, True),
        marks=marks,
        tooltips=tooltips,
        edit_for=edit_for,
        clearable=clearable,
    )


# The plan's frame first (what is judged, when, per how many shares, who owns the buildings),
# then the settings in the order of the model file.
FIRST_SETTINGS = ("plan_years", "valuation_year", "shares_outstanding", "infrastructure_charge")
SETTING_ORDER = (*FIRST_SETTINGS, *(key for key in SETTINGS if key not in FIRST_SETTINGS))


def setting_unit(key: str, model: Model, money: MoneyDisplay) -> str:
    """The unit column of the settings grid: "%", "×", "RMB bn", "years", "bn shares"."""
    spec = SETTINGS[key]
    if key == "plan_years":
        return "years"
    if key == "valuation_year":
        return "fiscal year (end)"
    if key == "shares_outstanding":
        return f"{model['unit']} shares"
    return "" if spec.kind == "choice" else unit_name(spec.unit if spec.kind == "number" else spec.kind, money)


def settings_sheet(model: Model, scenario: str, money: MoneyDisplay, results: Results) -> Sheet:
    """Every setting with its value, unit and source; the value column takes input, except the
    settings the calibration solves, which show the solved value, read-only and marked."""
    resolved = apply_scenario(model, scenario)
    overridden = _overrides(model, scenario, "settings")
    solved = calibrated_paths(model)
    horizon, base_year = model["horizon"], model["base_year"]
    rows, units, marks, tooltips, choices, limits = [], [], [], [], {}, {}
    editable = []
    for row, key in enumerate(SETTING_ORDER):
        spec = SETTINGS[key]
        source = source_of(model, f"settings.{key}")
        kind = spec.unit if spec.kind == "number" else spec.kind
        value = resolved["settings"][key]
        note = source_note(source)
        mark = SOURCED if is_reported(source) else ""
        if key in overridden:
            base_text = format_cell(model["settings"][key], kind, money)
            note, mark = f"{override_note(scenario, base_text)}\n{note}", OVERRIDDEN
        if f"settings.{key}" in solved:
            value = results.calibrated.get(f"settings.{key}", value)
            mark = SOLVED
            note = f"{SOLVED_NOTE} (see the sentence above the table): read-only.\n{note}"
        rows.append([value, setting_unit(key, model, money), source["text"] if source else "—"])
        units.append([kind, "text", "text"])
        marks.append([mark, "", ""])
        tooltips.append([note, note, note])
        editable.append([f"settings.{key}" not in solved, False, False])
        if spec.kind == "choice":
            choices[(row, 0)] = spec.choices
        if key == "plan_years":
            limits[(row, 0)] = (1, horizon)
        elif key == "valuation_year":
            limits[(row, 0)] = (base_year, base_year + horizon - 1)
    columns = ["value", "unit", "source"]

    def edit_for(key: str, _column: str, value: Any) -> SetSetting:
        return SetSetting(key, value)

    return Sheet(
        cells=cell_table(rows, len(columns)),
        row_keys=list(SETTING_ORDER),
        column_keys=columns,
        units=cell_table(units, len(columns)),
        row_labels=[SETTINGS[key].label for key in SETTING_ORDER],
        column_labels=["Value", "Unit", "Source"],
        editable=np.array(editable, dtype=bool),
        marks=cell_table(marks, len(columns)),
        tooltips=cell_table(tooltips, len(columns)),
        edit_for=edit_for,
        choices=choices,
        limits=limits,
    )


def calibration_sentences(model: Model, results: Results, money: MoneyDisplay) -> list[tuple[str, str]]:
    """One (sentence, effect) per calibration target: "AI revenue yield 0.49 is solved so that
    FY2026 total revenue = RMB 158.1 bn", and what else moves the solved setting."""
    sentences = []
    for target in model.get("calibration") or []:
        key = target["solve"].partition(".")[2]
        spec, line = SETTINGS[key], LINES[target["line"]]
        solved = results.calibrated.get(target["solve"])
        shown = format_cell(solved, spec.unit, money)
        if spec.unit == "money":
            shown = f"{money.currency} {shown} {money.unit}"
        wanted = format_cell(target["value"], line.unit, money)
        if line.unit == "money":
            wanted = f"{money.currency} {wanted} {money.unit}"
        name, year = SOLVED_NAMES.get(key, spec.label), target["year"]
        first, _, rest = line.label.partition(" ")
        line_name = f"{first if first.isupper() else first.lower()} {rest}".strip()  # "EBITA margin", "total revenue"
        sentence = f"{name} {shown} is solved so that FY{year} {line_name} = {wanted}"
        sentences.append((sentence, CALIBRATION_EFFECTS[key].format(year=target["year"])))
    return sentences


def infrastructure_sentence(model: Model, scenario: str, results: Results) -> str:
    """How buildings and power are charged to the plan, with the rent rate under "rent"
    (infrastructure_rent / capex_in_service of the results: the same every year in service)."""
    resolved = apply_scenario(model, scenario)
    if resolved["settings"]["infrastructure_charge"] != "rent":
        return (
            "Buildings and power are owned by the plan (cohort): their capex, depreciation and book value "
            "are in its returns, even after its servers retire."
        )
    rent, in_service = results.line("infrastructure_rent"), results.line("capex_in_service")
    earning = in_service > 0
    if not earning.any():
        return "Buildings and power are rented, but no plan capex is in service to pay the rent."
    rate = float(rent[earning][0] / in_service[earning][0])
    return (
        f"Buildings and power are rented: {rate * 100:.1f}% of the plan's capex in service a year, "
        "the charge that earns them exactly the WACC over their book lives; their capex leaves the plan's returns."
    )


def valuation_sentence(model: Model, scenario: str) -> str:
    """When the NPV is valued and which flows are sunk."""
    resolved = apply_scenario(model, scenario)
    year, base_year = int(resolved["settings"]["valuation_year"]), model["base_year"]
    if year == base_year:
        return f"The KPIs value the plan as announced, at the end of FY{year}."
    return (
        f"The KPIs value the flows after FY{year} at the end of FY{year}; "
        f"FY{base_year + 1}–FY{year} are sunk (shown, not counted)."
    )


def projections_sheet(model: Model, results: Results, money: MoneyDisplay) -> Sheet:
    """Every output line across the projection years (read-only), with reported actuals in tooltips."""
    values = results.lines_array.astype(object)
    units, marks, tooltips = grid(values.shape, ""), grid(values.shape, ""), grid(values.shape, "")
    row_tooltips = []
    for row, (key, spec) in enumerate(LINES.items()):
        label, unit = spec.label, spec.unit
        units[row, :] = unit
        if key in EMPHASISED_LINES:
            marks[row, :] = TOTAL
        row_tooltips.append(f"{label} ({spec.section}): computed by the model (line '{key}' of the JSON output).")
        for column, year in enumerate(results.years):
            actual = model["actuals"].get(str(year), {}).get(key)
            if actual is not None:
                source = source_of(model, f"actuals.{year}.{key}")
                tooltips[row, column] = (
                    f"Model: {format_cell(values[row, column], unit, money)}; "
                    f"reported FY{year}: {format_cell(actual, unit, money)}\n{source_note(source)}"
                )
                marks[row, column] = SOURCED
    return Sheet(
        cells=values,
        row_keys=list(LINE_KEYS),
        column_keys=results.years,
        units=units,
        row_labels=[f"{spec.label} ({unit_name(spec.unit, money)})" for spec in LINES.values()],
        column_labels=year_labels(results.years),
        marks=marks,
        tooltips=tooltips,
        row_tooltips=row_tooltips,
    )
