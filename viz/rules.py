"""What an op node says about itself: its name with key options, and its VJP rule.

Every primitive's docstring states the forward formula and then a part starting
with `VJP:` (see tinygrad_edu/ops/elementwise.py), e.g.

    out = a * b.   VJP: dL/da = g * b,  dL/db = g * a.   Saves a, b.

`vjp_rules` reads that part up to `Saves` or a blank line and splits it into one
rule per input: each `dL/dx = ...` runs to the next `dL/d... =`, the end of its
sentence or a gap of three spaces (which sets off a shape or a remark), and a
restatement of the same input's rule (`dL/dw[o,c,a,b] = ...`) is joined to it. An op
without such a part (a user's op, say) simply has no rules: nothing here raises.
"""
from __future__ import annotations

import inspect
import numbers
import re
from functools import lru_cache
from typing import Any

import numpy as np

from tinygrad_edu.utils.checkpoint import Checkpoint

_RULE_START = re.compile(r"dL/d(\w+)[^\s=]*\s*=")
_GAP = re.compile(r"[ ]{3,}")
_INDEX_K = re.compile(r"(?<=_)k\b|\bk\b")
_SENTENCE_END = re.compile(r"(?<!i\.e)(?<!e\.g)\.(?=\s|$)")
_VJP_PART = re.compile(r"\bVJP:(.*?)(?:\bSaves\b|\n\s*\n|$)", re.S)
MAX_OPTION_CHARS = 24
NOT_SETTINGS = {Checkpoint: {"packed"}}
"""Options that are an op's working data, not settings (a checkpoint's packed result)."""


@lru_cache(maxsize=None)
def vjp_rules(op_class: type) -> tuple[str, ...]:
    """The VJP rules stated in `op_class`'s docstring, one string per rule (maybe none)."""
    doc = inspect.getdoc(op_class) if op_class.__doc__ else None
    found = _VJP_PART.search(doc or "")
    if found is None:
        return ()
    text = found.group(1)
    found = list(_RULE_START.finditer(text))
    starts = [m.start() for m in found] or [0]
    names = [m.group(1) for m in found] or [None]
    rules: list[str] = []
    for k, (begin, end) in enumerate(zip(starts, starts[1:] + [len(text)])):
        rule = _GAP.split(text[begin:end])[0]      # a wide gap sets off a shape or a note
        stop = _SENTENCE_END.search(rule)
        rule = " ".join(rule[:stop.start() if stop else len(rule)].split()).rstrip(",;: ")
        if rule and k > 0 and names[k] == names[k - 1]:
            rules[-1] += "; " + rule          # dL/dw = ..., restated as dL/dw[o,c,a,b] = ...
        elif rule:
            rules.append(rule)
    return tuple(rules)


def rule_for_input(op_class: type, position: int, n_inputs: int) -> str | None:
    """The rule for input `position` when the docstring gives one rule per input, or one
    rule for any input k (cat's `dL/dinput_k = ...`: k is then `position`).

    More rules than inputs (and more than one input) means optional trailing inputs were
    not given, as conv2d's bias: the leading rules are those of the inputs present.
    """
    rules = vjp_rules(op_class)
    start = _RULE_START.match(rules[0]) if len(rules) == 1 else None   # (None: free-form)
    if start and n_inputs > 1 and start.group(1).endswith("_k"):
        return _INDEX_K.sub(str(position), rules[0])
    if len(rules) == n_inputs or 1 < n_inputs < len(rules):
        return rules[position]
    if len(rules) == 1 and start is None:      # a free-form rule: it speaks of every input
        return rules[0]
    return " ;  ".join(rules) if rules and n_inputs == 1 else None


def node_rules(node: Any) -> tuple[str, ...]:
    """The rules to show on a node: those of the inputs it has (conv2d without a bias
    shows no dL/dbias), and not those of integer inputs (cross_entropy's class indices)."""
    rules = vjp_rules(type(node))
    rules = rules[:len(node.inputs)] if 1 < len(node.inputs) < len(rules) else rules
    if len(rules) == len(node.inputs) > 1:      # not the rule for integer inputs (class
        rules = tuple(rule for rule, t in zip(rules, node.inputs)  # indices): no gradient
                      if t.dtype.kind == "f")
    return rules


def fmt_option(value: Any) -> str:
    """An option value in a few characters: tuples as (1, 2), slices as 0:3, arrays by shape."""
    if isinstance(value, np.ndarray):
        text = f"array{value.shape}" if value.size > 4 else str(value.tolist())
    elif isinstance(value, slice):
        parts = ["" if p is None else str(p) for p in (value.start, value.stop, value.step)]
        text = ":".join(parts[:2] if value.step is None else parts)
    elif isinstance(value, tuple):
        inner = ", ".join(fmt_option(v) for v in value)
        text = f"({inner},)" if len(value) == 1 else f"({inner})"
    elif value is Ellipsis:
        text = "..."
    elif isinstance(value, (np.dtype, type)):
        text = np.dtype(value).name
    else:
        text = str(value)
    return text if len(text) <= MAX_OPTION_CHARS else text[:MAX_OPTION_CHARS - 1] + "…"


SPATIAL = {"kernel_size", "stride", "padding", "dilation", "output_padding"}
QUIET = {"dilation": 1, "groups": 1, "ceil_mode": False, "keepdim": False, "output_padding": 0}


def _compact(name: str, value: Any) -> Any:
    """A spatial option with the same number everywhere, ((2, 2), (2, 2)), is just 2."""
    if name in SPATIAL and isinstance(value, tuple):
        flat = np.asarray(value, dtype=object).reshape(-1).tolist()
        if flat and all(v == flat[0] for v in flat):
            return flat[0]
    return value


def _plain(value: Any) -> bool:
    """Whether an option is data worth printing (not an object such as a checkpoint's call,
    whose repr would put its memory address in the picture)."""
    if isinstance(value, (tuple, list)):
        return all(_plain(v) for v in value)
    return value is None or value is Ellipsis or isinstance(
        value, (numbers.Number, str, np.ndarray, np.generic, slice, np.dtype, type))


def op_title(node: Any) -> str:
    """`conv2d stride=1 padding=2`: the op name and its settings, less None, quiet defaults
    and options that are not plain data."""
    options = getattr(node, "options", None) or {}
    hidden = NOT_SETTINGS.get(type(node), ())
    parts = [node.name]
    for name, value in options.items():
        value = _compact(name, value)
        if value is None or name in hidden or not _plain(value):
            continue
        if not (name in QUIET and value == QUIET[name]):
            parts.append(f"{name}={fmt_option(value)}")
    return " ".join(parts)
