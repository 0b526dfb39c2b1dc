"""Database tables. A case is stored whole, as `referral-case/1` JSON, beside a few columns
the app filters on; the JSON is validated by the case loader on every save."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES = ("school_staff", "dsl", "la_officer", "admin")
ROLE_NAMES = {"school_staff": "School staff", "dsl": "Designated safeguarding lead",
              "la_officer": "Local authority officer", "admin": "Administrator"}
CASE_STATUSES = ("draft", "submitted", "accepted", "returned")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Authority(Base):
    __tablename__ = "authorities"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)  # its checklist id
    name: Mapped[str] = mapped_column(String(200))
    #: Days after a finished referral's last change when `referral-builder retention` deletes
    #: it; None keeps cases until an administrator sets a period.
    retention_days: Mapped[int | None] = mapped_column(Integer)


class School(Base):
    __tablename__ = "schools"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    urn: Mapped[str] = mapped_column(String(20), default="")
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authorities.id"))
    head_teacher: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    authority: Mapped[Authority | None] = relationship()


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authorities.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Rotated on sign-in and sign-out: a copied cookie with an old token is refused.
    session_token: Mapped[str] = mapped_column(String(64), default="")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    #: Wrong second-factor and recovery codes, counted apart from wrong passwords; both
    #: counts go back to 0 only when a whole sign-in succeeds.
    failed_codes: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    #: Set by an administrator's reset (and for a new account's temporary password): the
    #: user must choose a new password before anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: The second factor: a TOTP key (base32), and the last step used, so a code works once.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    #: The SHA-256 of the calendar feed's secret (services/users.py); None: no feed, or revoked.
    calendar_token: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    school: Mapped[School | None] = relationship()
    authority: Mapped[Authority | None] = relationship()

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"


class RateLimitCounter(Base):
    """One fixed-window counter of the sign-in rate limits (web/rate_limits.py), shared by
    every worker through the database."""

    __tablename__ = "rate_limits"
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # Unix time


class RecoveryCode(Base):
    """A single-use code that stands in for the authenticator app; only its hash is kept."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CaseRecord(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(60), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    return_reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[str] = mapped_column(Text)  # referral-case/1 JSON
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: Set when the case came from an export zip: it cannot be sent until someone confirms
    #: the authority's evidence requirements for it (an Acknowledgement with its case_id).
    imported_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    school: Mapped[School] = relationship()
    authority: Mapped[Authority] = relationship()


