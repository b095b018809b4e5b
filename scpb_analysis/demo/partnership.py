"""Synthetic partnership inputs in the template formats: CCTV, ASB, FPNs, Community Trigger,
CS MARAC, Prevent and DA MARAC.

``write_partnership_demo`` writes one CSV per template, incident by incident, with the
template's canonical headers and the personal columns a real export carries (names, phone
numbers, addresses, dates of birth, free-text notes). The personal values are invented and
planted on purpose, so a loader's removal of them can be tested: every one of them is listed in
:data:`PLANTED_PII`, phone numbers are in Ofcom's drama range (07700 900xxx), e-mails are at
example.com and postcodes end in the unused unit "0ZZ".

Where the July 2023 board pack (seed 000) prints a table, the demo reproduces it exactly:

- CCTV, March to May 2023: the 191 incidents of "CCTV Incidents by Ward" and of the ward by
  incident type matrix, cell for cell (:data:`SEED_CCTV_WARD_BY_TYPE`). The seed's row
  "Totteridge & Whetstone" names a ward that does not exist and has no incidents, so it does
  not appear in the log; the real ward, Totteridge and Woodside, has incidents in other months.
  Ward names are typed as analysts type them ("BURNT OAK", "Totteridge & Woodside").
  December 2022 to February 2023 holds 381 incidents, as the pack's minutes say. Before
  1 September 2022 no incident falls between 04:00 and 11:59, when the control room was shut.
- Prevent: Q4 2021/22 and Q4 2022/23 by age, sex and ideology (:data:`SEED_PREVENT_Q4`);
  Q3 totals 18 and 28 as in the minutes.
- CS MARAC: the eight meetings of Table 1, including the September 2022 meeting that breaks
  the stock-flow identity, then two consistent meetings in April and May 2023.
- ASB tools and powers, March to May 2023 (:data:`SEED_ASB_OUTCOMES`); April 2022 to March
  2023 holds 240 CPN written warnings and 8 CPNs, as the annual report says.
- Community Trigger: 11 applications in April 2022 to March 2023 (5 met the threshold, 6 did
  not) and none in March to May 2023; FPNs start when officers got FPN pads (end of January
  2023), 32 in January to March 2023.

Everything else (other months, hours, modes, ASB cases, DA MARAC referrals) is drawn from
``numpy.random.default_rng(seed)`` at plausible volumes, with small cells (1 to 4) present.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from itertools import cycle
from pathlib import Path

import numpy as np
import pandas as pd

from scpb_analysis.blocks.partnership_tables import FPN_OFFENCES, UNMONITORED_HOURS
from scpb_analysis.core.marker import MARKER_FILENAME, SYNTHETIC_NOTICE
from scpb_analysis.core.periods import fy_quarter, fy_quarter_window
from scpb_analysis.reference.partnership_schema import (
    ASB_OUTCOMES,
    CONTROL_ROOM_24_7_FROM,
)
from scpb_analysis.reference.partnership_schema import (
    INCIDENT_TYPES as CCTV_INCIDENT_TYPES,
)
from scpb_analysis.reference.wards import ward_reference

__all__ = [
    "DEMO_FILES",
    "PLANTED_PII",
    "SEED_ASB_OUTCOMES",
    "SEED_CCTV_WARD_BY_TYPE",
    "SEED_CSMARAC",
    "SEED_PREVENT_Q4",
    "write_partnership_demo",
]

#: File written for each template, inside the ``partnership`` folder.
DEMO_FILES = {
    "cctv": "cctv_incidents.csv",
    "asb_cases": "asb_cases.csv",
    "asb_outcomes": "asb_outcomes.csv",
    "fpn": "fixed_penalty_notices.csv",
    "community_trigger": "community_trigger.csv",
    "csmarac": "cs_marac_meetings.csv",
    "prevent": "prevent_referrals.csv",
    "damarac": "da_marac_referrals.csv",
}

# Canonical template headers, then the personal columns real exports carry.
_HEADERS = {
    "cctv": ["Incident ID", "Date/Time", "Incident Type", "Ward", "Proactive/Reactive",
             "Camera/Location", "Operator Name", "Caller Name", "Caller Phone", "Notes"],
    "asb_cases": ["Case ID", "Date Opened", "Ward", "Category", "Complainant Name", "Address",
                  "Date of Birth", "Notes"],
    "asb_outcomes": ["Case ID", "Outcome Date", "Outcome"],
    "fpn": ["FPN ID", "Date Issued", "Offence Code", "Ward", "Recipient Name", "Address"],
    "community_trigger": ["Application ID", "Date Received", "Decision", "Applicant Name",
                          "Email"],
    "csmarac": ["Meeting Date", "Cases Heard", "New Cases", "Closed Cases"],
    "prevent": ["Referral ID", "Referral Date", "Age Band", "Sex", "Ideology", "Name",
                "Date of Birth", "School"],
    "damarac": ["Referral ID", "Referral Date", "Repeat Referral", "Children in Household",
                "Family with Children", "Victim Name", "Perpetrator Name", "Address", "Phone"],
}

# --- planted personal data: invented, and listed so tests can look for it -------------------
_NAMES = ("Joe Bloggs", "Jane Doe", "John Doe", "Fred Bloggs", "Mary Sample", "Tom Example",
          "Priya Testcase", "Kwame Specimen", "Aisha Placeholder", "Dev Dummy",
          "Chloe Fakename", "Olu Mockley")
_EMAILS = tuple(f"{n.lower().replace(' ', '.')}@example.com" for n in _NAMES[:6])
_PHONES = ("07700 900001", "07700 900123", "07700 900456", "07700 900789", "07700 900314",
           "07700 900271")
_ADDRESSES = ("1 Example Road, London N3 0ZZ", "22 Sample Street, London NW4 0ZZ",
              "7 Specimen Close, Barnet EN5 0ZZ", "14 Placeholder Avenue, London N12 0ZZ",
              "3 Testcase Gardens, London NW9 0ZZ")
_ADULT_DOBS = ("14/02/1987", "03/11/1975", "29/06/1992", "08/08/1964", "21/01/2001")
# Under 18 on every referral date from April 2021 to March 2023.
_CHILD_DOBS = ("17/09/2007", "02/03/2009", "11/12/2006")
_SCHOOLS = ("Example Hill Academy", "Specimen Park School")

#: Every personal value planted in the demo inputs; none may survive a loader.
PLANTED_PII = [*_NAMES, *_EMAILS, *_PHONES, *_ADDRESSES, *_ADULT_DOBS, *_CHILD_DOBS,
               *_SCHOOLS]

# --- tables transcribed from the July 2023 board pack (seed 000) -----------------------------

#: "Number of CCTV Incidents by Ward: 3 months to May 2023" (March to May 2023), row labels
#: as printed ("Totteridge & Whetstone" is not a ward: the real one is Totteridge and
#: Woodside), counts in :data:`~scpb_analysis.blocks.partnership_tables.CCTV_INCIDENT_TYPES` order.
SEED_CCTV_WARD_BY_TYPE = {
    ward: tuple(int(v) for v in counts.split())
    for ward, counts in {
        "Barnet Vale": "0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 2 0 0 0 0 0 1 0 1 1",
        "Brunswick Park": "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
        "Burnt Oak": "2 1 0 1 0 0 0 1 1 0 1 0 0 2 1 0 1 1 1 2 0 1 0 1 3",
        "Childs Hill": "0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0 0",
        "Colindale North": "1 2 0 0 0 0 0 0 0 0 1 0 3 0 0 3 1 0 0 0 0 0 0 2 2",
        "Colindale South": "0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 1 1 0 0 0 0 0 0 0 0",
        "Cricklewood": "0 3 0 0 0 0 0 0 0 0 0 0 1 2 0 0 2 1 0 0 0 0 0 0 1",
        "East Barnet": "0 1 0 0 0 1 0 0 0 0 0 0 0 1 0 1 1 0 0 0 0 0 0 1 1",
        "East Finchley": "0 0 0 1 1 0 0 0 0 0 0 0 0 0 0 1 2 0 0 0 0 1 0 1 1",
        "Edgware": "0 2 0 0 1 0 0 0 0 0 0 1 0 4 0 6 4 3 0 0 0 1 0 0 4",
        "Edgwarebury": "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
        "Finchley Church End": "0 2 0 1 2 1 0 0 0 0 1 0 0 2 0 0 2 3 0 0 1 0 0 2 4",
        "Friern Barnet": "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
        "Garden Suburb": "0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
        "Golders Green": "0 1 0 0 0 0 0 0 0 1 0 2 0 3 0 5 0 1 0 0 0 0 1 1 3",
        "Hendon": "0 0 0 0 0 0 0 0 0 0 1 2 0 0 0 1 0 0 0 1 0 1 0 0 1",
        "High Barnet": "1 2 0 0 0 0 0 0 0 0 0 0 2 3 0 3 3 0 0 0 0 0 0 1 1",
        "Mill Hill": "0 2 0 0 0 0 0 0 0 0 1 0 0 1 0 0 1 1 0 0 1 0 0 0 0",
        "Totteridge & Whetstone": "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
        "Underhill": "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
        "West Finchley": "0 1 1 0 0 0 0 0 0 0 0 0 0 2 0 1 1 0 0 0 0 0 0 0 2",
        "West Hendon": "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
        "Whetstone": "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 0",
        "Woodhouse": "0 2 0 0 0 0 1 0 0 0 0 0 1 2 0 5 1 0 0 0 0 0 0 1 2",
    }.items()
}

#: Prevent referrals by quarter (seed 000, "Quarter 4 2022/23 compared to 2021/22").
SEED_PREVENT_Q4 = {
    "Q4 2021/22": {"Under 18": 17, "18 and over": 8, "Male": 22, "Female": 3, "Not known": 0,
                   "Islamist": 10, "Extreme Right Wing": 2, "Mixed/Unclear/Unstable": 13,
                   "Other": 0},
    "Q4 2022/23": {"Under 18": 11, "18 and over": 6, "Male": 15, "Female": 2, "Not known": 0,
                   "Islamist": 8, "Extreme Right Wing": 2, "Mixed/Unclear/Unstable": 7,
                   "Other": 0},
}
# Q3 totals from the minutes of the previous meeting (seed 000).
_PREVENT_TOTALS = {"Q3 2021/22": 18, "Q3 2022/23": 28}

#: CS MARAC meetings (seed 000, Table 1): date, cases heard, new, closed. The dates are
#: invented, six or seven weeks apart; September 2022 breaks heard = previous heard - previous
#: closed + new (23 - 10 + 2 = 15, not 16). April and May 2023 are added and consistent.
SEED_CSMARAC = (
    ("2022-04-21", 26, 7, 8),
    ("2022-06-09", 23, 5, 3),
    ("2022-07-21", 23, 3, 10),
    ("2022-09-01", 16, 2, 2),
    ("2022-10-13", 16, 2, 3),
    ("2022-11-24", 19, 6, 2),
    ("2023-01-12", 20, 3, 5),
    ("2023-02-23", 16, 1, 1),
    ("2023-04-06", 17, 2, 3),
    ("2023-05-18", 17, 3, 2),
)

#: ASB tools and powers outcomes, March to May 2023 (seed 000); other outcomes 0.
SEED_ASB_OUTCOMES = {
    "2023-03": {"CPN Written Warning": 12, "PSPO": 1},
    "2023-04": {"CPN Written Warning": 21, "PSPO": 3, "Premises Closure Order": 1},
    "2023-05": {"CPN Written Warning": 5, "CPN": 1, "CPN Breached": 2, "PSPO": 8},
}
# April 2022 to February 2023 (11 months), so the financial year holds 240 written warnings
# and 8 CPNs with March; PSPOs only from December 2022, when the borough PSPO began.
_ASB_REST = {"CPN Written Warning": 228, "CPN": 8, "CPN Breached": 3, "Injunction": 1,
             "Criminal Behaviour Order": 2, "Premises Closure Order": 2, "PSPO": 5}

_FIRST, _LAST = pd.Period("2022-04", "M"), pd.Period("2023-05", "M")
_SEED_CCTV = (pd.Period("2023-03", "M"), pd.Period("2023-05", "M"))
_DEC_FEB = (pd.Period("2022-12", "M"), pd.Period("2023-02", "M"), 381)

# Relative CCTV incidents by hour once the room was staffed 24/7: quietest 03:00-11:00.
_HOUR_WEIGHTS = np.array([6, 5, 4, 2, 1.5, 1.5, 1.5, 2, 2, 2.5, 3, 3.5,
                          5, 6, 6.5, 7, 8, 8.5, 9, 9, 8.5, 8, 7.5, 7], dtype=float)
_REACTIVE_SHARE = 0.8
# Monthly CCTV incidents outside the windows the pack reports (fewer while hours were short).
_CCTV_MONTHLY = {"before": 85.0, "after": 110.0}

# How analysts type some wards in the logs; all match the canonical names via ward_key.
_WARD_SPELLINGS = {
    "Burnt Oak": "BURNT OAK",
    "Totteridge and Woodside": "Totteridge & Woodside",
    "Childs Hill": "Child's Hill",
    "Golders Green": "GOLDERS GREEN",
    "Finchley Church End": "Finchley church end",
}
_VARIANT_SHARE = 0.3
_CAMERA_SITES = ("town centre", "station", "high road", "parade", "car park")

_ASB_CATEGORIES = ("ASB - Personal", "ASB - Nuisance", "ASB - Environmental", "Fly tipping")
_ASB_CATEGORY_P = (0.3, 0.35, 0.15, 0.2)
_ASB_MONTHLY = 30.0
_DAMARAC_MONTHLY = 32.0
_FPN_WEIGHTS = {"CST01": 10, "CST02": 2, "CST03": 2, "CST06": 1, "CST07": 4, "CST08": 1,
                "CST09": 6, "CST11": 1, "CST13": 5, "CST15": 1, "CST17": 0.5}
_FPN_MONTHS = {"2023-01": 2, "2023-02": 12, "2023-03": 18, "2023-04": 17, "2023-05": 19}
_TRIGGER_DECISIONS = ("Threshold met",) * 5 + ("Threshold not met",) * 6


def write_partnership_demo(out_dir: str | Path, seed: int = 20230719) -> Path:
    """Write the partnership demo inputs under ``out_dir/partnership`` and return that folder.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into; created if missing. Files of the same names are overwritten.
    seed : int, default 20230719
        Seed for ``numpy.random.default_rng``; the same seed gives byte-identical files. The
        tables transcribed from the board pack come out the same for every seed.

    Returns
    -------
    Path
        ``out_dir / "partnership"`` holding the files in :data:`DEMO_FILES` and a
        ``SYNTHETIC_DATA.txt`` notice.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = write_partnership_demo(tmp)
    ...     print(*sorted(p.name for p in folder.iterdir()), sep="\\n")
    ...     print((folder / "cctv_incidents.csv").read_text().splitlines()[0])
    SYNTHETIC_DATA.txt
    asb_cases.csv
    asb_outcomes.csv
    cctv_incidents.csv
    community_trigger.csv
    cs_marac_meetings.csv
    da_marac_referrals.csv
    fixed_penalty_notices.csv
    prevent_referrals.csv
    Incident ID,Date/Time,Incident Type,Ward,Proactive/Reactive,Camera/Location,Operator \
