"""Text and colour for numbers: one formatter shared by the picture, the trace and the animation.

Numbers print with 4 significant digits (`fmt_num`), so the value on an edge of the
picture and in the trace table are the same string. Colours are a diverging
blue - white - red scale centred on 0, so the sign of a value or a gradient can be
read off a heatmap cell.
"""
from __future__ import annotations

from html import escape

import numpy as np

MAX_MAPS = 4          # at most 4 x 4 maps of a 4-D tensor are drawn
MAX_CELLS = 16        # at most 16 x 16 cells per map (larger maps are subsampled)
CELL_PX = 9           # side of a colour-only heatmap cell, in points


def fmt_num(x: float) -> str:
    """4 significant digits; -0 prints as 0, integers without a decimal point."""
    x = float(x)
    if x == 0:
        return "0"
    return f"{x:.4g}"


def fmt_array(a: np.ndarray) -> str:
    """A number for a single element, else nested brackets with `fmt_num` entries."""
    a = np.asarray(a)
    if a.size == 1:
        return fmt_num(a.reshape(()))
    if a.ndim == 1:
        return "[" + ", ".join(fmt_num(v) for v in a) + "]"
    return "[" + ", ".join(fmt_array(row) for row in a) + "]"


def norm(a: np.ndarray) -> float:
    """Euclidean norm of all elements (0 for an empty array)."""
    a = np.asarray(a, dtype=np.float64)
    return float(np.sqrt(np.sum(a * a))) if a.size else 0.0


SHORT = 4             # arrays of at most this many elements print in full in one line


def fmt_grad(a: np.ndarray) -> str:
    """A gradient in one short string: its numbers when it has at most SHORT, else its norm."""
    a = np.asarray(a)
    if a.size > SHORT:
        return "‖·‖=" + fmt_num(norm(a))
    while a.ndim > 1 and a.shape[0] == 1:      # [[[[1, 2], [3, 4]]]] reads as [[1, 2], [3, 4]]
        a = a[0]
    return fmt_array(a)


def stats(a: np.ndarray) -> str:
    """mean, std, min and max of a (non-empty) float array, on one line."""
    a = np.asarray(a, dtype=np.float64)
    if a.size == 0:
        return "empty"
    finite = a[np.isfinite(a)]
    text = (f"mean {fmt_num(finite.mean())}  std {fmt_num(finite.std())}  "
            f"min {fmt_num(finite.min())}  max {fmt_num(finite.max())}") if finite.size else ""
    bad = a.size - finite.size
    return text + (f"  ({bad} non-finite)" if bad else "")


def colour(x: float, scale: float) -> str:
    """Hex colour for x on a blue (negative) - white (0) - red (positive) scale of +-scale."""
    if not np.isfinite(x):
        return "#ff00ff"
    t = 0.0 if scale == 0 else max(-1.0, min(1.0, x / scale))
    fade = int(round(255 - 190 * abs(t)))      # the strongest colour stays light enough to read
    return f"#ff{fade:02x}{fade:02x}" if t > 0 else f"#{fade:02x}{fade:02x}ff"


def maps(a: np.ndarray) -> tuple[list[list[np.ndarray]], str]:
    """Split an array into a grid of 2-D maps: rows x cols of (H, W) arrays, and a note.

    0-D/1-D: one row vector; 2-D: itself; 3-D (C, H, W): one row of C maps;
    4-D (N, C, H, W): N rows of C maps (more leading axes are merged into N).
    At most MAX_MAPS rows and columns are kept, and each map is subsampled to at
    most MAX_CELLS cells a side; the note says so.
    """
    a = np.asarray(a)
    if a.ndim <= 1:
        grid = [[a.reshape(1, -1)]]
    elif a.ndim == 2:
        grid = [[a]]
    elif a.ndim == 3:
        grid = [list(a)]
    else:
        grid = [list(row) for row in a.reshape((-1,) + a.shape[-3:])]
    notes = []
    rows, cols = len(grid), len(grid[0])
    if rows > MAX_MAPS or cols > MAX_MAPS:
        grid = [row[:MAX_MAPS] for row in grid[:MAX_MAPS]]
        notes.append(f"first {min(rows, MAX_MAPS)}x{min(cols, MAX_MAPS)} of {rows}x{cols} maps")
    h, w = grid[0][0].shape
    step_h, step_w = -(-h // MAX_CELLS), -(-w // MAX_CELLS)
    if step_h > 1 or step_w > 1:
        grid = [[m[::step_h, ::step_w] for m in row] for row in grid]
        kept = [f"{axis} 1 in {step}" for axis, step in (("rows", step_h), ("columns", step_w))
                if step > 1]
        notes.append("showing " + ", ".join(kept))
    return grid, "; ".join(notes)


def heatmap(a: np.ndarray, numbers: bool) -> str:
    """An HTML-like graphviz table showing `a` as coloured cells (with the numbers if asked)."""
    grid, note = maps(a)
    flat = np.concatenate([m.reshape(-1) for row in grid for m in row]).astype(np.float64)
    finite = flat[np.isfinite(flat)]
    scale = float(np.abs(finite).max()) if finite.size else 0.0
    outer = []
    for row in grid:
        cells = "".join(f"<TD>{_map_table(m, scale, numbers)}</TD>" for m in row)
        outer.append(f"<TR>{cells}</TR>")
    if note:   # Graphviz allows no text after a nested table in a cell: the note is a row
        outer.append(f'<TR><TD COLSPAN="{len(grid[0])}"><FONT POINT-SIZE="8">'
                     f'{escape(note)}</FONT></TD></TR>')
    return ('<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="0">'
            + "".join(outer) + "</TABLE>")


def _map_table(m: np.ndarray, scale: float, numbers: bool) -> str:
    rows = []
    for line in m:
        if numbers:
            cells = "".join(f'<TD BGCOLOR="{colour(v, scale)}">{escape(fmt_num(v))}</TD>'
                            for v in line)
        else:
            cells = "".join(f'<TD BGCOLOR="{colour(v, scale)}" WIDTH="{CELL_PX}" '
                            f'HEIGHT="{CELL_PX}" FIXEDSIZE="TRUE"></TD>' for v in line)
        rows.append(f"<TR>{cells}</TR>")
    if numbers:
        layout = 'CELLPADDING="2"'
    else:          # a fixed size: a wider box around would pull the columns apart
        rows_n, cols_n = m.shape
        layout = (f'CELLPADDING="0" FIXEDSIZE="TRUE" WIDTH="{cols_n * CELL_PX + 1}" '
                  f'HEIGHT="{rows_n * CELL_PX + 1}"')
    return (f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" {layout} COLOR="#999999">'
            f'{"".join(rows)}</TABLE>')
