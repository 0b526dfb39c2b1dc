"""Who did it: one table of the ways schools write a role (issue 13.4)."""

from __future__ import annotations

#: One table of role synonyms (issue 13.4): every spelling a school uses -> one role.
ROLE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "attendance_officer": ("ao", "la_ao", "la_attendance_officer", "attendance_officer",
                           "local_authority_attendance_officer", "education_welfare_officer",
                           "ewo", "attendance_lead_officer"),
    "assistant_head": ("aht", "aht_inclusion", "assistant_head", "assistant_head_inclusion",
                       "assistant_head_teacher", "assistant_headteacher",
                       "assistant_head_teacher_inclusion", "assistant_headteacher_inclusion",
                       "assistant_principal", "inclusion_lead"),
    "child_and_family_support_worker": ("c_and_fsw", "cfsw", "c_fsw", "candfsw",
                                        "child_and_family_support_worker",
                                        "child_family_support_worker",
                                        "family_support_worker", "fsw"),
    "head_of_academy": ("head_of_academy", "academy_head", "principal"),
    "head": ("head", "head_teacher", "headteacher", "headmaster", "headmistress"),
    "head_of_school": ("head_of_school", "hos"),
    "executive_headteacher": ("executive_headteacher", "executive_head_teacher",
                              "executive_head", "eht"),
    "deputy_head": ("deputy_head", "deputy_head_teacher", "deputy_headteacher", "dht",
                    "deputy_head_of_school", "deputy_principal"),
    "class_teacher": ("class_teacher", "teacher", "form_tutor"),
    "dsl": ("dsl", "designated_safeguarding_lead"),
    "ddsl": ("ddsl", "deputy_designated_safeguarding_lead", "deputy_dsl"),
    "school_nurse": ("school_nurse", "school_nursing_service", "nurse"),
    "senco": ("senco", "special_educational_needs_coordinator", "sendco"),
}
ROLE_ALIASES = {alias: role for role, aliases in ROLE_SYNONYMS.items() for alias in aliases}


def normalise_role(role: str) -> str:
    """Reduce a role as people write it ("AHT (Inclusion)", "C&FSW") to its table entry."""
    text = role.lower().replace("&", " and ")
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    key = "_".join(text.split())
    return ROLE_ALIASES.get(key, key)

