"""Every checklist file follows the same shape: the normative ids, a gate, hints and sources."""

from __future__ import annotations

import re

import pytest

from referral_builder.checklists import all_checklists, get_checklist

#: Item ids from shared/domain-rules.md section 3 (normative), plus each file's CSA gate.
IDS = {
    "walsall": {
        "wal_gate_csa", "wal_gate_window", "wal_gate_confirmation",
        "wal_letters_attendance_concern", "wal_meeting_invite_written", "wal_post_meeting_letter",
        "wal_external_party_communication", "wal_medical_investigated",
        "wal_letters_continued_concern", "wal_support_referrals",
        "wal_warning_letter_each_parent", "wal_chronology", "wal_current_attendance_certificate",
    },
    "bloxwich-academy": {
        "blx_gate_csa", "blx_phone_email_all_parents", "blx_stage1_letters",
        "blx_stage1_six_week_period", "blx_medical_proof_required", "blx_warning_letter_92",
        "blx_no_auth_without_medical", "blx_meeting_invite_ao", "blx_meeting_text_reminder",
        "blx_dna_letter_and_reinvite", "blx_early_help_offered",
        "blx_parenting_contract_offered", "blx_post_meeting_letter_ao",
        "blx_external_party_communication", "blx_medical_investigated_aht",
        "blx_gp_consent_requested", "blx_letters_continued_concern", "blx_support_evidence",
        "blx_warning_letter_each_parent", "blx_ao_request_record_of_support",
        # issue 13.2: every seed requirement a dated record can prove
        "blx_stage2_second_meeting", "blx_stage3_second_ao_letter",
    },
    "staged-academy": {
        "sif_gate_csa", "sif_first_day_call", "sif_n_code_letter", "sif_n_to_o", "sif_letter_2",
        "sif_letter_3_meeting", "sif_medical_pattern_letter", "sif_attendance_panel_meeting",
        "sif_enforcement_letter_1", "sif_initial_review", "sif_stage2_enforcement_option",
        "sif_stage3_la_referral",
        # issue 13.2
        "sif_letter_2_attendance_check", "sif_letter_3_attendance_check",
        "sif_panel_family_record", "sif_panel_review_period",
    },
    "east-sussex": {
        "esx_gate_csa", "esx_letter_1_warning", "esx_meeting_teacher_deputy",
        "esx_letter_2_actions", "esx_meeting_hos", "esx_letter_3_second_warning",
        "esx_punctuality_warning", "esx_la_referral", "esx_penalty_notice",
        "esx_ast_support_measures_compiled", "esx_ast_parent_contract_reviewed",
        "esx_ast_spoc_consulted", "esx_ast_referral_form", "esx_ast_apdr_pupil_voice",
        "esx_ast_support_plan_review",
        # issue 13.2
        "esx_unexplained_absence_call", "esx_code_deadline", "esx_ast_attendance_plan",
        "esx_ast_tier4_ehkw_referral",
    },
    "stockport": {
        "stk_gate_csa", "stk_s3_stage1_2_actions", "stk_s3_non_engagement", "stk_s3_threshold",
        "stk_s3_why_parents_could_do_more", "stk_s3_tac_cp_consultation",
        "stk_s3b_tac_cp_evidence",
        # issue 13.2: Stage 1 and Stage 2 actions (domain-rules 3.5)
        "stk_s1_contact_meeting", "stk_s1_inform_social_worker", "stk_s1_send_check",
        "stk_s1_in_school_difficulties", "stk_s1_medical_needs", "stk_s1_catch_up",
        "stk_s1_medical_action_plan", "stk_s1_anxiety_support", "stk_s1_eha_offer",
        "stk_s1_tac_collaboration", "stk_s1_letter_all_adults", "stk_s2_letter",
        "stk_s2_school_attendance_meeting", "stk_s2_eha_reoffer", "stk_s2_plan_reviews",
        "stk_s2_tac_cp_alternative", "stk_s2_first_day_calling", "stk_s2_end_of_period_review",
        "stk_s2_accurate_marks", "stk_s2_sickness_return", "stk_s2_missing_from_school",
    },
}
KINDS = {"walsall": "authority", "bloxwich-academy": "school_process",
         "staged-academy": "school_process", "east-sussex": "authority",
         "stockport": "authority"}
WINDOWS = {"walsall": 12, "bloxwich-academy": 12, "staged-academy": None,
           "east-sussex": None, "stockport": None}


def test_every_seed_process_has_a_checklist():
    assert set(IDS) <= set(all_checklists())


@pytest.mark.parametrize("checklist_id", sorted(IDS))
def test_item_ids_are_the_normative_ones(checklist_id):
    assert {i.id for i in get_checklist(checklist_id).items} == IDS[checklist_id]


@pytest.mark.parametrize("checklist_id", sorted(IDS))
def test_each_checklist_opens_with_a_mandatory_compulsory_school_age_gate(checklist_id):
    c = get_checklist(checklist_id)
    gate = c.items[0]
    assert gate.id == f"{c.prefix}_gate_csa"
    assert gate.mandatory and [r.name for r in gate.rules] == ["csa"]


@pytest.mark.parametrize("checklist_id", sorted(IDS))
def test_kind_window_and_source_match_the_seed(checklist_id):
    c = get_checklist(checklist_id)
    assert c.kind == KINDS[checklist_id]
    assert c.param("window_school_weeks") == WINDOWS[checklist_id]
    assert re.fullmatch(r"00[0-4]_[0-9a-f]{16}\.txt", c.source_file)
    assert c.effective_from is not None and c.version


@pytest.mark.parametrize("checklist_id", sorted(IDS))
def test_every_item_that_needs_evidence_says_what_to_record(checklist_id):
    lacking = [i.id for i in get_checklist(checklist_id).items
               if i.evidence is not None and i.requirement != "optional" and not i.missing]
    assert lacking == []


def test_the_east_sussex_federation_is_another_name_for_east_sussex():
    assert get_checklist("east-sussex-federation").id == "east-sussex"
