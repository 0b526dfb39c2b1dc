"""Every setting the package reads from the environment, in one place.

`Config.from_env()` reads the environment once and returns a frozen `Config`; nothing else in
`referral_builder` reads `os.environ` (tests/unit/test_config.py checks the source). The app
factory, each command and each document function call it when they start, so a value set
before they run (a deployment's unit file, a test's `monkeypatch.setenv`) is the one used.
`Config.for_tests()` is the same settings without the environment, for tests.

Each field names its variable and says what it does; an empty variable counts as unset
except where noted.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from referral_builder.domain.errors import ConfigError


def _setting(env: str, doc: str, default: Any = None) -> Any:
    return field(default=default, metadata={"env": env, "doc": doc})


@dataclass(frozen=True)
class Config:
    # ---- the web app --------------------------------------------------------------------
    instance: str | None = _setting(
        "REFERRAL_BUILDER_INSTANCE",
        "Folder for the SQLite database, the secret key file and the file store "
        "(default: Flask's instance folder beside the package).")
    secret_key: str | None = _setting(
        "REFERRAL_BUILDER_SECRET_KEY",
        "Key that signs sessions and forms (default: a random key kept in "
        "INSTANCE/secret_key, made on first start).")
    database_url: str | None = _setting(
        "DATABASE_URL",
        "SQLAlchemy URL of the database, e.g. postgresql+psycopg://... "
        "(default: SQLite in the instance folder).")
    files_dir: str | None = _setting(
        "REFERRAL_BUILDER_FILES_DIR",
        "Folder of the file store for evidence and bundles (default: INSTANCE/files).")
    trusted_proxies: int = _setting(
        "REFERRAL_BUILDER_TRUSTED_PROXIES",
        "How many reverse proxies set X-Forwarded-* headers in front of the app "
        "(default 0: the headers are ignored).", 0)
    require_totp: bool = _setting(
        "REFERRAL_BUILDER_REQUIRE_TOTP",
        "A second sign-in factor (TOTP) for every account; only the value 0 turns it off, "
        "for a local demo (default: on).", True)
    rate_limit_per_account: str = _setting(
        "REFERRAL_BUILDER_RATE_LIMIT_PER_ACCOUNT",
        "POSTs to the sign-in and account pages allowed per account, e.g. \"20 per hour\" "
        "(default: 10 per 15 minutes; an empty value is kept as it is).",
        "10 per 15 minutes")
    rate_limit_per_address: str = _setting(
        "REFERRAL_BUILDER_RATE_LIMIT_PER_ADDRESS",
        "The same per client address, looser since a school's staff often share one "
        "(default: 100 per 15 minutes; an empty value is kept as it is).",
        "100 per 15 minutes")
    govuk_frontend_dir: str | None = _setting(
        "GOVUK_FRONTEND_DIR",
        "Folder of GOV.UK Frontend's dist/govuk (default: node_modules/govuk-frontend/"
        "dist/govuk in the source tree).")
    # ---- the command line -----------------------------------------------------------------
    password: str | None = _setting(
        "REFERRAL_BUILDER_PASSWORD",
        "Password for create-user and reset-password, instead of asking at the terminal.")
    forwarded_allow_ips: str = _setting(
        "FORWARDED_ALLOW_IPS",
        "Addresses gunicorn (`serve`) trusts for X-Forwarded-Proto (default: 127.0.0.1,::1, "
        "a reverse proxy on the same host; an empty value is kept as it is).",
        "127.0.0.1,::1")
    checklist_cache: str = _setting(
        "REFERRAL_BUILDER_CACHE",
        "Folder of the parsed-checklist cache, or off, 0 or no for none "
        "(default: XDG_CACHE_HOME/referral-builder/checklists).", "")
    cache_home: str | None = _setting(
        "XDG_CACHE_HOME", "The user's cache folder (default: ~/.cache).")
    # ---- documents --------------------------------------------------------------------------
    font_dir: str | None = _setting(
        "REFERRAL_BUILDER_FONT_DIR",
        "A folder searched first for the fonts of letters and bundle pages.")
    pdf_renderer: str = _setting(
        "REFERRAL_BUILDER_PDF",
        "libreoffice: turn Word documents into PDF with LibreOffice when it is installed "
        "(default: the built-in renderer).", "")
    letter_dirs: tuple[str, ...] = _setting(
        "REFERRAL_BUILDER_LETTER_DIR",
        "Folders of a school's own letter templates, separated by the path separator (:), "
        "searched before the built-in ones.", ())
    # ---- object storage and jobs (docs/deploy.md) ---------------------------------------------
    storage: str | None = _setting(
        "REFERRAL_BUILDER_STORAGE",
        "s3://bucket/prefix: evidence and bundles in S3-compatible object storage "
        "(default: the local folder FILES_DIR).")
    s3_endpoint: str | None = _setting(
        "REFERRAL_BUILDER_S3_ENDPOINT", "The S3 server's URL (default: AWS).")
    s3_region: str | None = _setting("REFERRAL_BUILDER_S3_REGION", "The S3 server's region.")
    s3_access_key: str | None = _setting(
        "REFERRAL_BUILDER_S3_ACCESS_KEY",
        "S3 access key (default: boto3's own chain: AWS_* variables, profile, instance role).")
    s3_secret_key: str | None = _setting(
        "REFERRAL_BUILDER_S3_SECRET_KEY", "S3 secret key (default: boto3's own chain).")
    s3_sse: str = _setting(
        "REFERRAL_BUILDER_S3_SSE",
        "Server-side encryption asked of the S3 server: AES256 (default), aws:kms, or none.",
        "AES256")
    s3_kms_key_id: str | None = _setting(
        "REFERRAL_BUILDER_S3_KMS_KEY_ID", "The KMS key when REFERRAL_BUILDER_S3_SSE=aws:kms.")
    jobs: str | None = _setting(
        "REFERRAL_BUILDER_JOBS",
        "How slow work runs: in-process or procrastinate (default: procrastinate on "
        "PostgreSQL, in-process on SQLite).")
    worker_heartbeat: float = _setting(
        "REFERRAL_BUILDER_WORKER_HEARTBEAT",
        "Seconds between a job worker's heartbeats (default 5).", 5.0)
    worker_stalled: float = _setting(
        "REFERRAL_BUILDER_WORKER_STALLED",
        "Seconds without a heartbeat after which a worker's jobs are given to another "
        "(default 30).", 30.0)

    # ---- reading ------------------------------------------------------------------------------

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """The settings from `environ` (default: this process's environment)."""
        env = os.environ if environ is None else environ
        return cls(
            instance=env.get("REFERRAL_BUILDER_INSTANCE") or None,
            secret_key=env.get("REFERRAL_BUILDER_SECRET_KEY") or None,
            database_url=env.get("DATABASE_URL") or None,
            files_dir=env.get("REFERRAL_BUILDER_FILES_DIR") or None,
            trusted_proxies=_whole_number(env, "REFERRAL_BUILDER_TRUSTED_PROXIES", 0),
            require_totp=env.get("REFERRAL_BUILDER_REQUIRE_TOTP", "1") != "0",
            rate_limit_per_account=env.get("REFERRAL_BUILDER_RATE_LIMIT_PER_ACCOUNT",
                                           cls.rate_limit_per_account),
            rate_limit_per_address=env.get("REFERRAL_BUILDER_RATE_LIMIT_PER_ADDRESS",
                                           cls.rate_limit_per_address),
            govuk_frontend_dir=env.get("GOVUK_FRONTEND_DIR") or None,
            password=env.get("REFERRAL_BUILDER_PASSWORD") or None,
            forwarded_allow_ips=env.get("FORWARDED_ALLOW_IPS", cls.forwarded_allow_ips),
            checklist_cache=env.get("REFERRAL_BUILDER_CACHE", ""),
            cache_home=env.get("XDG_CACHE_HOME") or None,
            font_dir=env.get("REFERRAL_BUILDER_FONT_DIR") or None,
            pdf_renderer=env.get("REFERRAL_BUILDER_PDF", ""),
            letter_dirs=tuple(d for d in env.get("REFERRAL_BUILDER_LETTER_DIR", "")
                              .split(os.pathsep) if d),
            storage=env.get("REFERRAL_BUILDER_STORAGE") or None,
            s3_endpoint=env.get("REFERRAL_BUILDER_S3_ENDPOINT") or None,
            s3_region=env.get("REFERRAL_BUILDER_S3_REGION") or None,
            s3_access_key=env.get("REFERRAL_BUILDER_S3_ACCESS_KEY") or None,
            s3_secret_key=env.get("REFERRAL_BUILDER_S3_SECRET_KEY") or None,
            s3_sse=env.get("REFERRAL_BUILDER_S3_SSE", cls.s3_sse).strip(),
            s3_kms_key_id=env.get("REFERRAL_BUILDER_S3_KMS_KEY_ID") or None,
            jobs=env.get("REFERRAL_BUILDER_JOBS", "").strip() or None,
            worker_heartbeat=_seconds(env, "REFERRAL_BUILDER_WORKER_HEARTBEAT",
                                      cls.worker_heartbeat),
            worker_stalled=_seconds(env, "REFERRAL_BUILDER_WORKER_STALLED", cls.worker_stalled),
        )

    @classmethod
    def for_tests(cls, instance: str | Path | None = None, **overrides: Any) -> Config:
        """Settings for a test: nothing from the environment, a fixed secret key, no second
        factor, no checklist cache; `overrides` change any field."""
        base = cls(instance=str(instance) if instance is not None else None,
                   secret_key="test", require_totp=False, checklist_cache="off")
        return dataclasses.replace(base, **overrides)

    # ---- derived values -----------------------------------------------------------------------

    def flask_settings(self) -> dict[str, Any]:
        """The app-wide Flask settings that come from here (build_app's config wins)."""
        return {"RATE_LIMIT_PER_ACCOUNT": self.rate_limit_per_account,
                "RATE_LIMIT_PER_ADDRESS": self.rate_limit_per_address,
                "REQUIRE_TOTP": self.require_totp,
                "TRUSTED_PROXIES": self.trusted_proxies}

    def storage_settings(self) -> dict[str, Any]:
        """The file store's Flask settings (`storage.files.open_store` reads them)."""
        sse = "" if self.s3_sse.lower() in ("", "none", "off") else self.s3_sse
        return {"STORAGE": self.storage, "S3_ENDPOINT": self.s3_endpoint,
                "S3_REGION": self.s3_region, "S3_ACCESS_KEY": self.s3_access_key,
                "S3_SECRET_KEY": self.s3_secret_key, "S3_SSE": sse,
                "S3_KMS_KEY_ID": self.s3_kms_key_id}

    @property
    def checklist_cache_dir(self) -> Path | None:
        """Where parsed checklists are cached, or None when the cache is off."""
        if self.checklist_cache.lower() in ("off", "0", "no"):
            return None
        if self.checklist_cache:
            return Path(self.checklist_cache)
        base = self.cache_home or str(Path.home() / ".cache")
        return Path(base) / "referral-builder" / "checklists"

    @property
    def wants_libreoffice(self) -> bool:
        return self.pdf_renderer == "libreoffice"

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Each environment variable read, with its documentation line."""
        return {f.metadata["env"]: f.metadata["doc"] for f in dataclasses.fields(cls)}


def child_environment(keep: tuple[str, ...] | None = None) -> dict[str, str]:
    """A copy of this process's environment for a child process (only `keep`'s names when
    given): pg_dump and pg_restore need PATH and the PG* variables, the PDF worker only
    PATH, LANG and the like."""
    if keep is None:
        return dict(os.environ)
    return {k: v for k, v in os.environ.items() if k in keep}


def _whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {raw!r}") from None
