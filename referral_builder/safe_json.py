"""Parse JSON from outside (an imported case, a received bundle, a backup) within limits.

`json.loads` raises RecursionError, not ValueError, on deeply nested input, and a structure
nested just under Python's recursion limit can still overflow the stack of the code that
walks it later. `loads` refuses both with a ValueError whose message says what is wrong.
"""

from __future__ import annotations

import json
from typing import Any

#: No published format nests deeper than about 6 levels.
MAX_DEPTH = 64


def loads(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse `raw`; raise ValueError (with a reason for people) when it is not valid JSON or
    is nested more than `max_depth` levels deep."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise ValueError(f"it is nested more than {max_depth} levels deep") from None
    except UnicodeDecodeError:
        raise ValueError("it is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"it is not valid JSON ({exc.msg} at line {exc.lineno}, "
                         f"column {exc.colno})") from None
    if depth(value, stop=max_depth + 1) > max_depth:
        raise ValueError(f"it is nested more than {max_depth} levels deep")
    return value


def depth(value: Any, *, stop: int | None = None) -> int:
    """How deeply lists and objects nest in `value` (a scalar is 0), without recursion;
    the walk ends early once `stop` is reached."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        level += 1
        deepest = max(deepest, level)
        if stop is not None and deepest >= stop:
            return deepest
        pending.extend((child, level) for child in children)
    return deepest
