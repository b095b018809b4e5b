"""Crime severity: harm-weighted counts and rates in the style of the ONS Crime Severity Score.

The ONS Crime Severity Score (CSS) weights each offence by the sentences its convictions
receive, in days of custody equivalent, adds weight x count over the offences an area records
and divides by its population: the score is harm per head, beside the count per 1,000.

The weights live in a table the user can replace (:func:`read_severity_weights`); the packaged
one, ``reference/crime_severity.csv`` (documented in ``reference/crime_severity.md``), holds the
ONS weights per Home Office offence code and, for the project's offence groups (MPS indicators
and police.uk crime types), a group weight with the rule that made it and the range of its
offences' weights. A group the source cannot weight has an empty weight and the reason, and
:func:`harm_weighted` refuses it rather than guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scpb_analysis.core.errors import InputDataError

__all__ = ["SeverityWeights", "harm_weighted", "read_severity_weights"]

PACKAGED_FILE = "crime_severity.csv"
REQUIRED_COLUMNS = ("indicator", "weight", "unit", "source", "source_url", "weights_date", "basis")
_TEXT_REQUIRED = ("source", "weights_date", "unit")
_RULES = {"source", "single", "shared", "principal", "none"}


@dataclass(frozen=True)
class SeverityWeights:
    """A table of severity weights and where it came from.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per indicator: ``indicator, weight, weight_min, weight_max, unit, rule, basis,
        source, source_url, weights_date`` (plus any further columns of the file). ``weight``
        is NaN for a group the source cannot weight; ``basis`` then says why.
    source : str
        The source(s) of the weights, for a method note.
    date : str
        The edition or date of the weights.
    path : str
        The file the table was read from.
    """

    table: pd.DataFrame
    source: str
    date: str
    path: str


def _fail(path: str, problem: str, row: int | None = None, column: str | None = None,
          expected: str | None = None) -> None:
    raise InputDataError(path, problem, row=row, column=column, expected=expected)


def _joined(values: pd.Series) -> str:
    return "; ".join(dict.fromkeys(str(v) for v in values if str(v).strip()))


def _codes(text: str) -> list[str]:
    return [c.strip() for c in str(text).split(";") if c.strip()]


def read_severity_weights(path: str | Path | None = None) -> SeverityWeights:
    """Read a table of crime severity weights (the packaged ONS CSS table by default).

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A CSV file with at least the columns ``indicator, weight, unit, source, source_url,
        weights_date, basis``. Optional columns ``weight_min`` and ``weight_max`` give the
        range of the weights of the offences a group covers (default: the weight itself), and
        ``rule`` (``source``, ``single``, ``shared``, ``principal`` or ``none``) says how the
        group weight was made. Where a row lists ``offence_codes`` whose ``ho_<code>`` rows
        are in the same file, the range (and a ``principal`` weight, from
        ``principal_codes``) must agree with them. Default: the packaged
        ``reference/crime_severity.csv``.

    Returns
    -------
    SeverityWeights

    Raises
    ------
    InputDataError
        Naming the file, row (the header is row 1) and column, for a missing column, a
        non-numeric, negative or out-of-range weight, a duplicated indicator, a missing unit,
        source or date, or a group weight that disagrees with its offences' weights.

    Examples
    --------
    >>> weights = read_severity_weights()
    >>> row = weights.table.set_index("indicator").loc["residential_burglary"]
    >>> print(round(float(row.weight), 2), row.unit)
    465.38 days of custody equivalent per offence
    >>> print(weights.table.set_index("indicator").loc["possession_of_drugs", "weight"])
    nan
    """
    if path is None:
        from importlib import resources

        resource = resources.files("scpb_analysis.reference").joinpath(PACKAGED_FILE)
        label = f"scpb_analysis/reference/{PACKAGED_FILE}"
        with resource.open("r", encoding="utf-8") as handle:
            raw = pd.read_csv(handle, dtype=str, keep_default_na=False)
    else:
        label = str(path)
        if not Path(path).is_file():
            _fail(label, "file not found", expected="a CSV file of severity weights")
        try:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
            _fail(label, f"not a readable CSV file ({err})")
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        _fail(label, f"missing column(s) {', '.join(repr(c) for c in missing)}",
              expected=f"columns {', '.join(REQUIRED_COLUMNS)}")
    if raw.empty:
        _fail(label, "no rows", expected="one row per indicator")
    table = raw.apply(lambda col: col.str.strip())

    for i, name in enumerate(table["indicator"]):
        if not name:
            _fail(label, "empty indicator", row=i + 2, column="indicator")
    dup = table["indicator"].duplicated(keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        first = int(np.flatnonzero(table["indicator"] == table["indicator"].iloc[i])[0])
        _fail(label, f"indicator {table['indicator'].iloc[i]!r} appears twice (rows {first + 2} "
              f"and {i + 2})", row=i + 2, column="indicator", expected="one row per indicator")

    numbers = {}
    for column in ("weight", "weight_min", "weight_max"):
        if column not in table.columns:
            continue
        values = np.full(len(table), np.nan)
        for i, text in enumerate(table[column]):
            if text == "":
                continue
            try:
                values[i] = float(text)
            except ValueError:
                _fail(label, f"{text!r} is not a number", row=i + 2, column=column,
                      expected="a weight of 0 or more, or empty for a group with no weight")
            if not np.isfinite(values[i]) or values[i] < 0:
                _fail(label, f"{text!r} is not a weight", row=i + 2, column=column,
                      expected="a finite number of 0 or more")
        numbers[column] = values
    weight = numbers["weight"]
    low = numbers.get("weight_min", weight)
    high = numbers.get("weight_max", weight)
    low = np.where(np.isnan(low), weight, low)
    high = np.where(np.isnan(high), weight, high)
    for i in range(len(table)):
        row = i + 2
        for column in _TEXT_REQUIRED:
            if not table[column].iloc[i]:
                _fail(label, f"no {column} for {table['indicator'].iloc[i]!r}", row=row,
                      column=column, expected="every weight to state its unit, source and date")
        if np.isnan(weight[i]) and not table["basis"].iloc[i]:
            _fail(label, f"{table['indicator'].iloc[i]!r} has no weight and no reason",
                  row=row, column="basis", expected="the reason a group cannot be weighted")
        if not np.isnan(weight[i]) and not (low[i] <= weight[i] <= high[i]):
            _fail(label, f"weight {weight[i]:g} lies outside its range {low[i]:g} to "
                  f"{high[i]:g}", row=row, column="weight",
                  expected="weight_min <= weight <= weight_max")
    rule = table["rule"] if "rule" in table.columns else pd.Series("", index=table.index)
    for i, text in enumerate(rule):
        if text and text not in _RULES:
            _fail(label, f"unknown rule {text!r}", row=i + 2, column="rule",
                  expected=f"one of {', '.join(sorted(_RULES))}")
        if text == "none" and not np.isnan(weight[i]):
            _fail(label, "rule 'none' with a weight", row=i + 2, column="weight",
                  expected="an empty weight for a group the source cannot weight")

    table = table.assign(weight=weight, weight_min=low, weight_max=high, rule=rule)
    _check_against_offences(table, label)
    return SeverityWeights(table=table.reset_index(drop=True), source=_joined(table["source"]),
                           date=_joined(table["weights_date"]), path=label)


def _check_against_offences(table: pd.DataFrame, label: str) -> None:
    """A group's range (and principal weight) must follow from its offences' rows in the file."""
    if "offence_codes" not in table.columns:
        return
    by_id = dict(zip(table["indicator"], table["weight"], strict=True))
    principal = (table["principal_codes"] if "principal_codes" in table.columns
                 else pd.Series("", index=table.index))
    for i, (rule, text) in enumerate(zip(table["rule"], table["offence_codes"], strict=True)):
        if rule == "source":
            continue
        codes = _codes(text)
        ids = [f"ho_{c.split('/')[0]}" for c in codes]
        if not codes or not all(x in by_id for x in ids):
            continue
        ws = [by_id[x] for x in ids]
        row, name = i + 2, table["indicator"].iloc[i]
        if not np.isclose(min(ws), table["weight_min"].iloc[i]) or not np.isclose(
                max(ws), table["weight_max"].iloc[i]):
            _fail(label, f"{name!r}: range {table['weight_min'].iloc[i]:g} to "
                  f"{table['weight_max'].iloc[i]:g} does not match its offences' weights "
                  f"({min(ws):g} to {max(ws):g})", row=row, column="weight_min")
        expected = None
        if rule in ("single", "shared") and len(set(ws)) == 1:
            expected = ws[0]
        elif rule == "principal":
            chosen = {by_id.get(f"ho_{c.split('/')[0]}") for c in _codes(principal.iloc[i])}
            if len(chosen) != 1 or None in chosen:
                _fail(label, f"{name!r}: principal_codes must name offences of one weight in "
                      "this file", row=row, column="principal_codes")
            expected = chosen.pop()
        elif rule in ("single", "shared"):
            _fail(label, f"{name!r}: rule {rule!r} but its offences' weights differ",
                  row=row, column="rule")
        if expected is not None and not np.isclose(expected, table["weight"].iloc[i]):
            _fail(label, f"{name!r}: weight {table['weight'].iloc[i]:g} does not match its "
                  f"offences' weight {expected:g}", row=row, column="weight")


def _check_by(frame: pd.DataFrame, by: list[str], what: str) -> None:
    missing = [c for c in by if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} has no column(s) {', '.join(repr(c) for c in missing)} "
                         f"(named in by); its columns are {', '.join(map(str, frame.columns))}")
    for column in by:
        bad = frame[column].isna()
        if bad.any():
            raise ValueError(f"{what} column {column!r} is missing a value at row "
                             f"{frame.index[bad.to_numpy()][0]!r}")


def _counts_column(values: pd.Series, what: str, column: str) -> np.ndarray:
    numeric = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(numeric) & (numeric >= 0) & (np.floor(numeric) == numeric)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise ValueError(f"{what} column {column!r} must hold whole numbers of 0 or more; got "
                         f"{values.iloc[i]!r} at row {values.index[i]!r}")
    return numeric


def harm_weighted(counts: pd.DataFrame, weights: SeverityWeights, *,
                  by: Sequence[str] = (), population: pd.DataFrame | None = None,
                  per: int = 1000, harm_per: int = 1,
                  unweighted: str = "refuse") -> pd.DataFrame:
    """Harm-weighted counts (and rates) beside the counts, per group and indicator.

    Each indicator's offences are multiplied by its weight; the group's harm is the sum, as
    the ONS Crime Severity Score adds weight x count over offences. ``harm_min`` and
    ``harm_max`` repeat the sum with each group's lightest and heaviest offence weight, so a
    group weight taken from its principal offence shows how far the mix of offences inside
    it could move the figure.

    Parameters
    ----------
    counts : pandas.DataFrame
        Tidy rows with ``indicator`` and ``count`` (whole numbers of 0 or more) plus the
        ``by`` columns; several rows of one indicator in a group (e.g. months) are added.
        A ``measure`` column, if present, must say ``offences``.
    weights : SeverityWeights
        From :func:`read_severity_weights`.
    by : sequence of str, default ()
        Columns that define a group, e.g. ``("area_code",)``.
    population : pandas.DataFrame, optional
        The ``by`` columns and ``population`` (one row per group; no ``by`` columns and one
        row when ``by`` is empty). Adds ``population``, ``rate`` (offences per ``per``) and
        ``harm_rate`` (harm per ``harm_per``).
    per : int, default 1000
        Population base of ``rate``.
    harm_per : int, default 1
        Population base of ``harm_rate``: 1 gives harm per head, the scale of the ONS CSS.
    unweighted : {"refuse", "report"}, default "refuse"
        An indicator with offences but no weight raises an error naming it and the weights
        file; with ``"report"`` its rows are kept with an empty harm and ``status`` saying
        why, left out of the total, whose ``count_set_aside`` and ``method`` say what was left
        out. An indicator the weights table does not list at all is always refused.

    Returns
    -------
    pandas.DataFrame
        Per group, one row per indicator and a row with ``indicator == "total"``: the ``by``
        columns, ``indicator, count, weight, weight_min, weight_max, harm, harm_min,
        harm_max, harm_share`` (share of the group's total harm), ``count_set_aside`` (total
        rows), then with ``population`` the columns ``population, rate, harm_rate``; and
        ``status``, ``unit``, ``weights_date``, ``method``. The total's ``count`` holds the
        weighted indicators' offences only.

    Raises
    ------
    ValueError
        Missing columns, bad counts or populations, an unknown ``unweighted`` option, an
        indicator not in the table, or (by default) an indicator with no weight.

    Examples
    --------
    >>> w = read_severity_weights()
    >>> counts = pd.DataFrame({"indicator": ["shoplifting", "residential_burglary"],
    ...                        "count": [10, 2]})
    >>> out = harm_weighted(counts, w)
    >>> print(out[["indicator", "count", "harm"]].round(1).to_string(index=False))
               indicator  count   harm
    residential_burglary      2  930.8
             shoplifting     10  118.6
                   total     12 1049.3
    """
    if unweighted not in ("refuse", "report"):
        raise ValueError(f"unweighted must be 'refuse' or 'report'; got {unweighted!r}")
    for name, value in (("per", per), ("harm_per", harm_per)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
            raise ValueError(f"{name} must be a whole number greater than 0; got {value!r}")
    if isinstance(by, str):
        by = [by]
    by = list(by)
    if not isinstance(counts, pd.DataFrame):
        raise TypeError(f"counts must be a pandas DataFrame; got {type(counts).__name__}")
    for column in ("indicator", "count"):
        if column not in counts.columns:
            raise ValueError(f"counts has no {column!r} column; its columns are "
                             f"{', '.join(map(str, counts.columns))}")
    _check_by(counts, by, "counts")
    if "measure" in counts.columns:
        other = counts["measure"].astype(str) != "offences"
        if other.any():
            i = int(np.flatnonzero(other.to_numpy())[0])
            raise ValueError(
                f"counts row {counts.index[i]!r} ({counts['indicator'].iloc[i]!r}) counts "
                f"{counts['measure'].iloc[i]!r}; severity weights apply to offences only")
    bad = counts["indicator"].isna()
    if bad.any():
        raise ValueError(f"counts column 'indicator' is missing a value at row "
                         f"{counts.index[bad.to_numpy()][0]!r}")
    n = _counts_column(counts["count"], "counts", "count")

    table = weights.table.set_index("indicator")
    unknown = sorted(set(counts["indicator"].astype(str)) - set(table.index))
    if unknown:
        raise ValueError(f"no severity weight for indicator(s) {', '.join(unknown)}: "
                         f"{weights.path} does not list them; add a row (with its source) "
                         "or map the counts to an indicator it lists")

    data = counts[by + ["indicator"]].copy()
    data["indicator"] = data["indicator"].astype(str)
    data["count"] = n
    keys = by + ["indicator"]
    rows = data.groupby(keys, sort=True, dropna=False)["count"].sum().reset_index()
    rows["count"] = rows["count"].astype(np.int64)
    looked = table.reindex(rows["indicator"])
    for column in ("weight", "weight_min", "weight_max"):
        rows[column] = looked[column].to_numpy(dtype=float)
    rows["unit"] = looked["unit"].to_numpy()
    rows["weights_date"] = looked["weights_date"].to_numpy()
    no_weight = rows["weight"].isna()
    # An unweighted group with no offences leaves nothing out, so it is not refused.
    empty_unweighted = no_weight & (rows["count"] == 0)
    rows = rows[~empty_unweighted].reset_index(drop=True)
    no_weight = rows["weight"].isna()
    if no_weight.any() and unweighted == "refuse":
        names = sorted(set(rows.loc[no_weight, "indicator"]))
        reasons = "; ".join(f"{x}: {table.loc[x, 'basis']}" for x in names)
        raise ValueError(
            f"no severity weight for {', '.join(names)} in {weights.path} ({reasons}); "
            "pass unweighted='report' to leave them out of the harm total with a report")

    rows["harm"] = rows["weight"] * rows["count"]
    rows["harm_min"] = rows["weight_min"] * rows["count"]
    rows["harm_max"] = rows["weight_max"] * rows["count"]
    rows["status"] = np.where(
        no_weight,
        "set aside: " + rows["indicator"].map(lambda x: f"no weight ({table.loc[x, 'basis']})"),
        "weighted")
    rows["method"] = [_row_method(table.loc[x], weights) if s == "weighted" else
                      f"Not weighted: {weights.path} gives {x} no weight"
                      for x, s in zip(rows["indicator"], rows["status"], strict=True)]

    weighted = rows[~no_weight]
    grouped = weighted.groupby(by, sort=True, dropna=False) if by else None
    totals = (grouped[["count", "harm", "harm_min", "harm_max"]].sum().reset_index() if by
              else pd.DataFrame({c: [weighted[c].sum()] for c in
                                 ("count", "harm", "harm_min", "harm_max")}))
    aside = rows[no_weight]
    if by:
        set_aside = aside.groupby(by, sort=True, dropna=False)["count"].sum()
        names = aside.groupby(by, sort=True, dropna=False)["indicator"].agg(", ".join)
        all_groups = rows[by].drop_duplicates().sort_values(by).reset_index(drop=True)
        totals = all_groups.merge(totals, on=by, how="left")
        totals[["count", "harm", "harm_min", "harm_max"]] = totals[
            ["count", "harm", "harm_min", "harm_max"]].fillna(0)
        key = pd.MultiIndex.from_frame(totals[by]) if len(by) > 1 else totals[by[0]]
        totals["count_set_aside"] = set_aside.reindex(key).fillna(0).to_numpy()
        aside_names = names.reindex(key).fillna("").to_numpy()
    else:
        totals["count_set_aside"] = [aside["count"].sum()]
        aside_names = np.array([", ".join(aside["indicator"])])
    totals["count"] = totals["count"].astype(np.int64)
    totals["count_set_aside"] = totals["count_set_aside"].astype(np.int64)
    totals["indicator"] = "total"
    totals["status"] = np.where(totals["count_set_aside"] > 0, "incomplete", "complete")
    totals["unit"] = _joined(weights.table["unit"])
    totals["weights_date"] = weights.date
    base = (f"Sum of ONS Crime Severity Score weight x offences over the weighted indicators "
            f"(weights: {weights.source}; {weights.date})")
    totals["method"] = [
        base if not names_left else
        f"{base}; {left} offences in {names_left} set aside: no weight in {weights.path}"
        for left, names_left in zip(totals["count_set_aside"], aside_names, strict=True)]

    out = pd.concat([rows, totals], ignore_index=True, sort=False)
    out["count_set_aside"] = out["count_set_aside"].astype("Int64")
    group_harm = (out.loc[out["indicator"] == "total"].set_index(by)["harm"] if by
                  else out.loc[out["indicator"] == "total", "harm"].iloc[0])
    if by:
        key = pd.MultiIndex.from_frame(out[by]) if len(by) > 1 else out[by[0]]
        denominator = group_harm.reindex(key).to_numpy(dtype=float)
    else:
        denominator = np.full(len(out), float(group_harm))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["harm_share"] = np.where(denominator > 0, out["harm"] / denominator, np.nan)

    columns = by + ["indicator", "count", "weight", "weight_min", "weight_max", "harm",
                    "harm_min", "harm_max", "harm_share", "count_set_aside"]
    if population is not None:
        out = _add_rates(out, population, by, per, harm_per)
        columns += ["population", "rate", "harm_rate"]
        out["method"] = out["method"] + (
            f"; rate = offences per {per:,} population, harm_rate = harm per {harm_per:,} "
            "population (the ONS Crime Severity Score is harm per head)")
    columns += ["status", "unit", "weights_date", "method"]
    order = {name: i for i, name in enumerate(sorted(set(out["indicator"]) - {"total"}))}
    order["total"] = len(order)
    out["_order"] = out["indicator"].map(order)
    out = out.sort_values(by + ["_order"], kind="stable").reset_index(drop=True)
    return out[columns]


def _row_method(row: pd.Series, weights: SeverityWeights) -> str:
    rule = row.get("rule", "")
    how = {
        "source": "the source's weight for this offence code",
        "single": "the group's one offence code",
        "shared": "its offences share one weight",
        "principal": f"weight of its principal offence {row.get('principal_codes', '')}".strip(),
    }.get(rule, "group weight")
    spread = ("" if row["weight_min"] == row["weight_max"] else
              f"; its offences' weights range {row['weight_min']:.4g} to {row['weight_max']:.4g}")
    return (f"ONS Crime Severity Score weight {row['weight']:.4g} {row['unit']} ({how}{spread}); "
            f"{weights.date}")


def _add_rates(out: pd.DataFrame, population: pd.DataFrame, by: list[str], per: int,
               harm_per: int) -> pd.DataFrame:
    if not isinstance(population, pd.DataFrame) or "population" not in population.columns:
        raise ValueError("population must be a DataFrame with a 'population' column"
                         + (f" and the by column(s) {', '.join(by)}" if by else ""))
    _check_by(population, by, "population")
    values = pd.to_numeric(population["population"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(values) & (values > 0)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise ValueError(f"population must be a number greater than 0; got "
                         f"{population['population'].iloc[i]!r} at row {population.index[i]!r}")
    pop = population[by].copy()
    pop["population"] = values
    if by:
        dup = pop.duplicated(by)
        if dup.any():
            i = int(np.flatnonzero(dup.to_numpy())[0])
            raise ValueError(f"population has two rows for {pop[by].iloc[i].to_dict()}")
        merged = out.merge(pop, on=by, how="left")
        lost = merged["population"].isna()
        if lost.any():
            i = int(np.flatnonzero(lost.to_numpy())[0])
            raise ValueError(f"population has no row for {merged[by].iloc[i].to_dict()}")
    else:
        if len(pop) != 1:
            raise ValueError(f"population must have one row when by is empty; got {len(pop)}")
        merged = out.assign(population=values[0])
    merged["rate"] = merged["count"] / merged["population"] * per
    merged["harm_rate"] = merged["harm"] / merged["population"] * harm_per
    return merged
