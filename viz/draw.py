"""`draw`: the graph of a Tensor as a graphviz.Digraph, with values, gradients and VJP rules.

Boxes are tensors (coloured by role) and ops (with their VJP rule); arrows point the
way forward computed, from inputs to the op to its output. After backward each edge
also carries `← contribution`, the gradient sent back along it (against the arrow),
and a tensor read by several ops shows that its gradient is the SUM of those.

Where the edge gradients come from: the steps `viz.trace` recorded for this output,
else (when backward already ran) a replay of backward that leaves `.grad` alone
(see `flows.observe`). Before backward no gradient is shown.

Building the DOT text (`draw(...).source`) needs only the `graphviz` Python package;
`render` needs the Graphviz `dot` program.
"""
from __future__ import annotations

import textwrap
from collections import defaultdict
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any, Iterable

import graphviz
import numpy as np

from tinygrad_edu.tensor import Tensor

from . import fmt
from .check import check_node, nonfinite_origins
from .flows import ReplayError, Trace, is_freed, observe, recorded
from .graph import Graph, OpBox, Value, build, value_key
from .rules import node_rules, op_title

COLOURS = {"parameter": "#c8e6c9", "input": "#bbdefb", "constant": "#eeeeee",
           "output": "#ffcc80", "intermediate": "#ffffff"}
ROLE_TEXT = {"parameter": "parameter", "input": "input", "constant": "constant",
             "output": "loss / output", "intermediate": "intermediate"}
OP_COLOUR = "#fff9c4"
ALARM = "#d32f2f"
RANKDIRS = ("TB", "LR", "BT", "RL")    # Graphviz's layout directions
RULE_WIDTH = 48
RULE_CHARS = 150           # longer rules are cut in the picture (the trace has them whole)
INSTALL_HINT = ("install Graphviz (Debian/Ubuntu: `sudo apt-get install graphviz`; macOS: "
                "`brew install graphviz`; conda: `conda install -c conda-forge graphviz`; "
                "Windows: the installer from graphviz.org, then add its bin folder to PATH) "
                "and check that `dot -V` runs")


class GraphvizNotInstalled(RuntimeError):
    """The Graphviz `dot` program is needed to render a picture and was not found."""


@dataclass
class Options:
    show_values: bool = True
    show_grads: bool = True
    show_formulas: bool = True
    max_elements: int = 16
    check: bool = False
    animation: bool = False    # grads as one replaceable text line each (viz.animate)


