"""The `referral-builder` command line: every subcommand, and the one place it makes the web app."""

from __future__ import annotations

from referral_builder.cli.main import main

__all__ = ["main"]
