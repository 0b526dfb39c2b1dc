"""Names the bundle and its verifier share, in a module that imports nothing heavy.

`verify` needs only these four constants from the bundle; importing them from `bundle.py`
would load ReportLab, python-docx and pypdf just to read them.
"""

MANIFEST_FORMAT = "referral-bundle/1"
CASE_ATTACHMENT, REPORT_ATTACHMENT, MANIFEST_ATTACHMENT = (
    "case.json", "check-report.json", "manifest.json")