def draw(output: Tensor, model: Any = None, *, show_values: bool = True,
         show_grads: bool = True, show_formulas: bool = True, max_elements: int = 16,
         max_nodes: int = 200, cluster_modules: bool = True, collapse: Iterable[str] = (),
         check: bool = False, rankdir: str = "LR") -> graphviz.Digraph:
    """The graph that computed `output`, as a `graphviz.Digraph` (`.source` is the DOT text).

    - Tensor boxes: name (parameter names from `model.named_parameters()`, else
      `Tensor.name`, else an id `t0, t1, ...` in breadth-first order from the output),
      shape and dtype; values and gradients as numbers up to `max_elements` elements,
      else summary statistics, with a heatmap for 2-D/3-D/4-D tensors (blue < 0 < red).
    - Op boxes: the op name with its options and, with `show_formulas`, its VJP rule.
    - Edges: argument position `#i` and, after backward, `← g`, the gradient sent back
      along it (the number for a scalar, else its norm), and the broadcast axes it was
      summed over.
    - `cluster_modules`: one dashed box per nn module holding its parameters and ops;
      `collapse=("features",)` folds modules into single boxes (see `graph._assign_modules`).
    - `max_nodes`: boxes beyond it (the ones farthest from the output) are summarised
      in one box. `check=True` compares every op's VJP with finite differences and marks
      the ops that disagree; inf/nan are marked where they first appear.
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"viz.draw: expected a Tensor, got {type(output).__name__}")
    options = Options(show_values, show_grads, show_formulas, int(max_elements), check)
    graph = build(output, model, max_nodes)
    try:
        steps, note = gradient_flows(output, graph) if show_grads else (None, "")
        return Picture(graph, options, steps, note, rankdir, cluster_modules,
                       tuple(collapse)).digraph()
    finally:
        graph.unlink()


def gradient_flows(output: Tensor, graph: Graph) -> tuple[Trace | None, str]:
    """The backward steps to draw, or None and a note saying why there are none."""
    if output._ctx is None:
        return None, ""
    steps = recorded(output)
    if steps is not None:
        return steps, ""
    leaves_have_grads = any(v.tensor._grad is not None for v in graph.values if v.op is None)
    if not leaves_have_grads and not is_freed([box.node for box in graph.ops]):
        return None, ""
    if output.data.size != 1:
        return None, ("Gradients along edges are not shown: the output is not a scalar. "
                      "Call viz.trace(output, gradient) instead of backward to record them.")
    try:
        return observe(output, graph=graph), ""
    except ReplayError as error:
        return None, str(error)


class Picture:
    """Builds the DOT statements of one drawing: boxes, edges, clusters, legend."""

    def __init__(self, graph: Graph, options: Options, steps: Trace | None, note: str,
                 rankdir: str, cluster_modules: bool, collapse: tuple) -> None:
        if rankdir not in RANKDIRS:       # (Graphviz would silently ignore it)
            raise ValueError(f"viz: rankdir must be one of {', '.join(RANKDIRS)}, got "
                             f"{rankdir!r}")
        self.graph, self.options, self.note, self.rankdir = graph, options, note, rankdir
        self.step_of = {id(s.node): s for s in steps or ()}
        self.sent_totals = {value_key(s.node.inputs[c.position]): c.total
                            for s in steps or () for c in s.contributions}
        self.checks = {box.id: check_node(box.node) for box in graph.ops} if options.check else {}
        self.bad_values = nonfinite_origins(graph)
        self.bad_grads = {box.id for box in graph.ops if _grad_turns_nonfinite(
            self.step_of.get(id(box.node)))}
        self.clustered = cluster_modules and bool(self._modules())
        self.folded = self._folding(collapse)

    # ------------------------------------------------------------------ the whole picture
    def digraph(self) -> graphviz.Digraph:
        dot = graphviz.Digraph(graph_attr={"rankdir": self.rankdir, "fontname": "Helvetica",
                                           "fontsize": "11", "nodesep": "0.25"},
                               node_attr={"fontname": "Helvetica", "fontsize": "11"},
                               edge_attr={"fontname": "Helvetica", "fontsize": "10",
                                          "color": "#555555"})
        nodes: dict = defaultdict(list)      # module (None: top level) -> node statements
        for value in self.graph.values:
            if value.id not in self.folded:
                nodes[self._place(value.module)].append(
                    (value.id, self.value_label(value), self.value_attrs(value)))
        for box in self.graph.ops:
            if box.id not in self.folded:
                nodes[self._place(box.module)].append((box.id, self.op_label(box),
                                                       self.op_attrs(box)))
        for module in sorted(set(self.folded.values()), key=self._module_order):
            nodes[self._place(_parent(module))].append(
                (_fold_id(module), self.fold_label(module), {"shape": "box", "style":
                 "filled,bold", "fillcolor": "#e0e0e0", "id": _fold_id(module)}))
        if self.graph.hidden:
            nodes[None].append(("hidden", self.hidden_label(),
                                {"shape": "box", "style": "dashed", "id": "hidden"}))
        nodes[None].append(("legend", self.legend_label(), {"shape": "plain", "id": "legend"}))
        self._emit(dot, None, nodes)
        for src, dst, attrs in self.edges():
            dot.edge(src, dst, **attrs)
        if self.note:
            dot.attr(label="\n".join(textwrap.wrap(self.note, 100)), labelloc="b")
        return dot

    def _emit(self, target: graphviz.Digraph, module: str | None, nodes: dict) -> None:
        for name, label, attrs in nodes.get(module, ()):
            target.node(name, label, **attrs)
        for child in self._children(module):
            with target.subgraph(name=f"cluster_{child}") as sub:
                kind = self.graph.modules.get(child)
                sub.attr(label=f"{child} ({kind})" if kind else child, style="rounded,dashed",
                         color="#777777", fontname="Helvetica", fontsize="11", labeljust="l")
                self._emit(sub, child, nodes)

    # ------------------------------------------------------------------ modules
    def _modules(self) -> list[str]:
        """Every module holding a box, with its ancestors, in first-use order."""
        found: dict[str, None] = {}
        for item in [*self.graph.values, *self.graph.ops]:
            if item.module:
                parts = item.module.split(".")
                for k in range(1, len(parts) + 1):
                    found[".".join(parts[:k])] = None
        return list(found)

    def _module_order(self, module: str) -> int:
        modules = self._modules()
        return modules.index(module) if module in modules else len(modules)

    def _place(self, module: str | None) -> str | None:
        """The cluster a box goes in (None: top level, also when clusters are off)."""
        if not self.clustered or module is None:
            return None
        return module

    def _children(self, module: str | None) -> list[str]:
        if not self.clustered:
            return []
        return [m for m in self._modules() if _parent(m) == module and
                not any(m == f or m.startswith(f + ".") for f in set(self.folded.values()))]

    def _folding(self, collapse: tuple) -> dict[str, str]:
        """Box id -> the collapsed module it is folded into."""
        if not collapse:
            return {}
        known = set(self._modules()) | set(self.graph.modules)
        for name in collapse:
            if name not in known:
                raise ValueError(f"viz.draw: collapse={name!r} is not a module of this graph; "
                                 f"modules: {', '.join(sorted(known)) or 'none (pass model=)'}")
        folded = {}
        for item in [*self.graph.values, *self.graph.ops]:
            for name in sorted(collapse, key=len):
                if item.module and (item.module == name or item.module.startswith(name + ".")):
                    folded[item.id] = name
                    break
        return folded

    # ------------------------------------------------------------------ tensor boxes
    def value_grad(self, value: Value) -> np.ndarray | None:
        """The gradient shown in a tensor box: what this output's backward sent (the sum
        of the edges drawn into it), else a leaf's `.grad`."""
        if value.op is None:
            sent = self.sent_totals.get(value_key(value.tensor))
            grad = value.tensor._grad          # (a cut-off non-leaf: no warning)
            return sent if sent is not None or grad is None else grad.data
        step = self.step_of.get(id(value.op.node))
        return None if step is None else step.upstream

    def hook_rows(self, value: Value) -> list[str]:
        """A note on a tensor whose gradient passes through hooks (register_hook)."""
        hooks = value.tensor._hooks if value.op is None else value.op.node._hooks
        if not hooks:
            return []
        return [f"<I>{len(hooks)} hook{'s' if len(hooks) > 1 else ''} ran on this gradient "
                "(the sum of the edges is before them)</I>"]

    def stale_grad_rows(self, value: Value, shown: np.ndarray | None) -> list[str]:
        """A note when a leaf's `.grad` is not what this output's backward sends it (it
        also holds other backward calls, or this backward never ran)."""
        grad = value.tensor._grad if value.op is None else None
        if grad is None or shown is None or shown is grad.data or (
                grad.shape == np.shape(shown) and np.array_equal(grad.data, shown)):
            return []
        text = (f".grad holds {fmt.fmt_grad(grad.data)}, not this: hooks changed a gradient "
                "on the way, other backward calls accumulated into it, or this output's "
                "backward has not run")
        return ["<I>" + "<BR/>".join(escape(line) for line in textwrap.wrap(text, 60)) + "</I>"]

    def value_label(self, value: Value) -> str:
        t, opts = value.tensor, self.options
        role = f'<FONT POINT-SIZE="9">{ROLE_TEXT[value.role]}</FONT>'
        rows = [f"<B>{escape(value.title)}</B>  {role}",
                f'{"scalar" if t.ndim == 0 else "shape " + str(tuple(t.shape))} {t.dtype}']
        grad = self.value_grad(value) if opts.show_grads else None
        if t.data.size == 1:
            cells = [f"data {fmt.fmt_num(t.data.reshape(()))}"] if opts.show_values else []
            cells += [f"grad {fmt.fmt_num(grad.reshape(()))}"] if grad is not None else []
            if cells:
                rows.append(_inline(cells))
        else:
            if opts.show_values:
                rows += self._array_rows(t.data, "")
            if grad is not None:
                rows += self._array_rows(grad, "grad ")
        if grad is not None and not opts.animation:
            rows += self._fan_in_rows(value) + self.stale_grad_rows(value, grad)
            rows += self.hook_rows(value)
        if value.id in self.bad_values:
            rows.append(f'<FONT COLOR="{ALARM}"><B>inf/nan first appear here</B></FONT>')
        body = "".join(f"<TR><TD>{row}</TD></TR>" for row in rows)
        return (f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3" '
                f'BGCOLOR="{COLOURS[value.role]}">{body}</TABLE>>')

    def _array_rows(self, a: np.ndarray, prefix: str) -> list[str]:
        """Rows for a non-scalar array: numbers, or statistics and a heatmap."""
        if a.size == 0:
            return [f"{prefix}(no elements)"]
        if prefix and self.options.animation:
            return [f"grad {fmt.fmt_grad(a)}"]
        if a.size <= self.options.max_elements:
            return ([prefix.strip()] if prefix else []) + [fmt.heatmap(a, numbers=True)]
        head = f"{prefix}‖·‖={fmt.fmt_num(fmt.norm(a))}" if prefix else "values"
        rows = [f'{escape(head)}<BR/><FONT POINT-SIZE="9">{escape(fmt.stats(a))}</FONT>']
        return rows + ([fmt.heatmap(a, numbers=False)] if a.ndim >= 2 else [])

    def _fan_in_rows(self, value: Value) -> list[str]:
        """'grad = SUM of k contributions' for a tensor read by several ops."""
        parts = []
        for box, position in value.uses:
            step = self.step_of.get(id(box.node))
            for c in step.contributions if step else ():
                if c.position == position:
                    parts.append(c.grad)
        if len(parts) < 2:
            return []
        if all(p.size == 1 for p in parts):
            terms = " + ".join(fmt.fmt_num(p.reshape(())) for p in parts)
            text = f"grad = SUM of {len(parts)} contributions: {terms}"
        else:
            terms = ", ".join(fmt.fmt_grad(p) for p in parts)
            text = f"grad = SUM of {len(parts)} contributions ({terms})"
        return ["<I>" + "<BR/>".join(escape(line) for line in textwrap.wrap(text, 60)) + "</I>"]

    def value_attrs(self, value: Value) -> dict:
        attrs = {"shape": "plain", "id": value.id}
        if value.id in self.bad_values:
            attrs.update(shape="box", color=ALARM, penwidth="3", margin="0")
        return attrs

    # ------------------------------------------------------------------ op boxes
    def op_label(self, box: OpBox) -> str:
        lines = [f"<B>{escape(part)}</B>" for part in textwrap.wrap(op_title(box.node), RULE_WIDTH)]
        if self.options.show_formulas:
            for rule in node_rules(box.node):
                lines += [f'<FONT POINT-SIZE="9">{escape(part)}</FONT>'
                          for part in textwrap.wrap(_clip(rule, RULE_CHARS), RULE_WIDTH)]
        lines += [escape(f"#{i} = {_clip(repr(argument), RULE_CHARS)} (not a tensor)")
                  for i, argument in sorted(dict(box.node._passed).items())]
        result = self.checks.get(box.id)
        if result is not None:
            colour = {"ok": "#2e7d32", "wrong": ALARM}.get(result.status, "#666666")
            mark = {"ok": "✓ ", "wrong": "✗ ", "kink": "? "}.get(result.status, "")
            lines += [f'<FONT POINT-SIZE="9" COLOR="{colour}">{escape(part)}</FONT>'
                      for part in textwrap.wrap(mark + result.detail, RULE_WIDTH)]
        if box.id in self.bad_grads:
            lines.append(f'<FONT COLOR="{ALARM}"><B>gradient becomes inf/nan here</B></FONT>')
        rows = "".join(f"<TR><TD>{line}</TD></TR>" for line in lines)   # (rows, not <BR/>:
        return f'<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="1">{rows}</TABLE>>'  # a bold
        #                                             title's "_" no longer strikes the rule

    def op_attrs(self, box: OpBox) -> dict:
        attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": OP_COLOUR, "id": box.id}
        result = self.checks.get(box.id)
        if box.id in self.bad_grads or (result is not None and result.status == "wrong"):
            attrs.update(color=ALARM, penwidth="3")
        return attrs

    # ------------------------------------------------------------------ edges
    def edges(self) -> list[tuple[str, str, dict]]:
        out, seen = [], set()

        def add(src: str, dst: str, attrs: dict) -> None:
            src, dst = self._folded_id(src), self._folded_id(dst)
            if src != dst and (src, dst, attrs.get("label")) not in seen:
                seen.add((src, dst, attrs.get("label")))
                out.append((src, dst, attrs))

        for box in self.graph.ops:
            step = self.step_of.get(id(box.node))
            sent = {c.position: c for c in step.contributions} if step else {}
            for position, value in enumerate(box.inputs):
                if position in box.node._passed:
                    continue                  # (a number argument: shown in the op's box)
                if value is None:
                    add("hidden", box.id, {"style": "dashed"})
                    continue
                lines = [f"#{position}"]
                c = sent.get(position)
                if c is not None and self.options.show_grads:
                    lines.append(f"← {fmt.fmt_grad(c.grad)}")
                    if c.summed_axes:
                        lines.append(f"summed over axes {c.summed_axes}")
                attrs = {"label": "<" + "<BR/>".join(escape(x) for x in lines) + ">",
                         "id": f"e_{box.id}_{position}"}
                add(value.id, box.id, attrs)
            if box.output is not None:
                add(box.id, box.output.id, {"id": f"e_{box.id}_out"})
        for value in self.graph.values:
            if value.op is None and value.tensor._ctx is not None:
                add("hidden", value.id, {"style": "dashed"})
        return out

    def _folded_id(self, box_id: str) -> str:
        module = self.folded.get(box_id)
        return box_id if module is None else _fold_id(module)

    # ------------------------------------------------------------------ extra boxes
    def fold_label(self, module: str) -> str:
        kind = self.graph.modules.get(module)
        ops = [b for b in self.graph.ops if self.folded.get(b.id) == module]
        names = sorted({b.node.name for b in ops})
        rows = [f"<B>{escape(module)}</B>" + (f" ({escape(kind)})" if kind else ""),
                escape(f"{len(ops)} ops folded: {', '.join(names)}")]
        for value in self.graph.values:
            if self.folded.get(value.id) == module and value.role == "parameter":
                grad = self.value_grad(value) if self.options.show_grads else None
                extra = f"  grad ‖·‖={fmt.fmt_num(fmt.norm(grad))}" if grad is not None else ""
                rows.append(escape(f"{value.title} {tuple(value.tensor.shape)}{extra}"))
        return "<" + "<BR/>".join(rows) + ">"

    def hidden_label(self) -> str:
        g = self.graph
        ops = ", ".join(f"{n} {name}" for name, n in g.hidden_ops.most_common(6))
        more = ", …" if len(g.hidden_ops) > 6 else ""
        tensors = ", ".join(f"{n} {ROLE_TEXT[role]}" for role, n in sorted(g.hidden_values.items()))
        text = (f"… {g.hidden} more boxes not drawn: {sum(g.hidden_ops.values())} ops "
                f"({ops}{more}) and {sum(g.hidden_values.values())} tensors ({tensors}). "
                f"Pass a larger max_nodes= to draw them.")
        return "<" + "<BR/>".join(escape(x) for x in textwrap.wrap(text, 60)) + ">"

    def legend_label(self) -> str:
        cells = "".join(f'<TD BGCOLOR="{COLOURS[r]}">{ROLE_TEXT[r]}</TD>' for r in COLOURS)
        cells += f'<TD BGCOLOR="{OP_COLOUR}">op (VJP rule)</TD>'
        text = ("Arrows: the forward computation. Gradients flow AGAINST the arrows, "
                "from the loss back to the parameters; '← g' on an edge is the gradient "
                "sent back along it.")
        return (f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="2" CELLPADDING="3">'
                f'<TR>{cells}</TR><TR><TD COLSPAN="{len(COLOURS) + 1}" BORDER="0">'
                f'<FONT POINT-SIZE="9">{escape(text)}</FONT></TD></TR></TABLE>>')


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _inline(cells: list[str]) -> str:
    """Cells side by side (micrograd's `data | grad` record)."""
    tds = '<TD BORDER="0">  |  </TD>'.join(f"<TD>{escape(c)}</TD>" for c in cells)
    return (f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            f'<TR>{tds}</TR></TABLE>')


