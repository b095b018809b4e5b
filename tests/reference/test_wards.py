"""Ward reference lists and ward-name matching."""

from __future__ import annotations

import pytest

from scpb_analysis.reference.wards import (
    UnknownWardError,
    canonical_ward_names,
    ward_key,
    ward_reference,
)


def test_reference_lists_have_the_right_wards_and_codes():
    now = ward_reference("Barnet", "2022")
    assert len(now) == 24
    assert sorted(now["ward_code"]) == [f"E0501{n}" for n in range(3628, 3652)]
    before = ward_reference("barnet", "2014")
    assert len(before) == 21 and before["ward_code"].str.startswith("E0500").all()
    # Wards that exist in one scheme only.
    assert "Whetstone" in set(now["ward_name"]) and "Whetstone" not in set(before["ward_name"])
    assert "Totteridge" in set(before["ward_name"])


@pytest.mark.parametrize(
    "given",
    ["Totteridge & Woodside", "TOTTERIDGE AND WOODSIDE", " totteridge  and woodside ",
     "Totteridge-and-Woodside", "Totteridge and Woodside."],
)
def test_spellings_of_one_ward(given):
    assert canonical_ward_names([given], "Barnet") == ["Totteridge and Woodside"]


def test_the_seed_ward_that_does_not_exist_gets_both_suggestions():
    with pytest.raises(UnknownWardError) as err:
        canonical_ward_names(["Burnt Oak", "Totteridge & Whetstone"], "Barnet")
    assert err.value.suggestions[:2] == ["Totteridge and Woodside", "Whetstone"]
    assert str(err.value) == ("'Totteridge & Whetstone' is not a Barnet ward in the 2022 "
                              "scheme; did you mean 'Totteridge and Woodside' or 'Whetstone'?")


def test_misspelling_suggests_the_close_ward():
    with pytest.raises(UnknownWardError) as err:
        canonical_ward_names(["Colindale"], "Barnet")
    assert sorted(err.value.suggestions) == ["Colindale North", "Colindale South"]
    with pytest.raises(UnknownWardError, match="did you mean 'Edgware'"):
        canonical_ward_names(["Edgwere"], "Barnet")
    # Colindale was one ward before 2022.
    assert canonical_ward_names(["colindale"], "Barnet", scheme="2014") == ["Colindale"]


def test_caller_aliases():
    aliases = {"Totteridge": "Totteridge & Woodside", "Cricklewood Broadway": "Cricklewood"}
    assert canonical_ward_names(["totteridge", "Cricklewood Broadway"], "Barnet",
                                aliases=aliases) == ["Totteridge and Woodside", "Cricklewood"]
    with pytest.raises(UnknownWardError, match="'Atlantis' is not a Barnet ward"):
        canonical_ward_names(["x"], "Barnet", aliases={"x": "Atlantis"})


def test_borough_without_reference_needs_one():
    with pytest.raises(KeyError, match="no ward reference for Brent"):
        canonical_ward_names(["Kilburn"], "Brent")
    import pandas as pd

    ref = pd.DataFrame({"ward_code": ["E05013500"], "ward_name": ["Kilburn"]})
    assert canonical_ward_names(["KILBURN"], "Brent", reference=ref) == ["Kilburn"]


def test_ward_key_is_stable():
    assert ward_key("Child's Hill") == ward_key("CHILDS HILL") == "childs hill"
