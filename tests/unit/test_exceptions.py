"""Every error the package raises on purpose is defined in one module and has one base class."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from werkzeug.exceptions import HTTPException

import referral_builder
from referral_builder.domain import errors
from referral_builder.domain.errors import ReferralBuilderError

ROOT = Path(referral_builder.__file__).parent.parent
PACKAGES = ("referral_builder", "referral_builder.forms", "referral_builder.schemas")
#: The old homes of the classes: each still answers to its old name.
OLD_NAMES = {
    "referral_builder.services.chronology": ["EventNotSaved", "EventConflict"],
    "referral_builder.services.register_marks": ["RegisterRefused"],
    "referral_builder.services.bundles": ["RowNotCommitted"],
    "referral_builder.storage.files": ["FileStoreError", "FileDamagedError"],
    "referral_builder.accounts": ["AccountError"],
    "referral_builder.accounts.passwords": ["WeakPassword"],
    "referral_builder.cli.security": ["RetentionError"],
    "referral_builder.documents._pdf_worker": ["Refused"],
    "referral_builder.documents.bundle": ["DocumentProblem"],
    "referral_builder.services.bundling": ["NotReady", "NotABundle"],
    "referral_builder.domain.lifecycle": ["NotAllowed"],
    "referral_builder.services.referrals": ["NotAllowed", "StaleVersion"],
    "referral_builder.documents.docx_pdf": ["ConversionFailed"],
    "referral_builder.documents.letters": ["LetterError", "UnknownTemplate", "MissingField",
                                           "ContactRestricted", "TemplateFailed"],
    "referral_builder.documents.safety": ["UnsafeDocument"],
    "referral_builder.documents.verify": ["NotABundle"],
    "referral_builder.services.cases": ["Conflict"],
    "referral_builder.services.evidence": ["Refused"],
    "referral_builder.services.registers": ["RegisterFileError"],
    "referral_builder.storage.backup": ["BackupError"],
}


def package_modules() -> list[str]:
    names = []
    for package in PACKAGES:
        module = importlib.import_module(package)
        names.append(package)
        for info in pkgutil.walk_packages(module.__path__, package + "."):
            if ".migrations" in info.name or info.name.endswith("__main__"):
                continue  # Alembic scripts run inside Alembic; __main__ runs the CLI
            names.append(info.name)
    return names


def defined_exceptions() -> dict[str, type[BaseException]]:
    """Each exception class defined in the package, by its module and name. Flask's HTTP
    exceptions (werkzeug's, raised to answer with a status code) are responses, not errors."""
    found = {}
    for name in package_modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, BaseException)
                    and value.__module__ == name and not issubclass(value, HTTPException)):
                found[f"{name}.{attr}"] = value
    return found


def test_every_exception_class_is_defined_in_the_errors_module():
    elsewhere = [n for n, cls in defined_exceptions().items() if cls.__module__ != errors.__name__]
    assert elsewhere == []


def test_every_exception_class_derives_from_the_base_class():
    classes = defined_exceptions()
    assert len(classes) >= 25  # the walk found them: 25 when this test was written
    assert [n for n, cls in classes.items() if not issubclass(cls, ReferralBuilderError)] == []


def test_no_class_statement_outside_the_errors_module_makes_an_exception():
    """The same rule read from the source, so a class defined under a condition or in a
    module the walk cannot import is caught too."""
    suspects = []
    for folder in (ROOT / "referral_builder", ROOT / "forms", ROOT / "schemas"):
        for path in sorted(folder.rglob("*.py")):
            if path == Path(errors.__file__):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef) and any(
                        ast.unparse(b).split(".")[-1].endswith(("Error", "Exception", "Refused"))
                        for b in node.bases):
                    suspects.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert suspects == []


def test_the_names_in_the_errors_module_are_all_distinct_classes():
    classes = {n: c for n, c in vars(errors).items()
               if inspect.isclass(c) and issubclass(c, BaseException)}
    assert len(set(classes.values())) == len(classes)


@pytest.mark.parametrize(("module", "name"), [(m, n) for m, ns in OLD_NAMES.items() for n in ns])
def test_the_old_names_still_import(module, name):
    cls = getattr(importlib.import_module(module), name)
    assert cls.__module__ == errors.__name__
    assert issubclass(cls, ReferralBuilderError)


def test_the_two_refused_are_one_class():
    from referral_builder.documents import _pdf_worker
    from referral_builder.services import evidence

    assert evidence.Refused is _pdf_worker.Refused is errors.FileRefused


def test_errors_that_were_python_errors_still_are():
    """`except OSError` and `except ValueError` keep catching what they caught before."""
    assert issubclass(errors.FileStoreError, OSError)
    assert issubclass(errors.RegisterFileError, ValueError)
    assert str(errors.FileStoreError("the disk is full")) == "the disk is full"


def test_an_error_keeps_its_fields_and_message():
    e = errors.MissingField("carers[0].address", "the carer's address")
    assert (e.path, e.need) == ("carers[0].address", "the carer's address")
    assert str(e) == "carers[0].address is empty: the letter needs the carer's address"
    assert isinstance(e, errors.LetterError)
