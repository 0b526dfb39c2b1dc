"""The administrator's audit log filter (a GET form: it changes nothing, so no CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from referral_builder.forms.fields import DateInput, Text
from wtforms.validators import Optional, ValidationError


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    email = Text("Email address of the user", [Optional()], max_length=254,
                 thing="email address", description="Leave blank for everyone")
    date_from = DateInput("From", thing="the date to start from", required=False,
                          description="For example, 27 3 2026")
    date_to = DateInput("To", thing="the date to end on", required=False)

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The date to end on must be the same as or after the date "
                                  "to start from")
