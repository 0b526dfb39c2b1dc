"""DfE attendance codes (domain-rules NR-02, section 2): classes, eras, the penalty set."""

from __future__ import annotations

import datetime as dt

import pytest

from referral_builder.domain import codes
from referral_builder.domain.codes import SessionClass, lookup, normalise, out_of_era
from referral_builder.domain.errors import UnknownCode

D = dt.date
BEFORE_SWITCH = D(2024, 8, 16)  # Friday before the 2024 code set
LAST_LEGACY_DAY = D(2024, 8, 18)
SWITCH = D(2024, 8, 19)  # Monday: first day of the 2024 code set
AUTUMN_2026 = D(2026, 10, 7)

# domain-rules section 2.1 "Computation sets (2024)", written out as the oracle.
PRESENT_2024 = {"/", "\\", "L"}
AEA_2024 = {"K", "V", "P", "W", "B"}
AUTH_2024 = {"C", "C1", "C2", "M", "J1", "S", "T", "R", "I", "E"}
UNAUTH_2024 = {"G", "N", "O", "U"}
NOT_POSSIBLE_2024 = {"D", "X", "Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "Z", "#"}
# Section 2.2: the legacy sets (PRESENT and UNAUTH as in 2024).
AEA_LEGACY = {"B", "J", "P", "V", "W"}
AUTH_LEGACY = {"C", "E", "F", "H", "I", "M", "R", "S", "T"}
NOT_POSSIBLE_LEGACY = {"D", "X", "Y", "Z", "#"}

EXPECTED_2024 = (
    [(c, SessionClass.PRESENT) for c in sorted(PRESENT_2024)]
    + [(c, SessionClass.AEA) for c in sorted(AEA_2024)]
    + [(c, SessionClass.AUTH) for c in sorted(AUTH_2024)]
    + [(c, SessionClass.UNAUTH) for c in sorted(UNAUTH_2024)]
)
EXPECTED_LEGACY = (
    [(c, SessionClass.PRESENT) for c in sorted(PRESENT_2024)]
    + [(c, SessionClass.AEA) for c in sorted(AEA_LEGACY)]
    + [(c, SessionClass.AUTH) for c in sorted(AUTH_LEGACY)]
    + [(c, SessionClass.UNAUTH) for c in sorted(UNAUTH_2024)]
)


class TestClassification2024:
    @pytest.mark.parametrize(("code", "cls"), EXPECTED_2024)
    def test_possible_codes_fall_in_the_class_the_spec_gives(self, code, cls):
        found = lookup(code, AUTUMN_2026)
        assert found.cls is cls
        assert found.possible

    @pytest.mark.parametrize("code", sorted(NOT_POSSIBLE_2024))
    def test_codes_outside_the_possible_sessions_are_not_possible(self, code):
        assert not lookup(code, AUTUMN_2026).possible

    @pytest.mark.parametrize("code", ["Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7"])
    def test_unable_to_attend_codes_are_not_possible_sessions(self, code):
        assert lookup(code, AUTUMN_2026).cls in (SessionClass.NOT_POSSIBLE,
                                                 SessionClass.CLOSURE)
        assert not lookup(code, AUTUMN_2026).possible

    @pytest.mark.parametrize("code", ["#", "Y4"])
    def test_planned_closure_and_whole_site_closure_mean_the_school_did_not_meet(self, code):
        assert lookup(code, AUTUMN_2026).cls is SessionClass.CLOSURE

    @pytest.mark.parametrize("code", ["Q", "Y1", "Y2", "Y3", "Y5", "Y6", "Y7", "D", "X", "Z"])
    def test_not_possible_codes_other_than_closures_mean_the_school_met(self, code):
        assert lookup(code, AUTUMN_2026).cls is SessionClass.NOT_POSSIBLE

    def test_every_2024_code_is_in_the_spec_table(self):
        spec = PRESENT_2024 | AEA_2024 | AUTH_2024 | UNAUTH_2024 | NOT_POSSIBLE_2024
        assert set(codes.CODES_2024) == spec

    def test_late_before_the_register_closed_counts_as_present(self):
        assert lookup("L", AUTUMN_2026).cls is SessionClass.PRESENT

    def test_late_after_the_register_closed_counts_as_unauthorised(self):
        assert lookup("U", AUTUMN_2026).cls is SessionClass.UNAUTH


class TestLegacyClassification:
    @pytest.mark.parametrize(("code", "cls"), EXPECTED_LEGACY)
    def test_possible_legacy_codes_fall_in_the_class_the_spec_gives(self, code, cls):
        assert lookup(code, BEFORE_SWITCH).cls is cls

    @pytest.mark.parametrize("code", sorted(NOT_POSSIBLE_LEGACY))
    def test_legacy_not_possible_codes_are_not_possible(self, code):
        assert not lookup(code, BEFORE_SWITCH).possible

    def test_every_legacy_code_is_in_the_spec_table(self):
        spec = PRESENT_2024 | AEA_LEGACY | AUTH_LEGACY | UNAUTH_2024 | NOT_POSSIBLE_LEGACY
        assert set(codes.CODES_LEGACY) == spec


class TestEraSwitch:
    def test_the_legacy_table_is_in_force_on_18_august_2024(self):
        assert codes.code_table(LAST_LEGACY_DAY) is codes.CODES_LEGACY

    def test_the_2024_table_is_in_force_from_19_august_2024(self):
        assert codes.code_table(SWITCH) is codes.CODES_2024

    def test_interview_j_before_the_switch_counts_as_attendance(self):
        j = lookup("J", LAST_LEGACY_DAY)
        assert j.cls is SessionClass.AEA
        assert not out_of_era("J", LAST_LEGACY_DAY)

    def test_interview_j_on_the_switch_day_is_out_of_era(self):
        assert out_of_era("J", SWITCH)

    def test_interview_j1_after_the_switch_is_an_authorised_absence(self):
        assert lookup("J1", SWITCH).cls is SessionClass.AUTH
        assert not out_of_era("J1", SWITCH)

    def test_j1_before_the_switch_is_read_but_out_of_era(self):
        assert lookup("J1", BEFORE_SWITCH).cls is SessionClass.AUTH
        assert out_of_era("J1", BEFORE_SWITCH)

    def test_holiday_h_after_the_switch_is_accepted_as_authorised_but_out_of_era(self):
        h = lookup("H", AUTUMN_2026)
        assert h.cls is SessionClass.AUTH
        assert out_of_era("H", AUTUMN_2026)

    def test_holiday_h_before_the_switch_is_in_era(self):
        assert not out_of_era("H", BEFORE_SWITCH)

    @pytest.mark.parametrize("code", ["K", "C1", "C2", "J1", "Q", "Y1", "Y7"])
    def test_codes_new_in_2024_are_out_of_era_before_the_switch(self, code):
        assert out_of_era(code, BEFORE_SWITCH)
        assert not out_of_era(code, SWITCH)

    @pytest.mark.parametrize("code", ["H", "F", "J", "Y"])
    def test_withdrawn_codes_are_out_of_era_after_the_switch(self, code):
        assert out_of_era(code, SWITCH)
        assert not out_of_era(code, BEFORE_SWITCH)

    @pytest.mark.parametrize("code", ["/", "\\", "L", "G", "N", "O", "U", "I", "M", "#"])
    def test_unchanged_codes_are_in_era_on_both_sides_of_the_switch(self, code):
        assert not out_of_era(code, BEFORE_SWITCH)
        assert not out_of_era(code, SWITCH)
        assert lookup(code, BEFORE_SWITCH).cls is lookup(code, SWITCH).cls

    def test_legacy_y_before_the_switch_is_not_a_possible_session(self):
        assert not lookup("Y", BEFORE_SWITCH).possible


class TestLookupErrors:
    @pytest.mark.parametrize("code", ["A", "Y8", "-", "", "present"])
    def test_an_unknown_mark_is_refused_naming_the_mark_and_the_date(self, code):
        with pytest.raises(UnknownCode) as err:
            lookup(code, AUTUMN_2026)
        assert repr(code) in str(err.value)
        assert "2026-10-07" in str(err.value)


class TestNormalise:
    @pytest.mark.parametrize(("raw", "code"), [
        (" c1 ", "C1"), ("o", "O"), ("l\t", "L"), ("/", "/"), (" \\ ", "\\"), ("#", "#"),
    ])
    def test_marks_from_an_mis_export_are_trimmed_and_upper_cased(self, raw, code):
        assert normalise(raw) == code


class TestPenaltyAndMedicalSets:
    # domain-rules 2.1, the PN column: only G, N, O and U count toward NR-09.
    @pytest.mark.parametrize("code", sorted(codes.CODES_2024))
    def test_a_code_counts_toward_the_penalty_threshold_only_if_unauthorised(self, code):
        assert (code in codes.UNAUTH_PN) == (code in UNAUTH_2024)

    def test_lateness_before_the_register_closed_never_counts_toward_the_threshold(self):
        assert "L" not in codes.UNAUTH_PN

    def test_medical_codes_are_illness_and_appointments(self):
        assert {c for c in codes.CODES_2024 if c in codes.MEDICAL} == {"I", "M"}
