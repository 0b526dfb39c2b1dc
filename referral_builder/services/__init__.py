"""The use-cases: what the web app, the command line and the job runner ask for.

`checking` loads and checks a case; `cases` creates, saves, exports and imports cases;
`evidence` accepts an uploaded document; `bundles` builds a bundle as a job; `registers` reads
register files; `demo` makes the demo authority, school and case.
"""