class StoredFile(Base):
    """A file held for a case: evidence, a letter recorded as sent, or a built bundle."""

    __tablename__ = "case_files"
    __table_args__ = (UniqueConstraint("case_id", "doc_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # evidence, letter, bundle
    doc_id: Mapped[str | None] = mapped_column(String(60))  # id in the case's documents[]
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int | None] = mapped_column(Integer)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Acknowledgement(Base):
    """The tick-box: "I have read and understand the evidence requirements"."""

    __tablename__ = "acknowledgements"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(100))
    checklist_id: Mapped[str] = mapped_column(String(80))
    checklist_version: Mapped[str] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Submission(Base):
    """One step in a referral's history: submitted, accepted or returned (with the reason)."""

    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    bundle_file_id: Mapped[int | None] = mapped_column(ForeignKey("case_files.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Frozen at submission (issue 10): what the LA lists and reads without re-checking.
    pupil_name: Mapped[str] = mapped_column(String(200), default="")
    ready: Mapped[bool | None] = mapped_column(Boolean)
    outstanding: Mapped[int | None] = mapped_column(Integer)
    attendance_pct: Mapped[float | None] = mapped_column(Float)
    report: Mapped[str] = mapped_column(Text, default="")  # referral-check/1 JSON


class AuditEntry(Base):
    """Who viewed, downloaded, exported or was refused a child's record. Insert only: the
    database refuses UPDATE and DELETE (migration 0003). No special-category data goes in
    `detail`: ids, actions and reasons for refusal only."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(20), default="")  # allowed, refused, done
    endpoint: Mapped[str] = mapped_column(String(80), default="")  # which page or command
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


JOB_STATES = ("queued", "running", "done", "failed")


class BundleJob(Base):
    """One attempt at building a case's bundle, kept in the database so that every worker can
    report its progress and serve its result. A worker running the build renews
    `heartbeat_at`; a "running" job whose heartbeat has gone quiet was left by a dead
    process (see web/bundles.py) and may be built again."""

    __tablename__ = "bundle_jobs"
    __table_args__ = (
        # At most one live build per case, whichever worker asks.
        Index("uq_bundle_jobs_live_case", "case_id", unique=True,
              sqlite_where=text("state IN ('queued', 'running')"),
              postgresql_where=text("state IN ('queued', 'running')")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # Cascades, so that deleting a case (retention) takes its build history with it.
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    case_version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="queued")
    step: Mapped[str] = mapped_column(String(200), default="Starting")
    error: Mapped[str] = mapped_column(Text, default="")
    result_sha256: Mapped[str | None] = mapped_column(String(64))
    result_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_files.id", ondelete="SET NULL"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                ondelete="SET NULL"))
    worker: Mapped[str] = mapped_column(String(120), default="")  # host:pid
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class WorkJob(Base):
    """Slow work a user asked for (checking an uploaded file, reading a big register, drawing
    a letter as a PDF), done by a job (services/work.py) while a page shows its progress.
    `params` is JSON: what to do; `input_sha256` the uploaded file waiting in the file store
    (removed when the job ends); `result` JSON: what the page goes on to show."""

    __tablename__ = "work_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    # Cascades, so that deleting a case (retention, a withdrawn draft) takes its jobs too.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                                index=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(20), default="queued")
    step: Mapped[str] = mapped_column(String(200), default="Waiting to start")
    error: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[str] = mapped_column(Text, default="{}")
    input_sha256: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(Text, default="{}")
    worker: Mapped[str] = mapped_column(String(120), default="")  # host:pid
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class RegisterMapping(Base):
    """A school's column mapping for a register export whose shape is not detected: the next
    upload with the same header row (`header_key`, registers.header_key) is read with it.
    `columns` is JSON: role -> column heading (register_import.ROLE_NAMES)."""

    __tablename__ = "register_mappings"
    __table_args__ = (UniqueConstraint("school_id", "header_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"),
                                           index=True)
    header_key: Mapped[str] = mapped_column(String(64))
    header: Mapped[str] = mapped_column(Text, default="")  # the headings, for an admin to read
    columns: Mapped[str] = mapped_column(Text)
    saved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class FormToken(Base):
    """A create form that was saved: its one-time token and the page of the record it made.

    Every create form carries a fresh random token. The save adds this row in the same
    transaction, so a second submit of the same form (Back then Save, a double click) finds
    the row and is shown the saved record instead of making a copy. Holds no personal data."""

    __tablename__ = "form_tokens"
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    redirect_to: Mapped[str] = mapped_column(String(300))
    # A digest of what was saved: a browser that fetches the form again on Back sends a new
    # token with the same typed values, and is recognised by this instead.
    content: Mapped[str] = mapped_column(String(64), default="", index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SchoolCalendarRecord(Base):
    """A school's term dates and closure days, entered by its DSL: the `calendar` of its cases
    (referral-case/1) when planning and on export. `calendar` is that field's JSON."""

    __tablename__ = "school_calendars"
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"),
                                           primary_key=True)
    calendar: Mapped[str] = mapped_column(Text)
    saved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class LetterPdf(Base):
    """A Word document's PDF, kept so that it is drawn once (services/letter_pdfs.py): when a
    letter is recorded as sent, or at the first bundle build that needs it, and not again at
    every build. Both files are in the file store, by SHA-256; `renderer` is the renderer's
    version (documents/docx_pdf.py `renderer_version`), so a new renderer draws it afresh.
    A row lives while a case file is its Word document (storage/retention.py
    `remove_unused` deletes it, and its PDF, with the last such file)."""

    __tablename__ = "letter_pdfs"
    __table_args__ = (UniqueConstraint("docx_sha256", "renderer",
                                       name="uq_letter_pdfs_docx_renderer"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    docx_sha256: Mapped[str] = mapped_column(String(64))
    renderer: Mapped[str] = mapped_column(String(60))
    pdf_sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
