"""Carers: every adult with parental responsibility or day-to-day care."""

from __future__ import annotations

from referral_builder.forms.case import VersionedForm
from referral_builder.forms.fields import LongText, Radios, Text, YesNo, enter, select
from wtforms.validators import Optional, Regexp

RELATIONSHIPS = [
    ("mother", "Mother"),
    ("father", "Father"),
    ("step_parent", "Step-parent"),
    ("grandparent", "Grandparent"),
    ("foster_carer", "Foster carer"),
    ("other", "Other"),
]


class CarerForm(VersionedForm):
    name = Text("Full name", [enter("the carer’s full name")], thing="the full name")
    relationship = Radios(
        "Relationship to the pupil",
        [select("the relationship to the pupil")],
        choices=RELATIONSHIPS,
    )
    parental_responsibility = YesNo(
        "Do they have parental responsibility?",
        [select("whether they have parental responsibility")],
    )
    day_to_day_care = YesNo(
        "Do they care for the pupil day to day?",
        [select("whether they care for the pupil day to day")],
    )
    address = Text("Address", [enter("the carer’s address")], max_length=300, thing="the address")
    email = Text(
        "Email address (optional)",
        [
            Optional(),
            Regexp(
                r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                message="Enter an email address in the correct format, like name@example.com",
            ),
        ],
        max_length=254,
        thing="the email address",
    )
    phone = Text("Phone number (optional)", max_length=40, thing="the phone number")
    contact_restriction = LongText(
        "Contact restriction (optional)",
        max_length=500,
        description="Only if the school must not contact them, for example because of a court "
        "order. Say why.",
    )


class AddAnotherForm(VersionedForm):
    add_another = YesNo(
        "Do you need to add another parent or carer?",
        [select("whether you need to add another parent or carer")],
    )