Name,Caller Name,Caller Phone,Notes
    """
    folder = Path(out_dir) / "partnership"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pii = _Planter()
    cases = _asb_cases(rng, pii)
    writers = {
        "cctv": _cctv(rng, pii),
        "asb_cases": [row[:1] + row[2:] for row in cases],
        "asb_outcomes": _asb_outcomes(rng, cases),
        "fpn": _fpn(rng, pii),
        "community_trigger": _community_trigger(rng, pii),
        "csmarac": [[_uk_date(pd.Timestamp(d)), str(h), str(n), str(c)]
                    for d, h, n, c in SEED_CSMARAC],
        "prevent": _prevent(rng, pii),
        "damarac": _damarac(rng, pii),
    }
    for key, rows in writers.items():
        _write_csv(folder / DEMO_FILES[key], _HEADERS[key], rows)
    with (folder / MARKER_FILENAME).open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(
            f"{SYNTHETIC_NOTICE}\n"
            "Partnership inputs (CCTV, ASB, FPN, Community Trigger, CS MARAC, Prevent, DA "
            "MARAC) generated by scpb_analysis.demo.partnership.write_partnership_demo with "
            f"numpy.random.default_rng({seed}). Tables the July 2023 board pack prints are "
            "reproduced exactly; every name, phone number, e-mail, address, date of birth and "
            "school is invented and planted to test the removal of personal data.\n")
    return folder


class _Planter:
    """Hands out planted personal values in turn, so every one of them is used."""

    def __init__(self) -> None:
        self._pools = {name: cycle(values) for name, values in (
            ("name", _NAMES), ("email", _EMAILS), ("phone", _PHONES), ("address", _ADDRESSES),
            ("adult_dob", _ADULT_DOBS), ("child_dob", _CHILD_DOBS), ("school", _SCHOOLS))}

    def __call__(self, kind: str) -> str:
        return next(self._pools[kind])


def _uk_date(ts: pd.Timestamp) -> str:
    return ts.strftime("%d/%m/%Y")


def _random_times(rng: np.random.Generator, month: pd.Period, n: int,
                  hours: np.ndarray | None = None) -> list[pd.Timestamp]:
    """n timestamps in ``month``; hours drawn from the weights given (else uniform)."""
    days = rng.integers(0, month.days_in_month, size=n)
    if hours is None:
        hour = rng.integers(0, 24, size=n)
    else:
        hour = rng.choice(24, size=n, p=hours / hours.sum())
    minute = rng.integers(0, 60, size=n)
    start = month.start_time
    return sorted(start + pd.Timedelta(days=int(d), hours=int(h), minutes=int(m))
                  for d, h, m in zip(days, hour, minute, strict=True))


def _typed_ward(rng: np.random.Generator, ward: str) -> str:
    variant = _WARD_SPELLINGS.get(ward)
    return variant if variant and rng.random() < _VARIANT_SHARE else ward


def _hour_weights(month: pd.Period) -> np.ndarray:
    weights = _HOUR_WEIGHTS.copy()
    if month.end_time < CONTROL_ROOM_24_7_FROM:
        # Nobody watched the cameras from 04:00 to 11:59 before September 2022.
        weights[list(UNMONITORED_HOURS)] = 0.0
    return weights


def _cctv(rng: np.random.Generator, pii: _Planter) -> list[list[str]]:
    wards = list(ward_reference("Barnet", "2022")["ward_name"])
    seed_rows = {ward: counts for ward, counts in SEED_CCTV_WARD_BY_TYPE.items() if any(counts)}
    unknown = sorted(set(seed_rows) - set(wards))
    if unknown:
        raise AssertionError(f"seed wards with incidents that are not wards: {unknown}")
    # Outside the reported window, wards and types are drawn around the seed's pattern; a
    # little weight everywhere lets wards with no incidents in the seed appear.
    ward_weight = np.array([sum(seed_rows.get(w, ())) + 1.5 for w in wards])
    type_weight = np.array([sum(c[j] for c in seed_rows.values()) + 0.5
                            for j in range(len(CCTV_INCIDENT_TYPES))])

    incidents: list[tuple[pd.Timestamp, str, str]] = []
    seed_window = pd.period_range(*_SEED_CCTV, freq="M")
    pairs = [(ward, CCTV_INCIDENT_TYPES[j]) for ward, counts in seed_rows.items()
             for j, c in enumerate(counts) for _ in range(c)]
    months = rng.integers(0, len(seed_window), size=len(pairs))
    for (ward, kind), m in zip(pairs, months, strict=True):
        month = seed_window[int(m)]
        when = _random_times(rng, month, 1, _hour_weights(month))[0]
        incidents.append((when, ward, kind))

    dec_feb = pd.period_range(_DEC_FEB[0], _DEC_FEB[1], freq="M")
    split = rng.multinomial(_DEC_FEB[2], [1 / 3] * 3)
    planned = {m: int(n) for m, n in zip(dec_feb, split, strict=True)}
    for month in pd.period_range(_FIRST, _LAST, freq="M"):
        if month in seed_window:
            continue
        if month not in planned:
            lam = _CCTV_MONTHLY["after" if month.start_time >= CONTROL_ROOM_24_7_FROM
                                else "before"]
            planned[month] = int(rng.poisson(lam))
        n = planned[month]
        ward_idx = rng.choice(len(wards), size=n, p=ward_weight / ward_weight.sum())
        type_idx = rng.choice(len(CCTV_INCIDENT_TYPES), size=n,
                              p=type_weight / type_weight.sum())
        times = _random_times(rng, month, n, _hour_weights(month))
        incidents.extend((t, wards[int(w)], CCTV_INCIDENT_TYPES[int(k)])
                         for t, w, k in zip(times, ward_idx, type_idx, strict=True))

    incidents.sort(key=lambda x: (x[0], x[1], x[2]))
    rows = []
    for i, (when, ward, kind) in enumerate(incidents, start=1):
        reactive = rng.random() < _REACTIVE_SHARE
        site = _CAMERA_SITES[int(rng.integers(len(_CAMERA_SITES)))]
        camera = wards.index(ward) * len(_CAMERA_SITES) + _CAMERA_SITES.index(site) + 1
        caller, phone, notes = "", "", ""
        if reactive and rng.random() < 0.5:
            caller, phone = pii("name"), pii("phone")
        if rng.random() < 0.2:
            notes = f"Seen near {pii('address')}; {pii('name')} spoke to officers"
        rows.append([f"CCTV-{when:%y%m}-{i:05d}", when.strftime("%d/%m/%Y %H:%M"), kind,
                     _typed_ward(rng, ward), "Reactive" if reactive else "Proactive",
                     f"Cam {camera:03d} - {ward} {site}", pii("name"), caller, phone, notes])
    return rows


def _asb_cases(rng: np.random.Generator, pii: _Planter) -> list[list[str]]:
    """Case rows with the opening date (Timestamp) kept in position 1 for linking outcomes."""
    wards = list(ward_reference("Barnet", "2022")["ward_name"])
    rows: list[list] = []
    for month in pd.period_range("2022-01", _LAST, freq="M"):
        n = int(rng.poisson(_ASB_MONTHLY))
        for when in _random_times(rng, month, n):
            day = when.normalize()
            category = _ASB_CATEGORIES[int(rng.choice(len(_ASB_CATEGORIES), p=_ASB_CATEGORY_P))]
            name = pii("name")
            rows.append([f"ASB-{day:%y}-{len(rows) + 1:05d}", day, _uk_date(day),
                         _typed_ward(rng, wards[int(rng.integers(len(wards)))]), category,
                         name, pii("address"), pii("adult_dob"),
                         f"{name} reports repeated {category.split(' - ')[-1].lower()} "
                         f"issues; call {pii('phone')}"])
    return rows


def _asb_outcomes(rng: np.random.Generator, cases: Sequence[list]) -> list[list[str]]:
    monthly: dict[pd.Period, dict[str, int]] = {
        pd.Period(m, "M"): dict(counts) for m, counts in SEED_ASB_OUTCOMES.items()}
    rest = pd.period_range(_FIRST, "2023-02", freq="M")
    for outcome, total in _ASB_REST.items():
        months = rest[rest >= pd.Period("2022-12", "M")] if outcome == "PSPO" else rest
        for month, n in zip(months, rng.multinomial(total, [1 / len(months)] * len(months)),
                            strict=True):
            if n:
                monthly.setdefault(month, {})[outcome] = int(n)

    events = []
    for month in sorted(monthly):
        for outcome in ASB_OUTCOMES:
            n = monthly[month].get(outcome, 0)
            days = rng.integers(0, month.days_in_month, size=n)
            events.extend((month.start_time + pd.Timedelta(days=int(d)), outcome) for d in days)
    events.sort(key=lambda e: (e[0], ASB_OUTCOMES.index(e[1])))

    opened = [c[1] for c in cases]
    history: dict[str, list[str]] = {}
    rows = []
    for day, outcome in events:
        eligible = [c[0] for c, o in zip(cases, opened, strict=True)
                    if o <= day - pd.Timedelta(days=7)]
        # A CPN follows a written warning, and a breach follows a CPN, on the same case.
        before = {"CPN": "CPN Written Warning", "CPN Breached": "CPN"}.get(outcome)
        earlier = [c for c in eligible if before in history.get(c, [])] if before else []
        pool = earlier or eligible
        case = pool[int(rng.integers(len(pool)))]
        history.setdefault(case, []).append(outcome)
        rows.append([case, _uk_date(day), outcome])
    return rows


def _fpn(rng: np.random.Generator, pii: _Planter) -> list[list[str]]:
    wards = list(ward_reference("Barnet", "2022")["ward_name"])
    codes = [c for c in FPN_OFFENCES if c in _FPN_WEIGHTS]
    weights = np.array([_FPN_WEIGHTS[c] for c in codes])
    rows = []
    for month, n in _FPN_MONTHS.items():
        period = pd.Period(month, "M")
        times = _random_times(rng, period, n)
        if month == "2023-01":
            # FPN pads were issued at the end of January 2023.
            times = [period.end_time.normalize() - pd.Timedelta(days=i) for i in range(n)][::-1]
        for when in times:
            code = codes[int(rng.choice(len(codes), p=weights / weights.sum()))]
            rows.append([f"FPN-{len(rows) + 1:06d}", _uk_date(when), code,
                         _typed_ward(rng, wards[int(rng.integers(len(wards)))]),
                         pii("name"), pii("address")])
    return rows


def _community_trigger(rng: np.random.Generator, pii: _Planter) -> list[list[str]]:
    days = pd.date_range("2022-04-01", "2023-02-28", freq="D")
    picked = sorted(rng.choice(len(days), size=len(_TRIGGER_DECISIONS), replace=False))
    decisions = list(rng.permutation(_TRIGGER_DECISIONS))
    return [[f"CT-{days[i]:%Y}-{n:03d}", _uk_date(days[i]), str(d), pii("name"), pii("email")]
            for n, (i, d) in enumerate(zip(picked, decisions, strict=True), start=1)]


def _quarter_margins(rng: np.random.Generator, total: int) -> dict[str, int]:
    under = int(rng.binomial(total, 0.6))
    sex = rng.multinomial(total, [0.84, 0.12, 0.04])
    ideology = rng.multinomial(total, [0.3, 0.12, 0.52, 0.06])
    return {"Under 18": under, "18 and over": total - under,
            "Male": int(sex[0]), "Female": int(sex[1]), "Not known": int(sex[2]),
            "Islamist": int(ideology[0]), "Extreme Right Wing": int(ideology[1]),
            "Mixed/Unclear/Unstable": int(ideology[2]), "Other": int(ideology[3])}


def _expand(margins: dict[str, int], labels: Iterable[str]) -> list[str]:
    return [label for label in labels for _ in range(margins[label])]


def _prevent(rng: np.random.Generator, pii: _Planter) -> list[list[str]]:
    referrals = []
    for q in pd.period_range("2021-04", "2023-03", freq="M")[::3]:
        label = fy_quarter(q)
        if label in SEED_PREVENT_Q4:
            margins = SEED_PREVENT_Q4[label]
        else:
            margins = _quarter_margins(rng, _PREVENT_TOTALS.get(label) or int(rng.poisson(20)))
        ages = _expand(margins, ("Under 18", "18 and over"))
        # Each attribute is shuffled on its own: the seed gives margins, not the cross-tab.
        sexes = list(rng.permutation(_expand(margins, ("Male", "Female", "Not known"))))
        ideologies = list(rng.permutation(_expand(
            margins, ("Islamist", "Extreme Right Wing", "Mixed/Unclear/Unstable", "Other"))))
        window = fy_quarter_window(label)
        days = pd.date_range(window.start.start_time, window.end.end_time.normalize(), freq="D")
        dates = sorted(days[rng.integers(0, len(days), size=len(ages))])
        ages = list(rng.permutation(ages))
        referrals.extend(zip(dates, ages, sexes, ideologies, strict=True))
    rows = []
    for i, (day, age, sex, ideology) in enumerate(referrals, start=1):
        child = age == "Under 18"
        rows.append([f"PRV-{day:%y}-{i:04d}", _uk_date(day), str(age), str(sex), str(ideology),
                     pii("name"), pii("child_dob" if child else "adult_dob"),
                     pii("school") if child else ""])
    return rows


def _damarac(rng: np.random.Generator, pii: _Planter) -> list[list[str]]:
    rows = []
    for month in pd.period_range(_FIRST, _LAST, freq="M"):
        for when in _random_times(rng, month, int(rng.poisson(_DAMARAC_MONTHLY))):
            repeat = rng.random() < 0.3
            children = int(min(1 + rng.poisson(0.8), 5)) if rng.random() < 0.55 else 0
            # Children may live elsewhere, so the family flag is not just children > 0.
            family = children > 0 or rng.random() < 0.1
            rows.append([f"DAM-{when:%y}-{len(rows) + 1:05d}", _uk_date(when),
                         "Y" if repeat else "N", str(children), "Y" if family else "N",
                         pii("name"), pii("name"), pii("address"), pii("phone")])
    return rows


def _write_csv(path: Path, header: list[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
