"""How a Tensor prints: torch's layout and number format, and `set_printoptions`.

Floats print as torch prints them: all whole numbers as `1.`, otherwise `precision`
decimals (`0.3333`), in scientific notation (`1.0000e+08`) when the shown nonzero
magnitudes span more than 1000x, pass 1e8 or, for fractions, go below 1e-4. Every element
is right-aligned to the widest nonzero one, and each line holds as many elements as fit in
`linewidth`. A tensor of more than `threshold` elements prints summarized: the first and
last `edgeitems` along every longer axis, with `...` between them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any, Callable

import numpy as np


@dataclass
class PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None            # None: chosen from the values, as above


OPTIONS = PrintOptions()
PROFILES = {"default": PrintOptions(), "short": PrintOptions(precision=2, edgeitems=2),
            "full": PrintOptions(threshold=math.inf)}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """torch.set_printoptions: a `profile` ('default', 'short' or 'full') first, then each
    option given. As in torch, a call that does not pass `sci_mode` sets it back to None
    (automatic); `set_printoptions(profile='default')` restores everything."""
    if profile is not None:
        if profile not in PROFILES:
            raise ValueError(f"set_printoptions: profile must be 'default', 'short' or 'full', "
                             f"got {profile!r}")
        for option in fields(PrintOptions):
            setattr(OPTIONS, option.name, getattr(PROFILES[profile], option.name))
    given = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems,
             "linewidth": linewidth}
    for name, value in given.items():
        if value is not None:
            least = 1 if name == "linewidth" else 0
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < least:
                raise ValueError(f"set_printoptions: {name} must be a number >= {least}, "
                                 f"got {value!r}")
            setattr(OPTIONS, name, value if name == "threshold" else int(value))
    if sci_mode is not None and not isinstance(sci_mode, bool):
        raise TypeError(f"set_printoptions: sci_mode must be True, False or None, "
                        f"got {sci_mode!r}")
    OPTIONS.sci_mode = sci_mode


def current_options() -> PrintOptions:
    """A copy of the options in force (for tests and for restoring them)."""
    return replace(OPTIONS)


def tensor_repr(data: np.ndarray, extras: list[str]) -> str:
    """`tensor(<values>, <extras>)`: the extras (dtype=, grad_fn=, ...) follow on the last
    line; one that would pass `linewidth` starts a new line (torch's rule)."""
    text = "tensor(" + values_text(data, indent=len("tensor("))
    width = len(text) - text.rfind("\n") + 1
    for extra in extras:
        wrap = width + len(extra) + 2 > OPTIONS.linewidth
        text += (",\n       " if wrap else ", ") + extra
        width = 7 + len(extra) if wrap else width + len(extra) + 2
    return text + ")"


def values_text(data: np.ndarray, indent: int) -> str:
    """The bracketed values, e.g. `[[1., 2.],\\n        [3., 4.]]` for indent 7; a 0-d
    array is its one number."""
    if data.size == 0:
        return "[]"
    summarize = data.size > OPTIONS.threshold
    element, width = element_format(shown_values(data) if summarize else data)
    if data.ndim == 0:
        return element(data.item())
    return _nested(data, indent, summarize, lambda value: element(value).rjust(width), width)


def shown_values(data: np.ndarray) -> np.ndarray:
    """The elements a summarized print shows: the first and last `edgeitems` along every
    axis longer than twice that (the number format is chosen from these alone)."""
    edge = OPTIONS.edgeitems
    for axis, n in enumerate(data.shape):
        if n > 2 * edge:
            data = np.concatenate([data.take(range(edge), axis),
                                   data.take(range(n - edge, n), axis)], axis)
    return data


def element_format(shown: np.ndarray) -> tuple[Callable[[Any], str], int]:
    """How to write one element, and the width every element is padded to."""
    if shown.dtype.kind != "f":                               # ints and bools: str()
        return str, max((len(str(value)) for value in _extremes(shown)), default=1)
    finite = shown[np.isfinite(shown)]
    nonzero = finite[finite != 0].astype(np.float64)
    if nonzero.size == 0:
        return _float_format("{:.0f}."), 1
    magnitude = np.abs(nonzero)
    big, small = magnitude.max().item(), magnitude.min().item()
    whole = bool(np.all(nonzero == np.ceil(nonzero)))
    sci = OPTIONS.sci_mode
    if sci is None:
        sci = big / small > 1000 or big > 1e8 or small < 1e-4    # (as torch: a ratio)
    if sci:
        pattern = f"{{:.{OPTIONS.precision}e}}"
    else:
        pattern = "{:.0f}." if whole else f"{{:.{OPTIONS.precision}f}}"
    return _float_format(pattern), max(len(pattern.format(v)) for v in _extremes(nonzero))


def _float_format(pattern: str) -> Callable[[float], str]:
    return lambda value: pattern.format(value) if math.isfinite(value) else str(value)


def _extremes(values: np.ndarray) -> list:
    """The values whose written form is longest: the largest and smallest magnitudes of
    each sign (written length grows with the magnitude and its exponent's digits)."""
    flat = values.ravel()
    picks = [flat.max(), flat.min()] if flat.size else []
    if flat.dtype.kind == "f":
        positive, negative = flat[flat > 0], flat[flat < 0]
        picks += [positive.min()] if positive.size else []
        picks += [negative.max()] if negative.size else []
    return [value.item() for value in picks]


def _nested(data: np.ndarray, indent: int, summarize: bool, element: Callable[[Any], str],
            width: int) -> str:
    """torch's layout: rows of a 1-D run fill lines of `linewidth`; deeper axes put each
    slice on new lines, one blank line more per axis level."""
    edge = OPTIONS.edgeitems
    cut = summarize and len(data) > 2 * edge
    if data.ndim == 1:
        items = [element(v) for v in (data[:edge] if cut else data).tolist()]
        if cut:
            items += [" ..." if edge else "..."]
            items += [element(v) for v in data[len(data) - edge:].tolist()]
        per_line = max(1, (OPTIONS.linewidth - indent) // (width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows: list[int | None] = list(range(len(data)))
    if cut:
        rows = rows[:edge] + [None] + rows[len(data) - edge:]
    parts = ["..." if i is None else _nested(data[i], indent + 1, summarize, element, width)
             for i in rows]
    return "[" + ("," + "\n" * (data.ndim - 1) + " " * (indent + 1)).join(parts) + "]"
