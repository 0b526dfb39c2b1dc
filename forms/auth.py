"""Sign in."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput
from referral_builder.forms.fields import Text, enter
from wtforms import PasswordField


class SignInForm(FlaskForm):
    email = Text("Email address", [enter("your email address")], max_length=254,
                 thing="email address")
    password = PasswordField("Password", [enter("your password")], widget=GovPasswordInput())


class CodeForm(FlaskForm):
    code = Text("Code from your authenticator app", [enter("the 6-digit code from your "
                                                          "authenticator app")],
                max_length=10, thing="the code", description="The 6 digits it shows now")


class RecoveryCodeForm(FlaskForm):
    code = Text("Recovery code", [enter("a recovery code")], max_length=20,
                thing="the recovery code",
                description="One of the codes you saved when you set up your authenticator app, "
                            "for example abcde-fghjk")


class ConfirmForm(FlaskForm):
    """A button and a CSRF token."""


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", [enter("your current password")],
                                     widget=GovPasswordInput())
    new_password = PasswordField(
        "New password", [enter("a new password")], widget=GovPasswordInput(),
        description="12 characters or more. Three random words work well, for example "
                    "‘kettle orbit meadow’")


class NewRecoveryCodesForm(FlaskForm):
    """Making a new set of recovery codes needs the password or a fresh code."""

    password = PasswordField("Your password", widget=GovPasswordInput())
    code = Text("Or a code from your authenticator app", max_length=10, thing="the code",
                description="The 6 digits it shows now")

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not (self.password.data or self.code.data):
            self.password.errors = ["Enter your password, or the code your authenticator "
                                    "app shows now"]
            return False
        return True
