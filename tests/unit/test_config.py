"""One `Config` reads the environment; nothing else in the package does."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import referral_builder
from referral_builder import config
from referral_builder.config import Config
from referral_builder.domain.errors import ConfigError, ReferralBuilderError

PACKAGE = Path(referral_builder.__file__).parent
ROOT = PACKAGE.parent
#: The package's own files plus the folders installed inside it (pyproject package-dir).
SOURCES = [PACKAGE, ROOT / "forms", ROOT / "schemas"]


def environment_reads(source: str) -> list[int]:
    """Lines that read the process environment: os.environ, os.getenv, os.environb, and the
    same names imported from os."""
    tree = ast.parse(source)
    names = ("environ", "getenv", "environb")
    lines = []
    for node in ast.walk(tree):
        attribute = (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                     and node.value.id == "os" and node.attr in names)
        imported = (isinstance(node, ast.ImportFrom) and node.module == "os"
                    and any(a.name in names for a in node.names))
        if attribute or imported:
            lines.append(node.lineno)
    return lines


def test_only_config_reads_the_environment():
    offenders = [f"{path.relative_to(ROOT)}:{line}"
                 for folder in SOURCES for path in sorted(folder.rglob("*.py"))
                 if path != Path(config.__file__)
                 for line in environment_reads(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_scan_finds_each_way_of_reading_the_environment():
    sample = ("import os\nfrom os import getenv\na = os.environ.get('X')\n"
              "b = os.getenv('Y')\nc = dict(os.environ)\nd = os.path.join('a')\n")
    assert sorted(environment_reads(sample)) == [2, 3, 4, 5]


def test_with_nothing_set_the_defaults_are_those_of_a_real_deployment():
    c = Config.from_env({})
    assert c.require_totp is True
    assert c.trusted_proxies == 0
    assert c.rate_limit_per_account == "10 per 15 minutes"
    assert c.rate_limit_per_address == "100 per 15 minutes"
    assert c.forwarded_allow_ips == "127.0.0.1,::1"
    assert c.instance is c.secret_key is c.database_url is c.files_dir is c.password is None
    assert c.letter_dirs == ()
    assert not c.wants_libreoffice


def test_each_variable_is_read():
    c = Config.from_env({
        "REFERRAL_BUILDER_INSTANCE": "/srv/rb", "REFERRAL_BUILDER_SECRET_KEY": "k",
        "DATABASE_URL": "postgresql+psycopg://rb@db/rb", "REFERRAL_BUILDER_FILES_DIR": "/files",
        "REFERRAL_BUILDER_TRUSTED_PROXIES": "2", "REFERRAL_BUILDER_REQUIRE_TOTP": "0",
        "REFERRAL_BUILDER_RATE_LIMIT_PER_ACCOUNT": "20 per hour",
        "REFERRAL_BUILDER_RATE_LIMIT_PER_ADDRESS": "200 per hour",
        "GOVUK_FRONTEND_DIR": "/gf", "REFERRAL_BUILDER_PASSWORD": "correct horse battery",
        "FORWARDED_ALLOW_IPS": "10.0.0.1", "REFERRAL_BUILDER_CACHE": "/cache",
        "XDG_CACHE_HOME": "/xdg", "REFERRAL_BUILDER_FONT_DIR": "/fonts",
        "REFERRAL_BUILDER_PDF": "libreoffice", "REFERRAL_BUILDER_LETTER_DIR": "/a::/b",
    })
    assert c == Config(
        instance="/srv/rb", secret_key="k", database_url="postgresql+psycopg://rb@db/rb",
        files_dir="/files", trusted_proxies=2, require_totp=False,
        rate_limit_per_account="20 per hour", rate_limit_per_address="200 per hour",
        govuk_frontend_dir="/gf", password="correct horse battery",
        forwarded_allow_ips="10.0.0.1", checklist_cache="/cache", cache_home="/xdg",
        font_dir="/fonts", pdf_renderer="libreoffice", letter_dirs=("/a", "/b"))
    assert c.wants_libreoffice
    assert c.checklist_cache_dir == Path("/cache")


def test_every_field_names_its_variable_and_says_what_it_does():
    variables = Config.variables()
    assert len(variables) == len(Config.__dataclass_fields__)
    assert all(name.isupper() and len(doc) > 20 for name, doc in variables.items())


def test_every_variable_is_listed_in_the_architecture_document():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert [name for name in Config.variables() if f"`{name}`" not in text] == []


@pytest.mark.parametrize("value", ["1", "yes", "", "false"])
def test_the_second_factor_goes_off_only_for_0(value):
    assert Config.from_env({"REFERRAL_BUILDER_REQUIRE_TOTP": value}).require_totp is True
    assert Config.from_env({"REFERRAL_BUILDER_REQUIRE_TOTP": "0"}).require_totp is False


def test_an_empty_variable_counts_as_unset_for_folders_and_keys():
    c = Config.from_env({"REFERRAL_BUILDER_INSTANCE": "", "REFERRAL_BUILDER_SECRET_KEY": "",
                         "DATABASE_URL": "", "REFERRAL_BUILDER_PASSWORD": ""})
    assert c.instance is c.secret_key is c.database_url is c.password is None


def test_the_checklist_cache_can_be_turned_off_or_follows_xdg():
    assert Config.from_env({"REFERRAL_BUILDER_CACHE": "off"}).checklist_cache_dir is None
    assert Config.from_env({"REFERRAL_BUILDER_CACHE": "No"}).checklist_cache_dir is None
    assert Config.from_env({"XDG_CACHE_HOME": "/home/ann/.c"}).checklist_cache_dir == Path(
        "/home/ann/.c/referral-builder/checklists")


def test_a_proxy_count_that_is_not_a_number_names_the_variable():
    with pytest.raises(ConfigError, match=r"REFERRAL_BUILDER_TRUSTED_PROXIES .* 'two'"):
        Config.from_env({"REFERRAL_BUILDER_TRUSTED_PROXIES": "two"})
    assert issubclass(ConfigError, ReferralBuilderError)
    assert issubclass(ConfigError, ValueError)  # int() raised ValueError before


def test_from_env_reads_the_process_environment_when_called(monkeypatch):
    monkeypatch.setenv("REFERRAL_BUILDER_FILES_DIR", "/srv/files-one")
    assert Config.from_env().files_dir == "/srv/files-one"
    monkeypatch.setenv("REFERRAL_BUILDER_FILES_DIR", "/srv/files-two")
    assert Config.from_env().files_dir == "/srv/files-two"


def test_the_test_config_ignores_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("REFERRAL_BUILDER_SECRET_KEY", "from-the-environment")
    c = Config.for_tests(tmp_path, trusted_proxies=1)
    assert (c.instance, c.secret_key, c.require_totp) == (str(tmp_path), "test", False)
    assert c.trusted_proxies == 1
    assert c.checklist_cache_dir is None


def test_the_app_takes_its_settings_from_the_config(tmp_path, monkeypatch):
    from referral_builder.web import create_app

    monkeypatch.setenv("REFERRAL_BUILDER_RATE_LIMIT_PER_ACCOUNT", "1 per day")
    app = create_app({"TESTING": True}, Config.for_tests(
        tmp_path / "instance", rate_limit_per_address="7 per hour", trusted_proxies=1))
    assert app.config["SECRET_KEY"] == "test"
    assert app.config["REQUIRE_TOTP"] is False
    assert app.config["RATE_LIMIT_PER_ADDRESS"] == "7 per hour"
    assert app.config["RATE_LIMIT_PER_ACCOUNT"] == "10 per 15 minutes"  # not the environment's
    assert app.config["TRUSTED_PROXIES"] == 1
    assert app.config["FILES_DIR"] == str(tmp_path / "instance" / "files")
    assert app.extensions["config"].secret_key == "test"
    app.extensions["db"].engine.dispose()


def test_the_app_reads_the_environment_when_built(tmp_path, monkeypatch):
    from referral_builder.web import create_app

    monkeypatch.setenv("REFERRAL_BUILDER_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("REFERRAL_BUILDER_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("REFERRAL_BUILDER_REQUIRE_TOTP", "0")
    monkeypatch.setenv("REFERRAL_BUILDER_RATE_LIMIT_PER_ACCOUNT", "20 per hour")
    app = create_app({"TESTING": True})
    assert app.instance_path == str((tmp_path / "instance").resolve())
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["REQUIRE_TOTP"] is False
    assert app.config["RATE_LIMIT_PER_ACCOUNT"] == "20 per hour"
    app.extensions["db"].engine.dispose()
