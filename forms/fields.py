"""Fields and validators with GOV.UK wording built from a noun ("Enter the date of the event")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import Field, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, StopValidation, ValidationError


def enter(thing: str) -> InputRequired:
    return InputRequired(message=f"Enter {thing}")


def select(thing: str) -> InputRequired:
    return InputRequired(message=f"Select {thing}")


class Text(StringField):
    widget = GovTextInput()

    def __init__(self, label: str = "", validators: Sequence = (), *, max_length: int = 200,
                 thing: str = "", **kw) -> None:
        thing = thing or label.lower()
        v = [*validators, Length(max=max_length,
                                 message=f"{thing[0].upper()}{thing[1:]} must be "
                                         f"{max_length} characters or fewer")]
        super().__init__(label, v, filters=[_clean], **kw)


class LongText(TextAreaField):
    widget = GovTextArea()

    def __init__(self, label: str = "", validators: Sequence = (), *, max_length: int = 5000,
                 **kw) -> None:
        v = [*validators, Length(max=max_length,
                                 message=f"{label} must be {max_length} characters or fewer")]
        super().__init__(label, v, filters=[_clean_multiline], **kw)


def _clean(value: str | None) -> str | None:
    """Strip spaces and control characters (lxml refuses them in letters)."""
    if value is None:
        return None
    return "".join(ch for ch in value if ch.isprintable()).strip()


def _clean_multiline(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.replace("\r\n", "\n")
    return "".join(ch for ch in value if ch.isprintable() or ch == "\n").strip()


class Radios(SelectField):
    widget = GovRadioInput()

    def __init__(self, label: str = "", validators: Sequence = (), **kw) -> None:
        kw.setdefault("validate_choice", True)
        super().__init__(label, validators, **kw)

    def pre_validate(self, form) -> None:
        if self.data in (None, "", "None"):
            return  # the required-ness is the InputRequired validator's job
        super().pre_validate(form)


class Dropdown(Radios):
    widget = GovSelect()


class Checkboxes(SelectMultipleField):
    widget = GovCheckboxesInput()

    def pre_validate(self, form) -> None:
        known = {str(v) for v, _ in self.choices}
        for value in self.data or []:
            if str(value) not in known:
                raise ValidationError(f"“{value}” is not one of the choices")


class YesNo(Radios):
    def __init__(self, label: str = "", validators: Sequence = (), **kw) -> None:
        super().__init__(label, validators, choices=[("yes", "Yes"), ("no", "No")], **kw)

    @property
    def boolean(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.data or "")


class DateInput(Field):
    """Day, month and year boxes; messages follow the GOV.UK date input pattern.

    A crafted POST may send fewer or more than three values for the name: that is treated
    as a bad date, never a crash (govuk-frontend-wtf's widget unpacks exactly three).
    """

    widget = GovDateInput()

    def __init__(self, label: str = "", validators: Sequence = (), *, thing: str = "",
                 required: bool = True, **kw) -> None:
        super().__init__(label, validators, **kw)
        self.thing = thing or label.lower()
        self.required = required

    def _value(self) -> str:
        return self.data.strftime("%d %m %Y") if self.data else ""

    def process_formdata(self, valuelist: list[str]) -> None:
        if len(valuelist) != 3:
            self.raw_data = ["", "", ""]
            self.data = None
            self._problem = f"Enter {self.thing}" if self.required or valuelist else None
            return
        day, month, year = (v.strip() for v in valuelist)
        self.raw_data = [day, month, year]
        self.data = None
        self._problem = None
        if not (day or month or year):
            self._problem = f"Enter {self.thing}" if self.required else None
            return
        missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v]
        if missing:
            self._problem = f"{self.thing[0].upper()}{self.thing[1:]} must include a " + \
                " and ".join(missing)
            return
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            self._problem = f"{self.thing[0].upper()}{self.thing[1:]} must be a real date"
            return
        try:
            self.data = dt.date(int(year), int(month), int(day))
        except ValueError:
            self._problem = f"{self.thing[0].upper()}{self.thing[1:]} must be a real date"

    def pre_validate(self, form) -> None:
        problem = getattr(self, "_problem", None)
        if problem is None and self.data is None and self.required and self.raw_data is None:
            problem = f"Enter {self.thing}"
        if problem:
            raise StopValidation(problem)


def not_in_future(thing: str):
    def check(form, field) -> None:
        if field.data and field.data > dt.date.today():
            raise ValidationError(f"{thing[0].upper()}{thing[1:]} must be today or in the past")
    return check


#: One upload limit for every file (register, attachments, import, bundle check), stated the
#: same way on each page; static/app.mjs stops a bigger file before it is sent.
UPLOAD_LIMIT_MB = 20
UPLOAD_LIMIT_BYTES = UPLOAD_LIMIT_MB * 1024 * 1024
TOO_BIG = f"The selected file must be smaller than {UPLOAD_LIMIT_MB}MB"
UPLOAD_HINT = f"The file must be smaller than {UPLOAD_LIMIT_MB}MB."


def small_enough(form, field) -> None:
    """Refuse an uploaded file over the limit, before it is read."""
    stream = getattr(field.data, "stream", None)
    if stream is None or not getattr(field.data, "filename", ""):
        return
    here = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(here)
    if size > UPLOAD_LIMIT_BYTES:
        raise StopValidation(TOO_BIG)
