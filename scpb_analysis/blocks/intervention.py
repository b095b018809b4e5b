"""Did it work? The areas of a place-based intervention, their monthly series and the
weighted displacement difference (WDD) of their before and after counts.

An evaluation compares four areas (Wheeler & Ratcliffe 2018): the **treated** area, where the
intervention happened (a PSPO, new CCTV cameras, a ward walk); a **control** area with a
similar crime level, which tells what would have happened anyway; and optionally a
**displacement** area around the treated one, where crime may have moved to (with its own
**displacement control**). The areas are wards (:func:`areas_from_wards`: the treated wards
named, their neighbouring wards as the displacement area, and a control ward matched on its
count before the intervention unless one is named) or polygons from a file
(:func:`areas_from_file`, a ``role`` column). :func:`role_counts` counts police.uk points into
them by month; :func:`evaluate_intervention` takes the windows either side of the
intervention, refuses months the data do not hold, and computes the WDD
(:func:`scpb_analysis.stats.wdd.wdd`) with a sentence a board member can read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scpb_analysis.core.errors import CoverageError, InputDataError
from scpb_analysis.core.periods import Window, month_ranges, to_month
from scpb_analysis.stats.wdd import ROLES

__all__ = ["ROLES", "InterventionAreas", "InterventionBlock", "RoleCounts", "areas_from_file",
           "areas_from_wards", "evaluate_intervention", "role_counts"]

_ROLE_WORDS = {"treated": "treated area", "control": "control area",
               "displacement": "displacement area",
               "displacement_control": "displacement control area"}
# Polygons of two roles may share an edge; more overlap than this (square metres) is an error.
_OVERLAP_M2 = 1.0


@dataclass(frozen=True)
class InterventionAreas:
    """The evaluation's areas.

    Attributes
    ----------
    areas : GeoDataFrame
        One row per role present: ``role, area_label, wards, geometry`` (the wards' CRS).
    wards : DataFrame
        ``ward_code, ward_name, role`` of the wards in a role (empty for areas from a file).
    how : str
        How the areas were chosen, in words, for the page.
    """

    areas: object
    wards: pd.DataFrame
    how: str


@dataclass(frozen=True)
class RoleCounts:
    """Monthly counts of points in each area (``month, role, count``, zeros included) and
    the accounting of the points: ``report`` (``role, points``, with the points in no area)."""

    counts: pd.DataFrame
    report: pd.DataFrame


@dataclass(frozen=True)
class InterventionBlock:
    """The WDD of an intervention: ``table`` (one row, :func:`~scpb_analysis.stats.wdd.wdd`'s
    columns), ``summary`` (per role: before, after, change), ``series`` (monthly counts),
    ``before`` and ``after`` windows, ``text`` and ``method``."""

    table: pd.DataFrame
    summary: pd.DataFrame
    series: pd.DataFrame
    before: Window
    after: Window
    text: str
    method: str


def _ward_lookup(wards) -> dict[str, str]:
    names = {}
    for code, name in zip(wards["ward_code"], wards["ward_name"], strict=True):
        names[str(code).strip().upper()] = str(code)
        names[" ".join(str(name).split()).casefold()] = str(code)
    return names


def _resolve(wards, given: Sequence[str] | str, what: str) -> list[str]:
    if isinstance(given, str):
        given = [given]
    lookup = _ward_lookup(wards)
    codes, unknown = [], []
    for item in given:
        text = str(item).strip()
        code = lookup.get(text.upper()) or lookup.get(" ".join(text.split()).casefold())
        (codes if code else unknown).append(code or text)
    if unknown:
        known = ", ".join(sorted(f"{c} ({n})" for c, n in
                                 zip(wards["ward_code"], wards["ward_name"], strict=True)))
        raise InputDataError(None, f"{what}: no ward {', '.join(map(repr, unknown))} in the "
                             "area", expected=f"ward codes or names of the area: {known}")
    return sorted(dict.fromkeys(codes))


def _neighbours(wards, codes: list[str]) -> list[str]:
    chosen = wards.loc[wards["ward_code"].isin(codes)].geometry.union_all()
    # A metre's tolerance: boundary files leave slivers between wards that share an edge.
    touching = wards.geometry.intersects(chosen.buffer(1.0))
    found = wards.loc[touching & ~wards["ward_code"].isin(codes), "ward_code"]
    return sorted(found.astype(str).unique())


def _matched_controls(before_counts: pd.Series, treated: list[str],
                      excluded: set[str]) -> list[str]:
    pool = before_counts.drop(index=[c for c in before_counts.index if c in excluded])
    chosen: list[str] = []
    for code in treated:
        if code not in before_counts.index:
            raise InputDataError(None, f"no count before the intervention for ward {code}",
                                 expected="a count for every treated ward")
        if pool.empty:
            raise CoverageError("no ward is left to be a control: every ward is treated or "
                                "next to a treated ward (name control wards, or set "
                                "displacement to 'none')")
        gap = (pool - before_counts[code]).abs()
        best = sorted(gap.index, key=lambda c: (gap[c], c))[0]
        chosen.append(best)
        pool = pool.drop(index=best)
    return sorted(chosen)


def _frame(rows: list[dict], wards):
    import geopandas as gpd

    return gpd.GeoDataFrame(rows, geometry="geometry", crs=wards.crs)


def areas_from_wards(wards, treated: Sequence[str] | str, *, control: Sequence[str] = (),
                     displacement: str | Sequence[str] = "neighbours",
                     before_counts: pd.Series | None = None) -> InterventionAreas:
    """The evaluation's areas from wards.

    Parameters
    ----------
    wards : GeoDataFrame
        The area's wards (``ward_code, ward_name, geometry``, projected CRS in metres).
    treated : sequence of str
        Ward codes or names where the intervention happened.
    control : sequence of str, optional
        Control wards. Default: for each treated ward, the ward (neither treated nor in the
        displacement area) whose count before the intervention (``before_counts``) is
        nearest to it, as Wheeler and Ratcliffe advise a control of a similar crime level.
    displacement : "neighbours", "none" or sequence of str
        The displacement area: the wards touching the treated ones (default), none, or the
        wards named. With ``before_counts``, its control is matched the same way, one ward
        per displacement ward, from the wards in no other role (if enough are left).
    before_counts : Series, optional
        Ward code to count in the window before the intervention, to match controls.

    Returns
    -------
    InterventionAreas

    Raises
    ------
    InputDataError
        A ward not in the area (the message lists the area's wards), or a ward in two roles.

    Examples
    --------
    A row of five 1 km wards; the first is treated, the second is next to it, the control
    is the ward with the nearest count before, and the displacement control the ward left
    with the count nearest the displacement ward's:

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> wards = gpd.GeoDataFrame({"ward_code": [f"E0500000{i}" for i in range(5)],
    ...                           "ward_name": list("ABCDE")}, crs=27700,
    ...                          geometry=[box(i * 1000, 0, i * 1000 + 1000, 1000)
    ...                                    for i in range(5)])
    >>> counts = pd.Series([40, 25, 12, 38, 30], index=wards["ward_code"])
    >>> areas = areas_from_wards(wards, ["A"], before_counts=counts)
    >>> areas.wards[["ward_name", "role"]].values.tolist()
    [['A', 'treated'], ['D', 'control'], ['B', 'displacement'], ['E', 'displacement_control']]
    """
    treated_codes = _resolve(wards, treated, "treated")
    if not treated_codes:
        raise InputDataError(None, "no treated ward given", expected="one ward code or more")
    if isinstance(displacement, str) and displacement in ("neighbours", "none"):
        moved = _neighbours(wards, treated_codes) if displacement == "neighbours" else []
        moved_how = ("the wards next to the treated wards" if displacement == "neighbours"
                     else "")
    else:
        moved = _resolve(wards, displacement, "displacement")
        moved_how = "the wards named"
    if control:
        controls = _resolve(wards, control, "control")
        control_how = "the wards named"
    else:
        if before_counts is None:
            raise InputDataError(None, "no control ward given and no counts to match one on",
                                 expected="control wards, or before_counts")
        controls = _matched_controls(before_counts, treated_codes,
                                     set(treated_codes) | set(moved))
        control_how = ("matched: for each treated ward, the ward neither treated nor next "
                       "to a treated ward whose count in the months before was nearest")
    roles = {"treated": treated_codes, "control": controls}
    if moved:
        roles["displacement"] = moved
        if before_counts is not None:
            # Wheeler & Ratcliffe's displacement control (Dc): wards like the displacement
            # area in crime level, so that its change is judged against a like area's.
            taken = set(treated_codes) | set(moved) | set(controls)
            pool = before_counts.drop(index=[c for c in before_counts.index if c in taken])
            if len(pool) >= len(moved):
                roles["displacement_control"] = _matched_controls(before_counts, moved, taken)
    seen: dict[str, str] = {}
    for role, codes in roles.items():
        for code in codes:
            if code in seen:
                raise InputDataError(None, f"ward {code} is both {_ROLE_WORDS[seen[code]]} "
                                     f"and {_ROLE_WORDS[role]}",
                                     expected="each ward in one role")
            seen[code] = role
    names = dict(zip(wards["ward_code"].astype(str), wards["ward_name"].astype(str),
                     strict=True))
    rows = []
    for role in ROLES:
        if role not in roles:
            continue
        part = wards.loc[wards["ward_code"].isin(roles[role])]
        labels = sorted(names[c] for c in roles[role])
        rows.append({"role": role, "area_label": ", ".join(labels),
                     "wards": len(roles[role]), "geometry": part.geometry.union_all()})
    ward_rows = pd.DataFrame(
        [{"ward_code": c, "ward_name": names[c], "role": r}
         for r in ROLES if r in roles for c in roles[r]])
    how = [f"Treated: {', '.join(sorted(names[c] for c in treated_codes))}.",
           f"Control: {', '.join(sorted(names[c] for c in controls))} ({control_how})."]
    if moved:
        how.append(f"Displacement: {', '.join(sorted(names[c] for c in moved))} ({moved_how}).")
        if "displacement_control" in roles:
            how.append("Displacement control: "
                       + ", ".join(sorted(names[c] for c in roles["displacement_control"]))
                       + " (matched the same way to the displacement wards, from the wards in "
                       "no other role).")
        else:
            how.append("No displacement control: too few wards are left to match one, so the "
                       "displacement area's change is counted whole.")
    else:
        how.append("No displacement area.")
    return InterventionAreas(_frame(rows, wards), ward_rows, " ".join(how))


def areas_from_file(path: str | Path, wards) -> InterventionAreas:
    """The evaluation's areas from a polygon file with a ``role`` column.

    ``role`` is ``treated``, ``control``, ``displacement`` or ``displacement_control``
    (treated and control are required); a ``name`` column, if present, labels them. The file
    must carry its CRS; it is reprojected to the wards'. Polygons of one role are merged.

    Raises
    ------
    InputDataError
        No CRS, no ``role`` column, an unknown role, a missing treated or control area, two
        roles overlapping, or an area that lies outside the area's wards (most often a file
        saved in another CRS than it says).

    Examples
    --------
    >>> import tempfile, geopandas as gpd
    >>> from shapely import box
    >>> wards = gpd.GeoDataFrame({"ward_code": ["E05000001"], "ward_name": ["A"]}, crs=27700,
    ...                          geometry=[box(0, 0, 1000, 1000)])
    >>> x0, y0, x1, y1 = wards.total_bounds
    >>> polygons = gpd.GeoDataFrame({"role": ["treated", "control"]}, crs=wards.crs,
    ...     geometry=[box(x0, y0, x0 + 100, y0 + 100), box(x1 - 100, y1 - 100, x1, y1)])
    >>> path = Path(tempfile.mkdtemp()) / "areas.gpkg"
    >>> polygons.to_file(path)
    >>> areas_from_file(path, wards).areas["role"].tolist()
    ['treated', 'control']
    """
    import geopandas as gpd

    path = Path(path)
    if not path.is_file():
        raise InputDataError(path, "no such file", expected="a polygon file (GeoPackage, "
                             "GeoJSON or shapefile) with a role column")
    frame = gpd.read_file(path)
    if frame.crs is None:
        raise InputDataError(path, "the file has no coordinate reference system",
                             expected="a CRS (e.g. EPSG:27700, British National Grid)")
    if "role" not in frame.columns:
        raise InputDataError(path, "no column 'role'",
                             expected=f"a role column with values {', '.join(ROLES)}")
    roles = frame["role"].astype(str).str.strip().str.lower()
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        row = int(np.flatnonzero(~roles.isin(ROLES))[0]) + 2
        raise InputDataError(path, f"unknown role {unknown[0]!r}", row=row, column="role",
                             expected=", ".join(ROLES))
    for needed in ("treated", "control"):
        if needed not in set(roles):
            raise InputDataError(path, f"no {_ROLE_WORDS[needed]}", column="role",
                                 expected="a treated and a control polygon")
    frame = frame.assign(role=roles).to_crs(wards.crs)
    extent = wards.geometry.union_all().buffer(1000.0)
    rows = []
    for role in ROLES:
        part = frame.loc[frame["role"] == role]
        if part.empty:
            continue
        shape = part.geometry.union_all()
        if not shape.intersects(extent):
            raise InputDataError(path, f"the {_ROLE_WORDS[role]} lies outside the area's "
                                 "wards", expected="polygons inside the area (is the file's "
                                 "CRS the one its coordinates are in?)")
        label = (", ".join(sorted(part["name"].astype(str))) if "name" in part.columns
                 else _ROLE_WORDS[role])
        rows.append({"role": role, "area_label": label, "wards": 0, "geometry": shape})
    for i, a in enumerate(rows):
        for b in rows[i + 1:]:
            if a["geometry"].intersection(b["geometry"]).area > _OVERLAP_M2:
                raise InputDataError(path, f"the {_ROLE_WORDS[a['role']]} and the "
                                     f"{_ROLE_WORDS[b['role']]} overlap",
                                     expected="areas that do not overlap")
    how = "Areas from " + path.name + ": " + "; ".join(
        f"{_ROLE_WORDS[r['role']]}: {r['area_label']}" for r in rows) + "."
    return InterventionAreas(_frame(rows, wards),
                             pd.DataFrame(columns=["ward_code", "ward_name", "role"]), how)


def role_counts(points: pd.DataFrame, areas: InterventionAreas,
                months: Sequence[pd.Period] | pd.PeriodIndex, *, x: str = "x",
                y: str = "y") -> RoleCounts:
    """Count points into the evaluation's areas by month.

    ``points`` hold ``month`` and coordinates ``x, y`` in the areas' CRS. A point on the edge
    two areas share counts once, in the first role of :data:`ROLES`. Points outside every
    area are not counted, and are reported.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> areas = InterventionAreas(gpd.GeoDataFrame(
    ...     {"role": ["treated", "control"], "area_label": ["T", "C"], "wards": [0, 0]},
    ...     geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs=27700), pd.DataFrame(), "")
    >>> pts = pd.DataFrame({"month": pd.PeriodIndex(["2023-01", "2023-01", "2023-02"], freq="M"),
    ...                     "x": [5, 10, 15], "y": [5, 5, 50]})
    >>> out = role_counts(pts, areas, pd.period_range("2023-01", "2023-02", freq="M"))
    >>> out.counts.pivot(index="month", columns="role", values="count")
    role     control  treated
    month
    2023-01        0        2
    2023-02        0        0
    >>> out.report["points"].tolist()
    [2, 0, 1]
    """
    import shapely

    for column in ("month", x, y):
        if column not in points.columns:
            raise InputDataError(None, f"the points have no column '{column}'",
                                 expected="month and projected x, y columns")
    months = pd.PeriodIndex(months, freq="M")
    px = pd.to_numeric(points[x], errors="coerce").to_numpy(dtype=float)
    py = pd.to_numeric(points[y], errors="coerce").to_numpy(dtype=float)
    located = np.isfinite(px) & np.isfinite(py)
    geoms = np.asarray(areas.areas.geometry.values)
    order = [ROLES.index(r) for r in areas.areas["role"]]
    idx = np.flatnonzero(located)
    hit_point, hit_area = shapely.STRtree(geoms).query(shapely.points(px[idx], py[idx]),
                                                        predicate="intersects")
    rank = np.asarray(order)[hit_area] if len(hit_area) else np.array([], dtype=int)
    best = np.full(len(points), len(ROLES), dtype=np.int64)
    np.minimum.at(best, idx[hit_point], rank)
    role = np.array([*ROLES, ""], dtype=object)[best]
    in_window = pd.PeriodIndex(points["month"], freq="M").isin(months)
    counted = pd.DataFrame({"month": pd.PeriodIndex(points["month"], freq="M"),
                            "role": role})[(best < len(ROLES)) & in_window]
    present = [r for r in ROLES if r in set(areas.areas["role"])]
    full = pd.MultiIndex.from_product([months, present], names=["month", "role"])
    counts = (counted.groupby(["month", "role"]).size().reindex(full, fill_value=0)
              .rename("count").reset_index())
    counts["count"] = counts["count"].astype("int64")
    outside = int((in_window & ~located).sum() + (in_window & located
                                                   & (best == len(ROLES))).sum())
    report = pd.DataFrame({"role": [*present, "in no area (or no location)"],
                           "points": [int((counted["role"] == r).sum()) for r in present]
                           + [outside]})
    return RoleCounts(counts, report)


def _fmt(n: float) -> str:
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.1f}"


def evaluate_intervention(counts: pd.DataFrame, start: str | pd.Period, *,
                          before_months: int = 12, after_months: int = 12,
                          gap_months: int = 0, held_months: Sequence[pd.Period] | None = None,
                          offence: str = "crimes", areas: InterventionAreas | None = None,
                          confidence: float = 0.95) -> InterventionBlock:
    """The weighted displacement difference of an intervention starting in ``start``.

    The before window is the ``before_months`` months ending ``gap_months`` before
    ``start``; the after window the ``after_months`` months from ``start``.

    Parameters
    ----------
    counts : DataFrame
        ``month, role, count`` (:attr:`RoleCounts.counts`) with treated and control rows.
    start : str or Period
        The intervention's first month.
    before_months, after_months, gap_months : int
        Window lengths; a gap leaves out the months of setting the intervention up.
    held_months : sequence of Period, optional
        The months the data hold. A window month not among them is refused (a month the
        publisher did not release is a gap, not a month without crime).
    offence : str
        The offences counted, in the reader's words ("burglaries").
    areas : InterventionAreas, optional
        For the areas' names in the sentence.

    Raises
    ------
    CoverageError
        A window month not held, or not in ``counts``.

    Examples
    --------
    >>> months = pd.period_range("2022-01", "2023-12", freq="M")
    >>> counts = pd.DataFrame({"month": list(months) * 2,
    ...                        "role": ["treated"] * 24 + ["control"] * 24,
    ...                        "count": [10] * 12 + [6] * 12 + [10] * 24})
    >>> out = evaluate_intervention(counts, "2023-01")
    >>> out.table[["treated_before", "treated_after", "value"]].to_dict("records")
    [{'treated_before': 120.0, 'treated_after': 72.0, 'value': -48.0}]
    """
    from scpb_analysis.stats.wdd import wdd

    for name, value in (("before_months", before_months), ("after_months", after_months),
                        ("gap_months", gap_months)):
        if isinstance(value, bool) or not isinstance(value, int) or value < (name != "gap_months"):
            raise ValueError(f"{name} must be a whole number of months"
                             f"{' of at least 1' if name != 'gap_months' else ''}; got {value!r}")
    start = to_month(start)
    after = Window(start, start + after_months - 1)
    before = Window(start - gap_months - before_months, start - gap_months - 1)
    needed = list(before.months) + list(after.months)
    have = set(pd.PeriodIndex(counts["month"], freq="M"))
    missing = [m for m in needed if m not in have]
    if held_months is not None:
        held = set(pd.PeriodIndex(held_months, freq="M"))
        missing = sorted(set(missing) | {m for m in needed if m not in held})
    if missing:
        raise CoverageError(f"the data do not hold {month_ranges(missing)}, in the windows "
                            f"{before.label} (before) and {after.label} (after); choose an "
                            "intervention month and windows the data cover")
    roles = set(counts["role"])
    for needed_role in ("treated", "control"):
        if needed_role not in roles:
            raise InputDataError(None, f"no {_ROLE_WORDS[needed_role]} in the counts",
                                 expected="treated and control rows")
    months = pd.PeriodIndex(counts["month"], freq="M")

    def total(role: str, window: Window) -> int:
        rows = (counts["role"] == role) & months.isin(window.months)
        return int(counts.loc[rows, "count"].sum())

    pairs = {r: (total(r, before), total(r, after)) for r in ROLES if r in roles}
    table = wdd(pairs["treated"], pairs["control"], pairs.get("displacement"),
                pairs.get("displacement_control"),
                time_weights=(float(before.n_months), float(after.n_months))
                if before.n_months != after.n_months else None,
                confidence=confidence)
    labels = {} if areas is None else dict(zip(areas.areas["role"], areas.areas["area_label"],
                                               strict=True))
    summary = pd.DataFrame([{"role": r, "area_label": labels.get(r, _ROLE_WORDS[r]),
                             "before": b, "after": a, "change": a - b,
                             "percent_change": (100.0 * (a - b) / b) if b else np.nan}
                            for r, (b, a) in pairs.items()])
    series = counts.loc[months.isin(before.months) | months.isin(after.months)].copy()
    series["window"] = np.where(pd.PeriodIndex(series["month"], freq="M") >= start,
                                "after", "before")
    text = _wdd_text(table.iloc[0], summary, before, after, offence, confidence,
                     per_month=before.n_months != after.n_months)
    method = str(table["method"].iloc[0])
    return InterventionBlock(table, summary, series.reset_index(drop=True), before, after,
                             text, method)


def _wdd_text(row: pd.Series, summary: pd.DataFrame, before: Window, after: Window,
              offence: str, confidence: float, *, per_month: bool = False) -> str:
    parts = []
    for r in summary.itertuples():
        parts.append(f"from {_fmt(r.before)} to {_fmt(r.after)} in the {_ROLE_WORDS[r.role]}"
                     f" ({_few(r.area_label)})")
    lead = (f"Between the {before.n_months} months before ({before.label}) and the "
            f"{after.n_months} months after ({after.label}), {offence} went "
            + ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] + ".")
    value, lower, upper, p = (float(row["value"]), float(row["lower"]), float(row["upper"]),
                              float(row["p_value"]))
    level = f"{confidence:.0%}"
    size = _fmt(abs(value))
    # Windows of different lengths are compared per month (the counts divided by them).
    unit = " a month" if per_month else ""
    if value < 0:
        what = f"{size} fewer {offence}{unit} than the control area's change would predict"
    elif value > 0:
        what = f"{size} more {offence}{unit} than the control area's change would predict"
    else:
        what = "no difference from what the control area's change would predict"
    interval = f"{level} confidence interval {_signed(lower)} to {_signed(upper)}"
    if p < 1 - confidence:
        verdict = ("a significant reduction" if value < 0 else "a significant increase")
        tail = f"This is {verdict} (p = {p:.3f})."
    else:
        tail = (f"This is not significant (p = {p:.2f}): a change of this size could arise "
                "by chance, so the data neither show that the intervention worked nor that it "
                "did not.")
    return (f"{lead}\nThe weighted displacement difference is {_signed(value)}: {what}"
            f" ({interval}). {tail}")


def _signed(value: float) -> str:
    text = _fmt(abs(round(value, 1)))
    return ("\u2212" + text) if value < 0 and text not in ("0", "0.0") else text


def _few(label: str) -> str:
    names = label.split(", ")
    return label if len(names) <= 3 else f"{len(names)} wards"
