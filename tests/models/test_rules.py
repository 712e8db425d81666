"""Billing rules from shared/domain/rules.md: one test per boundary. Plain pytest, no Streamlit."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.rules import (
    CODES,
    CONFIDENCE_THRESHOLD,
    INDIVIDUAL_FALLBACK,
    check_group_size,
    first_unit_minutes,
    instructor_warning,
    is_low_confidence,
    is_qualified_instructor,
    suggest_code,
    unit_hours,
    units_for_minutes,
)

ROOT = Path(__file__).resolve().parents[2]
MIDPOINT_CODES = ("98960", "98961", "98962")
FULL_CODES = ("G0108", "G0109")

# ---------------------------------------------------------------- units from minutes

MIDPOINT_CASES = [(0, 0), (15, 0), (16, 1), (45, 1), (46, 2), (75, 2), (76, 3), (105, 3), (106, 4)]
FULL_CASES = [(0, 0), (29, 0), (30, 1), (59, 1), (60, 2), (89, 2), (90, 3), (119, 3), (120, 4)]


@pytest.mark.parametrize("code", MIDPOINT_CODES)
@pytest.mark.parametrize(("minutes", "units"), MIDPOINT_CASES)
def test_midpoint_rule(code: str, minutes: int, units: int):
    assert units_for_minutes(code, minutes) == units


@pytest.mark.parametrize("code", FULL_CODES)
@pytest.mark.parametrize(("minutes", "units"), FULL_CASES)
def test_full_increments_only_for_dsmt(code: str, minutes: int, units: int):
    assert units_for_minutes(code, minutes) == units


@pytest.mark.parametrize("code", MIDPOINT_CODES + FULL_CODES)
def test_partial_minutes_are_dropped(code: str):
    # 15.9 minutes is 15 whole minutes (no unit); 29.99 is 29 (no DSMT unit)
    assert units_for_minutes(code, 15.9) == 0
    assert units_for_minutes(code, 29.99) == (0 if code in FULL_CODES else 1)


@pytest.mark.parametrize("code", MIDPOINT_CODES + FULL_CODES)
@pytest.mark.parametrize("minutes", [-1, -30, -0.5])
def test_negative_minutes_give_no_units(code: str, minutes: float):
    assert units_for_minutes(code, minutes) == 0


def test_rule_per_code_matches_table():
    assert {c for c, spec in CODES.items() if spec.unit_rule == "midpoint"} == set(MIDPOINT_CODES)
    assert {c for c, spec in CODES.items() if spec.unit_rule == "full"} == set(FULL_CODES)


# ---------------------------------------------------------------- group size


def _ok(code: str, patients: int) -> None:
    check = check_group_size(code, patients)
    assert check.ok and not check.refused, check
    assert check.suggested_code is None


def _suggests(code: str, patients: int, other: str) -> str:
    check = check_group_size(code, patients)
    assert not check.ok and not check.refused, check
    assert check.suggested_code == other
    assert other in check.message
    return check.message


def _refused(code: str, patients: int) -> str:
    check = check_group_size(code, patients)
    assert not check.ok and check.refused, check
    assert check.suggested_code is None
    return check.message


def test_98960_individual():
    _ok("98960", 1)
    _suggests("98960", 2, "98961")
    _refused("98960", 0)


def test_98961_group_of_2_to_4():
    msg = _suggests("98961", 1, "98960")
    assert "individual" in msg.lower() and "98961" in msg
    _ok("98961", 2)
    _ok("98961", 4)
    _suggests("98961", 5, "98962")
    _refused("98961", 0)


def test_98962_group_of_5_to_8():
    _suggests("98962", 1, "98960")
    _suggests("98962", 4, "98961")
    _ok("98962", 5)
    _ok("98962", 8)
    msg = _refused("98962", 9)
    assert "Split" in msg
    _refused("98962", 0)


def test_g0109_group_of_2_to_20():
    msg = _suggests("G0109", 1, "G0108")
    assert "individual" in msg.lower() and "G0109" in msg
    _ok("G0109", 2)
    _ok("G0109", 20)
    msg = _refused("G0109", 21)
    assert "20" in msg
    _refused("G0109", 0)


def test_g0108_individual():
    _ok("G0108", 1)
    _suggests("G0108", 2, "G0109")
    _refused("G0108", 21)
    _refused("G0108", 0)


@pytest.mark.parametrize("code", list(CODES))
def test_no_patients_is_refused_for_every_code(code: str):
    msg = _refused(code, 0)
    assert "No patients" in msg
    _refused(code, -1)


def test_individual_fallback_for_every_group_code():
    for code, spec in CODES.items():
        if spec.is_group:
            fallback = INDIVIDUAL_FALLBACK[code]
            assert CODES[fallback].min_patients == CODES[fallback].max_patients == 1
            assert CODES[fallback].dsmt == spec.dsmt


def test_suggestions_stay_in_the_same_family():
    # a CPT group is never pointed at Medicare DSMT codes, or the other way round
    assert suggest_code("98962", 12) is None
    assert suggest_code("G0109", 21) is None
    assert suggest_code("98961", 20) is None
    assert suggest_code("G0108", 6) == "G0109"


# ---------------------------------------------------------------- instructors


@pytest.mark.parametrize("credential", ["RN", "RD", "RDN", "Pharmacist", "PharmD", "RN, CDCES", "CDCES, RD",
                                        "RD/CDCES", "rn", " Pharmacist "])
def test_qualified_instructor(credential: str):
    assert is_qualified_instructor(credential)


@pytest.mark.parametrize("credential", ["CDCES", "CHW", "", None, "NP", "MD", "Other", "CDCES, CHW", "RNA",
                                        "PRN"])
def test_not_qualified_instructor(credential: str | None):
    assert not is_qualified_instructor(credential)


@pytest.mark.parametrize("code", list(CODES))
def test_dsmt_instructor_warning_only_for_dsmt_codes(code: str):
    warning = instructor_warning(code, "CDCES")
    assert (warning is not None) == CODES[code].dsmt
    assert instructor_warning(code, "RN, CDCES") is None


# ---------------------------------------------------------------- derived numbers


@pytest.mark.parametrize("code", list(CODES))
def test_first_unit_minutes_is_the_boundary_of_the_unit_rule(code: str):
    n = first_unit_minutes(code)
    assert units_for_minutes(code, n - 1) == 0 and units_for_minutes(code, n) == 1
    assert n == (16 if code in MIDPOINT_CODES else 30)


def test_unit_hours():
    assert [unit_hours(u) for u in (0, 1, 2, 3, 20)] == [0.0, 0.5, 1.0, 1.5, 10.0]


def test_low_confidence_boundary():
    assert CONFIDENCE_THRESHOLD == 7  # Brief Action Planning (rules.md)
    assert is_low_confidence(6) and not is_low_confidence(7) and not is_low_confidence(10) and is_low_confidence(0)
