"""Report blocks for ward maps and ward profiles: rates by ward, one ward's trend and position.

The ward notebooks read the MPS ward-level files for one borough, put them beside Census 2021
ward populations, and show each ward against the others. Everything here works on the tidy
tables of :mod:`scpb_analysis.sources`; maps and hot spots come from
:mod:`scpb_analysis.charts.maps`
and :mod:`scpb_analysis.stats.hotspots`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

# Indicators mapped by ward: defined once, beside the dashboard's list and why they differ.
from scpb_analysis.reference.indicators import WARD_INDICATORS

__all__ = [
    "RATE_COLUMNS",
    "RATE_LABELS",
    "WARD_INDICATORS",
    "position_sentences",
    "ward_code_for",
    "ward_lsoa_deprivation",
    "ward_position",
    "ward_rate_tables",
    "ward_rates",
    "ward_to_profile",
    "ward_trend",
    "ward_trend_chart",
]


#: What a reader sees of a ward rate table (the CSV keeps every column), and the headings.
RATE_COLUMNS = ("ward_name", "count", "population", "value", "lower", "upper", "rank")
RATE_LABELS = {"ward_name": "Ward", "value": "Rate per 1,000", "lower": "95% CI lower",
               "upper": "95% CI upper", "rank": "Rank among the wards (1 = highest rate)"}




def ward_rate_tables(ward_crime: pd.DataFrame, population: pd.DataFrame,
                     indicators: Sequence[str], end: str,
                     months: int = 12) -> dict[str, pd.DataFrame]:
    """Rates per 1,000 residents by ward, one table per indicator.

    Thin loop over :func:`ward_rates`, skipping indicators the ward data
    do not carry.

    Examples
    --------
    >>> months = pd.period_range("2022-06", "2023-05", freq="M")
    >>> crime = pd.DataFrame({"month": list(months) * 2, "area_type": "ward",
    ...     "area_code": ["W1"] * 12 + ["W2"] * 12, "indicator": "robbery_of_personal_property",
    ...     "measure": "offences", "count": [2] * 24})
    >>> pop = pd.DataFrame({"ward_code": ["W1", "W2"], "ward_name": ["A", "B"],
    ...     "population": [12000, 8000], "source": "Census 2021", "vintage": "2021"})
    >>> tables = ward_rate_tables(crime, pop, ["robbery_of_personal_property", "arson"], "2023-05")
    >>> list(tables), tables["robbery_of_personal_property"]["rank"].tolist()
    (['robbery_of_personal_property'], [1, 2])
    """
    present = set(ward_crime["indicator"].unique())
    return {ind: ward_rates(ward_crime, population, ind, end, months=months)
            for ind in indicators if ind in present}


def ward_position(rate_tables: Mapping[str, pd.DataFrame], ward_code: str) -> pd.DataFrame:
    """One ward against the borough: its rate with confidence limits, rank and the borough rate.

    Parameters
    ----------
    rate_tables : mapping
        Indicator -> table from :func:`ward_rate_tables`.
    ward_code : str

    Returns
    -------
    DataFrame
        ``indicator, window, count, population, value, lower, upper, rank, n_wards,
        borough_rate, compared_with_borough`` (whether the ward's 95% interval lies above,
        below or around the borough rate).

    Examples
    --------
    >>> t = pd.DataFrame({"ward_code": ["W1", "W2"], "ward_name": ["A", "B"],
    ...     "count": [30, 10], "population": [10000, 10000], "value": [3.0, 1.0],
    ...     "lower": [2.02, 0.48], "upper": [4.28, 1.84], "rank": [1, 2], "n_wards": 2,
    ...     "window": "June 2022 to May 2023"})
    >>> ward_position({"robbery": t}, "W1")[["value", "borough_rate", "compared_with_borough"]]
       value  borough_rate compared_with_borough
    0    3.0           2.0                higher
    """
    rows = []
    for indicator, table in rate_tables.items():
        by = table.set_index("ward_code")
        if ward_code not in by.index:
            raise KeyError(f"ward {ward_code} is not in the {indicator} ward table")
        row = by.loc[ward_code]
        borough_rate = table["count"].sum() / table["population"].sum() * 1000
        if row["lower"] > borough_rate:
            versus = "higher"
        elif row["upper"] < borough_rate:
            versus = "lower"
        else:
            versus = "similar"
        rows.append({"indicator": indicator, "window": row["window"],
                     "count": int(row["count"]), "population": int(row["population"]),
                     "value": row["value"], "lower": row["lower"], "upper": row["upper"],
                     "rank": int(row["rank"]), "n_wards": int(row["n_wards"]),
                     "borough_rate": round(float(borough_rate), 2),
                     "compared_with_borough": versus})
    return pd.DataFrame(rows)


def ward_trend(ward_crime: pd.DataFrame, ward_code: str, indicators: Sequence[str],
               end: str, months: int = 24) -> pd.DataFrame:
    """Monthly counts of the ward's indicators for the ``months`` months to ``end``.

    Only months the ward data hold on this ward's code are shown (earlier months may be on
    the previous ward boundaries); the table says which months it covers by its rows.

    Returns
    -------
    DataFrame
        ``month`` then one column per indicator present.

    Examples
    --------
    >>> crime = pd.DataFrame({"month": pd.period_range("2023-01", periods=3, freq="M"),
    ...     "area_type": "ward", "area_code": "W1", "indicator": "robbery",
    ...     "measure": "offences", "count": [1, 0, 2]})
    >>> ward_trend(crime, "W1", ["robbery"], "2023-03")["robbery"].tolist()
    [1, 0, 2]
    """
    from scpb_analysis.core.periods import to_month

    end_m = to_month(end)
    rows = ward_crime[(ward_crime["area_code"] == ward_code)
                      & (ward_crime["indicator"].isin(list(indicators)))
                      & (ward_crime["measure"] == "offences")
                      & (ward_crime["month"] <= end_m) & (ward_crime["month"] > end_m - months)]
    wide = rows.pivot_table(index="month", columns="indicator", values="count", aggfunc="sum",
                            fill_value=0)
    wide = wide[[i for i in indicators if i in wide.columns]].sort_index()
    wide.columns.name = None
    out = wide.reset_index()
    out["month"] = out["month"].astype(str)
    return out


def ward_lsoa_deprivation(lsoa_wards: pd.DataFrame, lsoas: pd.DataFrame,
                          ward_code: str) -> pd.DataFrame:
    """The ward's 2021 LSOAs with their IMD 2019 rank, decile and quintile.

    Parameters
    ----------
    lsoa_wards : DataFrame
        ``lsoa_code, ward_code``: the ward each LSOA falls in
        (:func:`scpb_analysis.geo.crosswalk.lsoa_to_ward`).
    lsoas : DataFrame
        The borough's 2021 LSOAs with IMD 2019 ranks carried from 2011 LSOAs and
        within-borough quintiles (:func:`scpb_analysis.sources.deprivation.imd_lsoa21` for the
        borough).
    ward_code : str

    Returns
    -------
    DataFrame
        ``lsoa_code, lsoa_name, imd_rank, imd_decile, imd_quintile, borough_quintile``
        sorted from most to least deprived (rank 1 is England's most deprived).

    Examples
    --------
    >>> placed = pd.DataFrame({"lsoa_code": ["L1", "L2", "L3"], "ward_code": ["W1", "W1", "W2"]})
    >>> imd = pd.DataFrame({"lsoa_code": ["L1", "L2", "L3"], "lsoa_name": ["a", "b", "c"],
    ...                     "imd_rank": [900, 300, 50], "imd_decile": [1, 1, 1],
    ...                     "imd_quintile": [1, 1, 1], "borough_quintile": [3, 2, 1]})
    >>> ward_lsoa_deprivation(placed, imd, "W1")["lsoa_code"].tolist()
    ['L2', 'L1']
    """
    mine_codes = lsoa_wards.loc[lsoa_wards["ward_code"] == ward_code, "lsoa_code"]
    mine = lsoas[lsoas["lsoa_code"].isin(set(mine_codes))]
    columns = ["lsoa_code", "lsoa_name", "imd_rank", "imd_decile", "imd_quintile",
               "borough_quintile"]
    return mine[columns].sort_values(["imd_rank", "lsoa_code"]).reset_index(drop=True)


def ward_code_for(ward: str, borough: str, wards: pd.DataFrame) -> str:
    """The code of a ward named as a user types it (case, "&", spacing forgiven).

    Parameters
    ----------
    ward : str
        Ward name, e.g. ``"burnt oak"``.
    borough : str
    wards : DataFrame
        ``ward_code, ward_name`` of the borough's wards (e.g. a ward population table).

    Raises
    ------
    scpb_analysis.reference.wards.UnknownWardError
        If no ward matches, with the closest names suggested.

    Examples
    --------
    >>> wards = pd.DataFrame({"ward_code": ["E05013628"], "ward_name": ["Burnt Oak"]})
    >>> ward_code_for("burnt oak", "Barnet", wards)
    'E05013628'
    """
    from scpb_analysis.reference.wards import canonical_ward_names

    reference = wards[["ward_code", "ward_name"]]
    name = canonical_ward_names([ward], borough, reference=reference)[0]
    return str(reference.loc[reference["ward_name"] == name, "ward_code"].iloc[0])


def ward_to_profile(rate_tables: Mapping[str, pd.DataFrame], ward: str = "", *,
                    borough: str) -> tuple[str, str]:
    """The ward a ward profile covers: the one asked for, or the one the rule picks.

    The rule, for a borough that has not named a ward: the ward whose rate per 1,000
    residents is significantly above the borough's (its 95% interval wholly above the borough
    rate) for the most of the ward indicators; a tie goes to the higher rate of those
    indicators together, then to the ward name in alphabetical order.

    Parameters
    ----------
    rate_tables : mapping
        Indicator -> table from :func:`ward_rate_tables` (every ward of the borough).
    ward : str
        A ward name as a user types it (:func:`ward_code_for`); empty for the rule.
    borough : str

    Returns
    -------
    (str, str)
        The ward code, and a sentence for the page saying how the ward was chosen.

    Raises
    ------
    scpb_analysis.reference.wards.UnknownWardError
        ``ward`` is not one of the borough's wards (the closest names are suggested).
    ValueError
        No rate table to choose from.

    Examples
    --------
    >>> t = pd.DataFrame({"ward_code": ["W1", "W2", "W3"], "ward_name": ["A", "B", "C"],
    ...     "count": [60, 10, 12], "population": [10000] * 3, "value": [6.0, 1.0, 1.2],
    ...     "lower": [4.6, 0.48, 0.62], "upper": [7.7, 1.84, 2.1],
    ...     "window": "June 2022 to May 2023"})
    >>> code, why = ward_to_profile({"robbery": t}, borough="Barnet")
    >>> code
    'W1'
    >>> ward_to_profile({"robbery": t}, "b", borough="Barnet")[0]
    'W2'
    """
    if not rate_tables:
        raise ValueError("no ward rate table to choose a ward from")
    first = next(iter(rate_tables.values()))
    if ward:
        return (ward_code_for(ward, borough, first),
                f"The ward was chosen for this profile: {ward}.")
    wards = first[["ward_code", "ward_name"]].copy()
    above = pd.Series(0, index=wards["ward_code"])
    counts = pd.Series(0, index=wards["ward_code"])
    for table in rate_tables.values():
        by = table.set_index("ward_code")
        borough_rate = by["count"].sum() / by["population"].sum() * 1000
        above = above.add((by["lower"] > borough_rate).astype(int), fill_value=0)
        counts = counts.add(by["count"], fill_value=0)
    population = first.set_index("ward_code")["population"]
    wards["above"] = wards["ward_code"].map(above).astype(int)
    wards["rate"] = wards["ward_code"].map(counts / population * 1000)
    best = wards.sort_values(["above", "rate", "ward_name"],
                             ascending=[False, False, True]).iloc[0]
    names = ", ".join(i.replace("_", " ") for i in rate_tables)
    window = str(first["window"].iloc[0])
    return (str(best["ward_code"]),
            f"No ward was named, so the pack's rule chose {best['ward_name']}: of the ward "
            f"indicators ({names}), it has the most whose rate per 1,000 residents is "
            f"significantly above {borough}'s ({int(best['above'])} of {len(rate_tables)}, "
            f"{window}; a tie goes to the higher rate of them together). Another ward can be "
            "profiled by naming it (scpb build --ward).")


def ward_trend_chart(trend: pd.DataFrame, title: str, *, area: str = "",
                     breaks: Sequence[tuple[str | pd.Period, str]] = ()):
    """Line chart of a ward's monthly counts, one line per indicator.

    Drawn as the dashboard's :func:`~scpb_analysis.blocks.dashboard.trend_chart` is: the width
    of a page with 10 pt text, the x axis labelled "Month" with the last month of the data
    always a tick, months missing from ``trend`` a gap in the line, series breaks as dashed
    lines.

    Parameters
    ----------
    trend : DataFrame
        Output of :func:`ward_trend`.
    title : str
        What the chart shows; ``area`` is put before it unless it already starts with it.
    area : str
        The borough, e.g. ``"Barnet"`` (the ward's name belongs in ``title``).
    breaks : sequence of (month, label)
        Series breaks, e.g. ``[("2024-02", "CONNECT, Feb 2024")]``; those after the first
        month up to the last are drawn.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> t = pd.DataFrame({"month": ["2023-01", "2023-02", "2023-03"], "robbery": [1, 3, 2]})
    >>> ax = ward_trend_chart(t, "Hendon: monthly offences", area="Barnet").axes[0]
    >>> ax.get_title(loc="left"), ax.get_xticklabels()[-1].get_text()
    ('Barnet: Hendon: monthly offences', 'Mar 2023')
    """
    import matplotlib.pyplot as plt
    import numpy as np

    from scpb_analysis.charts.trends import TREND_SIZE, finish_monthly_chart, month_range
    from scpb_analysis.core.periods import to_month
    from scpb_analysis.reference.indicators import indicator_info

    months = month_range(trend["month"])
    held = pd.PeriodIndex([to_month(m) for m in trend["month"]], freq="M")
    data = trend.drop(columns="month").set_index(held).sort_index().reindex(months)
    positions = np.arange(len(data))
    fig, ax = plt.subplots(figsize=TREND_SIZE, dpi=100)
    for column in data.columns:
        try:
            label = indicator_info(column)["title"]
        except KeyError:
            label = column.replace("_", " ").capitalize()
        ax.plot(positions, data[column], marker="o", markersize=4, label=label)
    finish_monthly_chart(ax, months, title=title, ylabel="Offences per month", area=area,
                         breaks=breaks)
    plt.close(fig)
    return fig


def position_sentences(position: pd.DataFrame) -> str:
    """One plain sentence per indicator from :func:`ward_position`, for the page and nbval.

    Examples
    --------
    >>> pos = pd.DataFrame({"indicator": ["robbery_of_personal_property"], "count": [41],
    ...     "value": [2.6419], "lower": [1.896], "upper": [3.584], "rank": [6], "n_wards": [24],
    ...     "borough_rate": [1.81], "compared_with_borough": ["higher"],
    ...     "window": ["June 2022 to May 2023"]})
    >>> print(position_sentences(pos))
    Robbery of Personal Property, June 2022 to May 2023: 41 offences, 2.64 per 1,000
    residents (95% CI 1.90 to 3.58), rank 6 of 24 wards (1 = highest); borough 1.81: higher.
    """
    from scpb_analysis.reference.indicators import indicator_info

    lines = []
    for row in position.itertuples(index=False):
        try:
            title = indicator_info(row.indicator)["title"]
        except KeyError:
            title = row.indicator
        lines.append(f"{title}, {row.window}: {row.count:,} offences, {row.value:.2f} per 1,000 "
                     f"residents (95% CI {row.lower:.2f} to {row.upper:.2f}), rank {row.rank} "
                     f"of {row.n_wards} wards (1 = highest); borough {row.borough_rate:.2f}: "
                     f"{row.compared_with_borough}.")
    return "\n".join(lines)


def ward_rates(
    table: pd.DataFrame,
    population: pd.DataFrame,
    indicator: str,
    end: str,
    *,
    months: int = 12,
    multiplier: int = 1000,
    confidence: float = 0.95,
    measure: str = "offences",
) -> pd.DataFrame:
    """Rate per 1,000 residents by ward over the months to ``end``, with confidence limits.

    Parameters
    ----------
    table : DataFrame
        Tidy count table with ward rows (``area_type == "ward"``) on the same ward scheme as
        ``population`` (re-base 2014-ward months first with
        :func:`scpb_analysis.geo.crosswalk.rebase_ward_series`).
    population : DataFrame
        ``ward_code, ward_name, population, source, vintage`` from
        :func:`scpb_analysis.geo.ward_profiles.ward_population`.
    indicator : str
        Canonical indicator id.
    end : str
        Last month, ``YYYY-MM``.
    months : int
        Window length (12: a year's rate; 3: a quarter's, not annualised).

    Returns
    -------
    DataFrame
        One row per ward of ``population``: ``ward_code, ward_name, count, population, value,
        lower, upper, confidence, method, multiplier, rank, n_wards, window, indicator,
        population_source``. A ward with no rows in ``table`` gets a count of 0 only if the
        table holds other wards for every month of the window; ``rank`` 1 is the highest rate.

    Raises
    ------
    CoverageError
        If the table does not hold every month of the window.
    IncompleteIndicatorError
        If a category the taxonomy does not map may hold some of the indicator's offences in
        the window (every ward would otherwise show a rate too low, or 0).

    Examples
    --------
    >>> import pandas as pd
    >>> months = pd.period_range("2022-06", "2023-05", freq="M")
    >>> crime = pd.DataFrame({"month": list(months) * 2, "area_type": "ward",
    ...     "area_code": ["W1"] * 12 + ["W2"] * 12, "indicator": "robbery_of_personal_property",
    ...     "measure": "offences", "count": [1] * 12 + [0] * 12})
    >>> pop = pd.DataFrame({"ward_code": ["W1", "W2"], "ward_name": ["A", "B"],
    ...     "population": [12000, 8000], "source": "Census 2021", "vintage": "2021"})
    >>> ward_rates(crime, pop, "robbery_of_personal_property", "2023-05")[
    ...     ["ward_code", "count", "value", "rank"]]
      ward_code  count  value  rank
    0        W1     12    1.0     1
    1        W2      0    0.0     2
    """
    from scpb_analysis.core.periods import Window, check_coverage, to_month
    from scpb_analysis.reference.taxonomy import indicator_name
    from scpb_analysis.reference.taxonomy.gaps import incomplete_error, mapping_gaps
    from scpb_analysis.stats.rates import crude_rate

    end_m = to_month(end)
    window = Window(end_m - (months - 1), end_m)
    gaps = mapping_gaps(table, [indicator], start=window.start, end=window.end,
                        area_types=("ward",), measure=measure)
    if len(gaps):
        raise incomplete_error(gaps, consequence="no ward rates are given for it")
    rows = table[(table["area_type"] == "ward") & (table["indicator"] == indicator)
                 & (table["measure"] == measure)]
    check_coverage(rows["month"].unique(), [window],
                   what=f"the ward counts of {indicator_name(indicator).lower()}")
    inside = rows[(rows["month"] >= window.start) & (rows["month"] <= window.end)]
    counts = inside.groupby("area_code")["count"].sum()
    out = population[["ward_code", "ward_name", "population"]].copy()
    out["count"] = out["ward_code"].map(counts).fillna(0).astype("int64")
    rates = crude_rate(out["count"].to_numpy(), out["population"].to_numpy(),
                       multiplier=multiplier, confidence=confidence)
    for col in ("value", "lower", "upper", "confidence", "method", "multiplier"):
        out[col] = rates[col].to_numpy()
    out["rank"] = out["value"].rank(method="min", ascending=False).astype("int64")
    out["n_wards"] = len(out)
    out["window"] = window.label
    out["indicator"] = indicator
    source = population["source"].iloc[0] if "source" in population else "population supplied"
    out["population_source"] = str(source)
    columns = ["ward_code", "ward_name", "count", "population", "value", "lower", "upper",
               "confidence", "method", "multiplier", "rank", "n_wards", "window", "indicator",
               "population_source"]
    return out[columns].sort_values(["rank", "ward_name"]).reset_index(drop=True)