def _grad_turns_nonfinite(step: Any) -> bool:
    if step is None or not np.all(np.isfinite(step.upstream)):
        return False
    return any(not np.all(np.isfinite(c.grad)) for c in step.contributions)


def _parent(module: str) -> str | None:
    return module.rsplit(".", 1)[0] if "." in module else None


def _fold_id(module: str) -> str:
    return "module_" + module.replace(".", "_")


def render(output: Tensor, path: str | Path, format: str | None = None,
           **draw_options: Any) -> Path:
    """Draw `output` and write the picture to `path` (format from its suffix unless given)."""
    path = Path(path)
    fmt_name = (format or path.suffix.lstrip(".")).lower()
    if not fmt_name:
        raise ValueError(f"viz.render: cannot tell the format of {str(path)!r}; give it a "
                         "suffix (.svg, .png, .pdf) or pass format=")
    data = pipe(draw(output, **draw_options), fmt_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def pipe(dot: graphviz.Digraph, format: str) -> bytes:
    """Run Graphviz's `dot` on the DOT text; one clear error when it is not installed."""
    try:
        return dot.pipe(format=format)
    except graphviz.ExecutableNotFound:
        raise GraphvizNotInstalled(
            "viz: rendering a picture needs the Graphviz `dot` program, which was not found "
            f"on PATH. Building the graph does not (viz.draw(...).source is the DOT text). To "
            f"render, {INSTALL_HINT}.") from None
