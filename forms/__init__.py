"""WTForms classes for the web app, one module per wizard section (installed as
`referral_builder.forms`)."""
