"""The offline dependency audit: no installed package is on the known-vulnerable list."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts import dependency_audit


def test_no_installed_package_has_a_known_vulnerability() -> None:
    findings = dependency_audit.audit(dependency_audit.installed(),
                                      dependency_audit.advisories())
    assert findings == [], "\n".join(f"{f.package} {f.version}: {', '.join(f.ids)}"
                                      for f in findings)


def test_the_list_covers_the_packages_that_read_untrusted_input() -> None:
    covered = {dependency_audit.normalise(a["package"]) for a in dependency_audit.advisories()}
    assert {"pypdf", "werkzeug", "flask", "jinja2", "lxml", "pillow", "reportlab"} <= covered


def test_an_old_version_is_reported() -> None:
    findings = dependency_audit.audit({"pypdf": "3.8.0", "flask": "3.1.0", "wtforms": "1.0"},
                                      dependency_audit.advisories())
    assert {(f.package, f.ids[0]) for f in findings} >= {("pypdf", "CVE-2023-36464"),
                                                         ("flask", "CVE-2025-47278")}
    assert all(f.package != "wtforms" for f in findings)


def test_an_unparseable_version_is_reported_rather_than_passed() -> None:
    findings = dependency_audit.audit({"pypdf": "not-a-version"},
                                      dependency_audit.advisories())
    assert findings
