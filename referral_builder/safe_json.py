"""Parse JSON from outside (an imported case, a received bundle, a backup) within limits.

`json.loads` raises RecursionError, not ValueError, on deeply nested input, and a structure
nested just under Python's recursion limit can still overflow the stack of the code that
walks it later. `loads` refuses both with a ValueError whose message says what is wrong. The
nesting is measured on the text before it is parsed, so that the parser never goes deep: a
RecursionError caught near the top of a deep stack (a request in a busy server) can be raised
again while it is handled.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: No published format nests deeper than about 6 levels.
MAX_DEPTH = 64
#: A JSON string: removed before the brackets are counted (brackets inside it do not nest).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def loads(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse `raw`; raise ValueError (with a reason for people) when it is not valid JSON or
    is nested more than `max_depth` levels deep."""
    if text_depth(raw, stop=max_depth + 1) > max_depth:
        raise ValueError(f"it is nested more than {max_depth} levels deep")
    try:
        value = json.loads(raw)
    except UnicodeDecodeError:
        raise ValueError("it is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"it is not valid JSON ({exc.msg} at line {exc.lineno}, "
                         f"column {exc.colno})") from None
    return value  # nested no deeper than its text: `text_depth` has measured it


def text_depth(raw: bytes | str, *, stop: int | None = None) -> int:
    """How deeply brackets nest in the JSON text `raw` (strings skipped), read without
    parsing it (strings are dropped by the regular-expression engine and everything but
    brackets by bytes.translate: about 40 ms a megabyte); the count ends early once `stop`
    is reached."""
    text = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
    brackets = _STRING.sub(b"", text).translate(None, _NOT_BRACKETS)
    level = deepest = 0
    for byte in brackets:
        if byte in (91, 123):  # [ {
            level += 1
            if level > deepest:
                deepest = level
                if stop is not None and deepest >= stop:
                    return deepest
        else:
            level -= 1
    return deepest
