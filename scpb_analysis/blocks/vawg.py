"""Violence against women and girls (VAWG) for the needs assessment: the monthly series and
how long after the offence it was recorded.

The source is the MPS VAWG offences file
(:func:`~scpb_analysis.sources.mps_extracts.read_vawg_offences`): offences the MPS flags as
violence against women and girls, by borough, ward, month recorded and month committed. The
flag marks the victim (a woman or girl) across offence groups, so VAWG offences overlap the
other groups of the profile (sexual offences, domestic abuse, violence against the person,
stalking and harassment): they are a view across the groups, never added to them.

The month recorded is when the police recorded the offence, not when it happened: sexual
offences and domestic abuse are often reported months or years after they were committed, so
a month's recorded count counts reports made that month. :func:`vawg_reporting_delay` shows
how long the gap is, by the whole months between the month committed and the month recorded.

- :func:`vawg_crime_rows`: the borough monthly totals in the tidy recorded-crime layout the
  problem profile reads;
- :func:`vawg_reporting_delay`: the time from committing to recording, area beside London;
- :func:`vawg_findings`: the key finding the delay gives.

The blocks take the reader's table, never a path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scpb_analysis.blocks.violence_profile import COMPARATOR, LONDON, ProfileBlock
from scpb_analysis.core.periods import month_label, month_ranges, to_month
from scpb_analysis.core.words import counted
from scpb_analysis.reference.geography import canonical_borough, london_boroughs, select_area

__all__ = ["DELAY_BANDS", "MAX_UNPLACED_SHARE", "VAWG_INDICATOR", "delay_by_band",
           "vawg_crime_rows",
           "vawg_findings", "vawg_reporting_delay", "vawg_ward_rows"]

#: The indicator code of VAWG offences in the tidy recorded-crime layout.
VAWG_INDICATOR = "vawg_offences"
_PUBLICATION = "MPS VAWG offences"
_NOT_COMPARED = "not compared"

#: The bands of whole months from the month committed to the month recorded: label, first
#: and last month (None: and over).
DELAY_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("the same month", 0, 0),
    ("1 to 2 months later", 1, 2),
    ("3 to 11 months later", 3, 11),
    ("1 to 4 years later", 12, 59),
    ("5 years or more later", 60, None),
)
_YEAR_OR_MORE = "a year or more later"
_KNOWN = "all with a committed month"
_NOT_RECORDED = "committed month not recorded"
_AFTER = "committed month after the recorded month (set aside)"
_ALL = "all recorded"
_BAND_ORDER = [b for b, _, _ in DELAY_BANDS] + [_YEAR_OR_MORE, _KNOWN, _NOT_RECORDED, _AFTER,
                                                _ALL]
_DELAY_COLUMNS = ["area", "period", "band", "count", "share", "share_lower", "share_upper",
                  "confidence", "comparison", "status", "method"]
_CROW_COLUMNS = ["month", "area_type", "borough", "indicator", "measure", "count",
                 "publication", "source_file", "zero_filled"]
_FINGERTIPS = ("compared with London by the Fingertips rule: Similar if London's share lies "
               "inside the area's {level} confidence interval, otherwise Higher or Lower")


def _check_vawg(vawg: pd.DataFrame, needed: tuple[str, ...]) -> None:
    missing = [c for c in needed if c not in vawg.columns]
    if missing:
        raise ValueError(f"the VAWG table lacks column(s) {', '.join(missing)}; expected the "
                         "table of scpb_analysis.sources.mps_extracts.read_vawg_offences")
    if vawg.empty:
        raise ValueError("the VAWG table has no rows; expected the table of "
                         "scpb_analysis.sources.mps_extracts.read_vawg_offences")
    if "ward" in vawg.columns and "month_committed" in vawg.columns:
        key = vawg[["borough", "ward", "month", "month_committed"]].astype(str)
        twice = key.duplicated()
        if twice.any():
            first = key[twice].iloc[0]
            raise ValueError(f"the VAWG table holds {first['borough']}, ward {first['ward']}, "
                             f"recorded {first['month']}, committed {first['month_committed']} "
                             "twice; expected one row per key (the table read once)")


def _boroughs_only(vawg: pd.DataFrame) -> pd.DataFrame:
    rows = vawg[vawg["area_type"] == "borough"]
    names = set(london_boroughs()["borough"])
    odd = sorted(set(rows["borough"].astype(str)) - names)
    if odd:
        raise ValueError(f"the VAWG table has borough rows for {', '.join(odd)}, not one of the "
                         "32 London boroughs in canonical spelling")
    # A table cut to some boroughs would make a 'London' of those alone.
    absent = sorted(names - set(rows["borough"].astype(str)))
    if absent:
        raise ValueError(f"the VAWG table holds no rows for {len(absent)} of the 32 boroughs "
                         f"({', '.join(absent[:3])}{', ...' if len(absent) > 3 else ''}); "
                         "expected the whole file, as London is the sum of the 32 boroughs")
    return rows


def vawg_crime_rows(vawg: pd.DataFrame) -> pd.DataFrame:
    """VAWG offences by borough and month recorded, in the tidy recorded-crime layout.

    Summed over wards and months committed. Every one of the 32 boroughs has a row for every
    month the file covers (its first to last month recorded): a borough-month without a row
    is 0 with ``zero_filled`` True (the file leaves out areas with none recorded). Offences
    the MPS places outside the boroughs (``Other``, ``Unknown``) are not included, so London
    is the sum of the 32 boroughs, as for the other comparators of the profile.

    Parameters
    ----------
    vawg : DataFrame
        :func:`~scpb_analysis.sources.mps_extracts.read_vawg_offences`.

    Returns
    -------
    DataFrame
        ``month`` (Period[M]), ``area_type`` (``borough``), ``borough``, ``indicator``
        (:data:`VAWG_INDICATOR`), ``measure`` (``offences``), ``count`` (int64),
        ``publication`` (``MPS VAWG offences``), ``source_file``, ``zero_filled`` (bool).

    Raises
    ------
    ValueError
        If a column is missing, the table is empty, a borough row names no London borough,
        or one of the 32 boroughs has no row at all (a table cut to some boroughs).

    Examples
    --------
    >>> april = pd.DataFrame({"area_type": "borough", "borough": london_boroughs()["borough"],
    ...     "month": pd.Period("2023-04", "M"), "count": 3})
    >>> may = pd.DataFrame({"area_type": ["borough", "outside the boroughs"],
    ...     "borough": ["Barnet", "Other"], "month": pd.Period("2023-05", "M"),
    ...     "count": [4, 9]})
    >>> rows = vawg_crime_rows(pd.concat([april, may]))
    >>> print(select_area(rows, "Barnet")[["month", "count", "zero_filled"]]
    ...       .to_string(index=False))
      month  count  zero_filled
    2023-04      3        False
    2023-05      4        False
    >>> len(rows), int(rows["count"].sum()), int(rows["zero_filled"].sum())
    (64, 100, 31)
    """
    _check_vawg(vawg, ("area_type", "borough", "month", "count"))
    months = pd.period_range(vawg["month"].min(), vawg["month"].max(), freq="M")
    rows = _boroughs_only(vawg)
    sums = rows.groupby([rows["borough"].astype(str), "month"])["count"].sum()
    names = london_boroughs()["borough"].tolist()
    grid = pd.MultiIndex.from_product([names, months], names=["borough", "month"])
    counts = sums.reindex(grid)
    files = sorted(set(vawg["source_file"].astype(str))) if "source_file" in vawg else []
    out = counts.rename("count").reset_index().assign(
        area_type="borough", indicator=VAWG_INDICATOR, measure="offences",
        publication=_PUBLICATION, source_file="; ".join(files) or "the VAWG table given",
        zero_filled=counts.isna().to_numpy())
    out["count"] = out["count"].fillna(0).astype("int64")
    out["month"] = pd.PeriodIndex(out["month"], freq="M")
    return out[_CROW_COLUMNS].sort_values(["borough", "month"]).reset_index(drop=True)


#: The largest share of an area's VAWG offences with a ward that may sit on ward names the map
#: does not hold: beyond it the ward counts would understate the wards those offences belong
#: to (Tower Hamlets' file keeps the 2014 Bethnal Green East and West, a fifth of its
#: offences), so the ward view is refused rather than drawn.
MAX_UNPLACED_SHARE = 0.01


def _ward_key(name: object) -> str:
    """A ward name as compared across publications: case, '&' against 'and', apostrophes and
    full stops ("St. George's" is "St Georges") and other punctuation ignored."""
    text = str(name).lower().replace("&", " and ").replace("'", "").replace("’", "")
    text = text.replace(".", "")
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


def vawg_ward_rows(vawg: pd.DataFrame, area: str, wards: pd.DataFrame) -> pd.DataFrame:
    """The area's VAWG offences by ward and month recorded, on the map's wards.

    The VAWG file names wards (today's wards, for every year since 2014), not codes: each
    name is matched to ``wards`` ignoring case, '&' against 'and' and punctuation. Offences
    with no ward, or on a ward name the map does not hold (an older ward, such as Barnet's
    Colindale before its 2022 split), are set aside and reported in ``attrs["set_aside"]``,
    never guessed onto a ward.

    Parameters
    ----------
    vawg : DataFrame
        :func:`~scpb_analysis.sources.mps_extracts.read_vawg_offences`.
    area : str
        A London borough.
    wards : DataFrame
        The map's wards, ``ward_code`` and ``ward_name`` (a GeoDataFrame is fine).

    Returns
    -------
    DataFrame
        ``month, area_type ("ward"), area_code, area_name, borough, indicator, measure,
        count``: the tidy ward counts
        :func:`~scpb_analysis.blocks.sv_places.persistent_hotspots` reads, summed over months
        committed.

    Raises
    ------
    CoverageError
        If more than :data:`MAX_UNPLACED_SHARE` of the area's offences with a ward are on
        names the map does not hold (the file uses other wards than the map), naming them.
    ValueError
        If two of the map's wards have the same name once compared, or the file holds no
        VAWG offence for ``area``.

    Examples
    --------
    >>> vawg = pd.DataFrame({"area_type": "borough", "borough": "Barnet",
    ...     "ward": ["Totteridge & Woodside", "Colindale", None],
    ...     "month": pd.Period("2023-05", "M"), "count": [400, 2, 1]})
    >>> wards = pd.DataFrame({"ward_code": ["E05013647"],
    ...                       "ward_name": ["Totteridge and Woodside"]})
    >>> rows = vawg_ward_rows(vawg, "Barnet", wards)
    >>> rows[["area_code", "area_name", "count"]].to_dict("records")
    [{'area_code': 'E05013647', 'area_name': 'Totteridge and Woodside', 'count': 400}]
    >>> print(rows.attrs["set_aside"][0])  # doctest: +NORMALIZE_WHITESPACE
    2 VAWG offences in Barnet on ward names the map does not hold (Colindale: 2) and 1 with
    no ward are not in the ward counts.
    """
    _check_vawg(vawg, ("area_type", "borough", "ward", "month", "count"))
    name = canonical_borough(area)
    keys = wards["ward_name"].map(_ward_key)
    if keys.duplicated().any():
        raise ValueError(f"two of the map's wards share the name "
                         f"'{wards['ward_name'][keys.duplicated()].iloc[0]}' once case and "
                         "punctuation are ignored, so VAWG ward names cannot be placed")
    codes = dict(zip(keys, wards["ward_code"].astype(str), strict=True))
    names = dict(zip(keys, wards["ward_name"].astype(str), strict=True))
    # Only the area's rows are needed here (no London total), so a cut file is fine.
    own = vawg[vawg["area_type"] == "borough"]
    own = select_area(own.assign(borough=own["borough"].astype(str)), name, missing="empty")
    if own.empty:
        raise ValueError(f"the VAWG table holds no offences for {name}")
    key = own["ward"].map(lambda w: None if pd.isna(w) else _ward_key(w))
    placed = key.isin(codes)
    unplaced = own[~placed & key.notna()]
    no_ward = int(own.loc[key.isna(), "count"].sum())
    with_ward = int(own.loc[key.notna(), "count"].sum())
    if with_ward and unplaced["count"].sum() > MAX_UNPLACED_SHARE * with_ward:
        from scpb_analysis.core.errors import CoverageError

        by_name = unplaced.groupby(unplaced["ward"].astype(str))["count"].sum()
        raise CoverageError(
            f"{int(by_name.sum()):,} of {name}'s {with_ward:,} VAWG offences with a ward "
            f"({by_name.sum() / with_ward:.0%}) are on ward names the map does not hold ("
            + ", ".join(f"{w}: {int(n):,}" for w, n in by_name.items())
            + "): the file counts them on other wards than the map's, so ward rates would "
            "understate the wards they belong to")
    rows = (own[placed].assign(area_code=key[placed].map(codes),
                               area_name=key[placed].map(names))
            .groupby(["month", "area_code", "area_name"], as_index=False)["count"].sum())
    rows = rows.assign(area_type="ward", borough=name, indicator=VAWG_INDICATOR,
                       measure="offences")
    rows = rows[["month", "area_type", "area_code", "area_name", "borough", "indicator",
                 "measure", "count"]].sort_values(["month", "area_code"], ignore_index=True)
    rows["count"] = rows["count"].astype("int64")
    notes = []
    if len(unplaced) or no_ward:
        by_name = unplaced.groupby(unplaced["ward"].astype(str))["count"].sum()
        listed = ", ".join(f"{w}: {int(n):,}" for w, n in by_name.items())
        parts = []
        if len(unplaced):
            parts.append(f"{counted(by_name.sum(), 'VAWG offence')} in {name} on ward names the "
                         f"map does not hold ({listed})")
        if no_ward:
            parts.append(f"{no_ward:,} with no ward")
        notes.append(" and ".join(parts) + " are not in the ward counts.")
    rows.attrs["set_aside"] = notes
    return rows


def _band_of(delay: pd.Series) -> pd.Series:
    """The band of each delay in whole months (NaN: not recorded; negative: impossible)."""
    band = pd.Series(_NOT_RECORDED, index=delay.index, dtype=object)
    band[delay < 0] = _AFTER
    for label, low, high in DELAY_BANDS:
        inside = (delay >= low) if high is None else delay.between(low, high)
        band[inside] = label
    return band


def _whole_months(months: pd.Series) -> pd.Series:
    """Each month as its ordinal (whole months since January 1970), NaN where not recorded."""
    index = pd.PeriodIndex(months, freq="M")
    return pd.Series(np.where(index.isna(), np.nan, index.asi8.astype(float)),
                     index=months.index)


def _band_counts(rows: pd.DataFrame) -> pd.Series:
    delay = _whole_months(rows["month"]) - _whole_months(rows["month_committed"])
    counts = rows["count"].groupby(_band_of(delay)).sum()
    counts = counts.reindex([b for b, _, _ in DELAY_BANDS] + [_NOT_RECORDED, _AFTER],
                            fill_value=0).astype("int64")
    counts[_YEAR_OR_MORE] = counts[DELAY_BANDS[3][0]] + counts[DELAY_BANDS[4][0]]
    counts[_KNOWN] = counts[[b for b, _, _ in DELAY_BANDS]].sum()
    counts[_ALL] = counts[[_KNOWN, _NOT_RECORDED, _AFTER]].sum()
    return counts.reindex(_BAND_ORDER)


def _method(confidence: float) -> str:
    return ("MPS VAWG offences file, location sheet: offences recorded in the 12 months, by "
            "the whole months from the month committed to the month recorded; share of the "
            "offences with a committed month on or before the month recorded, "
            f"{confidence:.0%} Wilson score interval")


def _not_available(area: str, period: str, why: str, confidence: float) -> list[dict]:
    return [{"area": area, "period": period, "band": band, "count": pd.NA, "share": np.nan,
             "share_lower": np.nan, "share_upper": np.nan, "confidence": confidence,
             "comparison": COMPARATOR if area == LONDON else _NOT_COMPARED, "status": why,
             "method": _method(confidence)} for band in _BAND_ORDER]


def _area_rows(area: str, period: str, counts: pd.Series, london: dict[str, float] | None,
               confidence: float) -> list[dict]:
    from scpb_analysis.stats.benchmark import compare_to_benchmark
    from scpb_analysis.stats.rates import proportion

    known = int(counts[_KNOWN])
    shared = [b for b, _, _ in DELAY_BANDS] + [_YEAR_OR_MORE]
    cis = (proportion([int(counts[b]) for b in shared], known, confidence=confidence)
           .set_index(pd.Index(shared)) if known else None)
    out = []
    for band in _BAND_ORDER:
        row = {"area": area, "period": period, "band": band, "count": int(counts[band]),
               "share": np.nan, "share_lower": np.nan, "share_upper": np.nan,
               "confidence": confidence, "comparison": _NOT_COMPARED, "status": "computed",
               "method": _method(confidence)}
        if band in shared:
            if cis is None:
                row["status"] = (f"not available: no VAWG offence recorded in {area} in "
                                 f"{period} has a committed month")
            else:
                ci = cis.loc[band]
                row.update(share=ci["value"], share_lower=ci["lower"], share_upper=ci["upper"])
                if area == LONDON:
                    row["comparison"] = COMPARATOR
                elif london is not None and not np.isnan(london[band]):
                    row["comparison"] = compare_to_benchmark(
                        ci["lower"], ci["upper"], london[band], "none")["comparison"].iloc[0]
                    row["method"] += "; " + _FINGERTIPS.format(level=f"{confidence:.0%}")
        elif band == _KNOWN:
            row["method"] += "; the denominator of every share"
        elif band in (_NOT_RECORDED, _AFTER):
            row["method"] += ("; outside the shares' denominator: "
                              + ("the file gives no month committed" if band == _NOT_RECORDED
                                 else "a month committed after the month recorded is "
                                 "impossible, so the row's dates are not trusted"))
        else:
            row["method"] += "; every offence recorded, with or without a committed month"
        out.append(row)
    return out


def vawg_reporting_delay(vawg: pd.DataFrame, area: str, period_end: str | pd.Period, *,
                         confidence: float = 0.95) -> ProfileBlock:
    """How long after the month committed VAWG offences were recorded, area beside London.

    Of the offences recorded in the 12 months to ``period_end``, the whole months from the
    month committed to the month recorded, in :data:`DELAY_BANDS`, and ``a year or more
    later`` (the two longest bands together). Each share is of the offences with a committed
    month (``all with a committed month``), with a Wilson interval
    (:func:`~scpb_analysis.stats.rates.proportion`), and the area's is compared with London's
    (the 32 boroughs; offences outside the boroughs are left out) by the Fingertips rule as
    Higher / Similar / Lower. Offences the file gives no month committed for, and the
    impossible ones committed after the month recorded, are counted and stated, never put in
    a band. If the file does not cover all 12 months, every row is ``not available`` naming
    the months lacking (never zeros).

    Parameters
    ----------
    vawg : DataFrame
        :func:`~scpb_analysis.sources.mps_extracts.read_vawg_offences`.
    area : str
        A London borough.
    period_end : str or Period
        The last month of the 12.
    confidence : float, default 0.95

    Returns
    -------
    ProfileBlock
        ``table``: ``area, period, band, count, share, share_lower, share_upper, confidence,
        comparison, status, method``, the area's rows then London's, one per band of
        :data:`DELAY_BANDS`, then ``a year or more later``, ``all with a committed month``,
        ``committed month not recorded``, ``committed month after the recorded month (set
        aside)`` and ``all recorded``. ``text``: one paragraph for the page.

    Raises
    ------
    ValueError
        If a column is missing, a key is held twice, a borough row names no London borough,
        or one of the 32 boroughs has no row at all.
    KeyError
        If ``area`` is not a London borough.

    Examples
    --------
    >>> grid = pd.MultiIndex.from_product([london_boroughs()["borough"],
    ...     pd.period_range("2022-06", "2023-05", freq="M")], names=["borough", "month"])
    >>> late = grid.to_frame(index=False).assign(area_type="borough", ward="A ward",
    ...     month_committed=lambda f: f["month"] - 13, count=1)
    >>> same = late.assign(month_committed=late["month"], count=3)
    >>> block = vawg_reporting_delay(pd.concat([late, same]), "Barnet", "2023-05")
    >>> block.table.loc[block.table["band"] == "a year or more later",
    ...                 ["area", "count", "share", "comparison"]]
          area  count  share  comparison
    5   Barnet     12   0.25     Similar
    15  London    384   0.25  comparator
    """
    _check_vawg(vawg, ("area_type", "borough", "ward", "month", "month_committed", "count"))
    name = canonical_borough(area)
    end = to_month(period_end)
    months = pd.period_range(end - 11, end, freq="M")
    period = f"{month_label(months[0])} to {month_label(end)}"
    held = set(vawg["month"].dropna())
    lacking = [m for m in months if m not in held]
    if lacking:
        why = (f"not available: the VAWG file holds no offences recorded in "
               f"{month_ranges(lacking)}; months the data do not cover are not read as zero")
        rows = _not_available(name, period, why, confidence) + _not_available(
            LONDON, period, why, confidence)
        table = pd.DataFrame(rows, columns=_DELAY_COLUMNS)
        return ProfileBlock(table, f"Time from offence to recording of VAWG offences, {name}, "
                                   f"{period}: {why}.")
    boroughs = _boroughs_only(vawg)
    inside = boroughs[boroughs["month"].isin(months)]
    london_counts = _band_counts(inside)
    own_counts = _band_counts(select_area(inside.assign(borough=inside["borough"].astype(str)),
                                          name, missing="empty"))
    london_rows = _area_rows(LONDON, period, london_counts, None, confidence)
    london_share = {r["band"]: r["share"] for r in london_rows}
    rows = _area_rows(name, period, own_counts, london_share, confidence) + london_rows
    table = pd.DataFrame(rows, columns=_DELAY_COLUMNS)
    table["count"] = table["count"].astype("Int64")
    return ProfileBlock(table, _delay_text(table, name, period, confidence))


def delay_by_band(delay: ProfileBlock) -> pd.DataFrame:
    """The delay bands for the page: one row per band, the area beside London.

    The long table of :func:`vawg_reporting_delay` (which the key finding quotes, with its
    totals) turned so a reader compares across: the bands and ``a year or more later``, each
    with the area's count, share and interval, London's count and share, and the comparison.
    The totals are in the block's paragraph.

    Returns
    -------
    DataFrame
        ``band, count, share, share_lower, share_upper, comparator_count, comparator_share,
        comparison``; empty if the delay was not computed.

    Examples
    --------
    >>> rows = [{"area": a, "band": b, "count": n, "share": n / 4, "share_lower": 0.1,
    ...          "share_upper": 0.9, "comparison": c, "status": "computed"}
    ...         for a, c in (("Barnet", "Similar"), ("London", "comparator"))
    ...         for b, n in (("the same month", 3), ("a year or more later", 1),
    ...                      ("all recorded", 4))]
    >>> delay_by_band(ProfileBlock(pd.DataFrame(rows), ""))[["band", "count",
    ...     "comparator_share", "comparison"]]
                       band  count  comparator_share comparison
    0        the same month      3              0.75    Similar
    1  a year or more later      1              0.25    Similar
    """
    table = delay.table
    columns = ["band", "count", "share", "share_lower", "share_upper", "comparator_count",
               "comparator_share", "comparison"]
    computed = table[(table["status"] == "computed") & table["share"].notna()]
    own = computed[computed["area"] != LONDON].set_index("band")
    london = computed[computed["area"] == LONDON].set_index("band")
    bands = [b for b in [*(b for b, _, _ in DELAY_BANDS), _YEAR_OR_MORE] if b in own.index]
    if not bands:
        return pd.DataFrame(columns=columns)
    out = own.loc[bands, ["count", "share", "share_lower", "share_upper", "comparison"]]
    out = out.assign(comparator_count=london["count"].reindex(bands),
                     comparator_share=london["share"].reindex(bands))
    return out.rename_axis("band").reset_index()[columns]


def _pct(value: float) -> str:
    from scpb_analysis.blocks.sv_findings import printed

    return printed(value * 100, 1, percent=True)


def _cell(table: pd.DataFrame, area: str, band: str) -> pd.Series:
    return table[(table["area"] == area) & (table["band"] == band)].iloc[0]


def _delay_text(table: pd.DataFrame, name: str, period: str, confidence: float) -> str:
    everything = _cell(table, name, _ALL)
    late, london = _cell(table, name, _YEAR_OR_MORE), _cell(table, LONDON, _YEAR_OR_MORE)
    known = _cell(table, name, _KNOWN)
    text = (f"In the 12 months {period}, {int(everything['count']):,} violence against "
            f"women and girls (VAWG) offences were recorded in {name}.")
    if late["status"] == "computed":
        words = {"Higher": "higher than", "Lower": "lower than",
                 "Similar": "not distinguishable from"}
        text += (f" Of the {int(known['count']):,} with a month committed, "
                 f"{int(late['count']):,} ({_pct(late['share'])}, {confidence:.0%} confidence "
                 f"interval {_pct(late['share_lower'])} to {_pct(late['share_upper'])}) were "
                 "recorded a year or more after the month they were committed, against "
                 f"{_pct(london['share'])} across London; {name}'s share is "
                 f"{words.get(late['comparison'], 'not compared with')} London's.")
    else:
        text += f" The time to recording cannot be shown: {late['status']}."
    aside = [(int(_cell(table, name, band)["count"]), words) for band, words in (
        (_NOT_RECORDED, "had no month committed recorded"),
        (_AFTER, "had a month committed after the month recorded, which is impossible"))]
    aside = [f"{n:,} {words}" for n, words in aside if n]
    if aside:
        text += f" {' and '.join(aside)}; they are left out of the shares."
    text += (" Sexual offences and domestic abuse are often reported long after they happen, so "
             "a month's recorded VAWG offences count reports made that month, not violence "
             "that happened then: a rise in recorded offences can be more reporting of past "
             "abuse as well as more abuse.")
    return text


def vawg_findings(delay: ProfileBlock | None, *,
                  table: str = "needs_assessment_vawg_delay") -> list:
    """The key finding of :func:`vawg_reporting_delay`: the share recorded a year or more late.

    Parameters
    ----------
    delay : ProfileBlock or None
        :func:`vawg_reporting_delay` (None, or a table not computed: no finding).
    table : str, default "needs_assessment_vawg_delay"
        The published table name, which
        :func:`~scpb_analysis.blocks.sv_findings.check_findings` re-reads.

    Returns
    -------
    list of Finding
        One finding (topic ``When``), or none.

    Examples
    --------
    >>> rows = pd.DataFrame({"area": ["Barnet", "Barnet", "London"],
    ...     "period": "June 2022 to May 2023",
    ...     "band": ["all with a committed month", "a year or more later",
    ...              "a year or more later"],
    ...     "count": [4000, 400, 9000], "share": [np.nan, 0.1, 0.12],
    ...     "comparison": ["not compared", "Lower", "comparator"], "status": "computed"})
    >>> print(vawg_findings(ProfileBlock(rows, ""))[0].text)
    Of the 4,000 VAWG offences recorded in Barnet in June 2022 to May 2023 with a month \
committed, 10.0% were recorded a year or more after the month they were committed (London \
12.0%; Lower).
    """
    from scpb_analysis.blocks.sv_findings import Finding, printed

    if delay is None or delay.table.empty:
        return []
    frame = delay.table
    area = str(frame["area"].iloc[0])
    late = _cell(frame, area, _YEAR_OR_MORE)
    if late["status"] != "computed" or area == LONDON:
        return []
    london = _cell(frame, LONDON, _YEAR_OR_MORE)
    known = _cell(frame, area, _KNOWN)
    n, pct, london_pct = printed(int(known["count"])), _pct(late["share"]), _pct(london["share"])
    cmp = str(late["comparison"])
    text = (f"Of the {n} VAWG offences recorded in {area} in {late['period']} with a month "
            f"committed, {pct} were recorded a year or more after the month they were "
            f"committed (London {london_pct}; {cmp}).")
    return [Finding("When", text, table, (
        ({"area": area, "band": _KNOWN}, {"count": n}),
        ({"area": area, "band": _YEAR_OR_MORE}, {"share": pct, "comparison": cmp}),
        ({"area": LONDON, "band": _YEAR_OR_MORE}, {"share": london_pct})))]
