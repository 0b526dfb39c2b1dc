"""Fonts for generated PDFs: Liberation Sans (Arial's metrics, so lines break where Word
breaks them), DejaVu Sans for the characters Liberation lacks, else Helvetica."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph

from referral_builder.config import Config

log = logging.getLogger(__name__)

FONT_DIRS = (
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/liberation",
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
)
_DEJAVU = {"": "DejaVuSans.ttf", "-Bold": "DejaVuSans-Bold.ttf",
           "-Oblique": "DejaVuSans-Oblique.ttf", "-BoldOblique": "DejaVuSans-BoldOblique.ttf"}
_LIBERATION = {"": "LiberationSans-Regular.ttf", "-Bold": "LiberationSans-Bold.ttf",
               "-Italic": "LiberationSans-Italic.ttf",
               "-BoldItalic": "LiberationSans-BoldItalic.ttf"}

def _register(family: str, files: dict[str, Path], names: dict[str, str]) -> bool:
    try:
        for suffix, path in files.items():
            pdfmetrics.registerFont(TTFont(f"{family}{suffix}", str(path)))
    except Exception as exc:  # a damaged font file must not stop letters being made
        log.warning("cannot use the font %s: %s", family, exc)
        return False
    pdfmetrics.registerFontFamily(family, normal=family, **{k: f"{family}{v}"
                                                            for k, v in names.items()})
    return True


def _find(files: dict[str, str]) -> dict[str, Path] | None:
    extra = Config.from_env().font_dir
    for folder in ([extra] if extra else []) + list(FONT_DIRS):
        paths = {suffix: Path(folder) / file for suffix, file in files.items()}
        if all(p.is_file() for p in paths.values()):
            return paths
    return None


@lru_cache(maxsize=1)
def fallback_font() -> str | None:
    """Register DejaVu Sans (Latin, Greek, Cyrillic, Armenian, Georgian, ...) for the glyphs
    Liberation Sans lacks; return its family name, or None when it is not installed."""
    paths = _find(_DEJAVU)
    if paths is not None and _register("DejaVuSans", paths, {
            "bold": "-Bold", "italic": "-Oblique", "boldItalic": "-BoldOblique"}):
        return "DejaVuSans"
    return None


@lru_cache(maxsize=1)
def body_font() -> str:
    """Register and return the body font family: Liberation Sans (the metrics of Arial, so a
    letter's lines break where Word breaks them), else DejaVu Sans, else Helvetica.

    Liberation covers Latin, Greek and Cyrillic; any other character is drawn in DejaVu Sans
    (`FallbackParagraph`), so a name in any of the alphabets DejaVu covers prints correctly.
    """
    fallback = fallback_font()
    paths = _find(_LIBERATION)
    if paths is not None and _register("LiberationSans", paths, {
            "bold": "-Bold", "italic": "-Italic", "boldItalic": "-BoldItalic"}):
        if fallback is None:
            log.warning("DejaVu Sans not found (install fonts-dejavu-core); characters that "
                        "Liberation Sans lacks will not print")
        return "LiberationSans"
    log.warning("Liberation Sans not found (install fonts-liberation): letters are drawn in "
                "a font wider than Arial and lines may wrap differently from Word")
    if fallback is not None:
        return fallback
    log.warning("DejaVu Sans not found (install fonts-dejavu-core); accented names such as "
                "'Łukasz' may not print correctly")
    return "Helvetica"


def bold_font(family: str) -> str:
    return {"LiberationSans": "LiberationSans-Bold",
            "DejaVuSans": "DejaVuSans-Bold"}.get(family, "Helvetica-Bold")


#: The fallback face of each Liberation Sans face.
_FALLBACK_FACE = {"LiberationSans": "DejaVuSans", "LiberationSans-Bold": "DejaVuSans-Bold",
                  "LiberationSans-Italic": "DejaVuSans-Oblique",
                  "LiberationSans-BoldItalic": "DejaVuSans-BoldOblique"}


@lru_cache(maxsize=8)
def _covered(font_name: str) -> frozenset[int]:
    return frozenset(pdfmetrics.getFont(font_name).face.charToGlyph)


def _runs_by_font(text: str, font_name: str, fallback: str) -> list[tuple[str, str]]:
    """Split text into runs drawn in font_name and runs drawn in fallback (per character)."""
    covered = _covered(font_name)
    runs: list[tuple[str, str]] = []
    for ch in text:
        name = font_name if ord(ch) in covered or ch.isspace() else fallback
        if runs and runs[-1][1] == name:
            runs[-1] = (runs[-1][0] + ch, name)
        else:
            runs.append((ch, name))
    return runs


def with_fallback(frags: list[Any]) -> list[Any]:
    """Paragraph fragments with every character Liberation Sans lacks moved to DejaVu Sans."""
    if fallback_font() is None:
        return frags
    out: list[Any] = []
    for frag in frags:
        text = getattr(frag, "text", None)
        fallback = _FALLBACK_FACE.get(getattr(frag, "fontName", ""))
        if (fallback is None or not text or text.isascii() or getattr(frag, "cbDefn", None)
                or all(ord(c) in _covered(frag.fontName) for c in text)):
            out.append(frag)
            continue
        for part, name in _runs_by_font(text, frag.fontName, fallback):
            out.append(frag.clone(text=part, fontName=name))
    return out


class FallbackParagraph(Paragraph):
    """A paragraph whose characters missing from its font are drawn in DejaVu Sans."""

    def _setup(self, text: Any, style: Any, bulletText: Any, frags: Any,
               cleaner: Any) -> None:
        super()._setup(text, style, bulletText, frags, cleaner)
        parsed: list[Any] = getattr(self, "frags", None) or []
        if frags is None and parsed:  # parsed here; split parts reuse processed frags
            self.__dict__["frags"] = with_fallback(parsed)
