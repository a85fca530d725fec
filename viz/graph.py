"""The graph behind a Tensor, walked once into plain records that the picture and the trace share.

`build(output)` walks from `output` breadth first: the output, the op that made it,
that op's inputs in argument order, their ops, and so on. Ids (`t0, t1, ...` for
tensors, `op0, op1, ...` for ops) follow that order, so the same code always gives
the same picture. With `max_nodes` the walk keeps the first `max_nodes` boxes (the
ones nearest the output, where backward starts) and only counts the rest.

A tensor that several ops read is one box with several outgoing edges (fan-out);
an intermediate tensor is identified by the op that produced it, a leaf by itself.
"""
from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any


ROLES = ("parameter", "input", "constant", "output", "intermediate")


@dataclass(eq=False)
class Value:
    """A tensor box: `title` is the parameter name, the Tensor's name, or its id."""

    id: str
    tensor: Any
    title: str
    role: str
    module: str | None = None
    op: OpBox | None = None                     # the op that produced it (None for a leaf)
    uses: list = field(default_factory=list)    # (OpBox, argument position) that read it


@dataclass(eq=False)
class OpBox:
    """An op box: the graph node plus its input and output boxes (None: cut by the cap)."""

    id: str
    node: Any
    output: Value | None = None
    inputs: list = field(default_factory=list)
    module: str | None = None


@dataclass
class Graph:
    values: list[Value]
    ops: list[OpBox]
    output: Value
    hidden_ops: Counter = field(default_factory=Counter)   # op name -> count, beyond the cap
    hidden_values: Counter = field(default_factory=Counter)  # role -> count, beyond the cap
    modules: dict[str, str] = field(default_factory=dict)  # module path -> class name

    def unlink(self) -> None:
        """Drop the links between boxes (values and op boxes point at each other): then
        the tensors and nodes they hold go as soon as the caller is done, not at the cycle
        collector's next run (a loop that drew each step's graph grew by 340 MB in 100)."""
        for value in self.values:
            value.op, value.uses = None, []
        for box in self.ops:
            box.output, box.inputs = None, []

    def op_box(self, node: Any) -> OpBox | None:
        return self._by_node.get(id(node))

    def value_box(self, tensor: Any) -> Value | None:
        return self._by_key.get(value_key(tensor))

    def __post_init__(self) -> None:
        self._by_node = {id(box.node): box for box in self.ops}
        self._by_key = {value_key(v.tensor): v for v in self.values}

    @property
    def hidden(self) -> int:
        return sum(self.hidden_ops.values()) + sum(self.hidden_values.values())


def value_key(t: Any) -> tuple:
    """One key per drawn tensor: the node that produced it, or the leaf Tensor itself."""
    return ("op", id(t._ctx)) if t._ctx is not None else ("leaf", id(t))


def parameter_names(model: Any) -> dict[int, str]:
    """id(parameter) -> its name in `model.named_parameters()` (empty without a model)."""
    if model is None:
        return {}
    if not hasattr(model, "named_parameters"):
        raise TypeError(f"viz: model= must have named_parameters() (an nn.Module), "
                        f"got {type(model).__name__}")
    return {id(p): name for name, p in model.named_parameters()}


def module_classes(model: Any) -> dict[str, str]:
    """Module path -> class name, from `model.named_modules()` when the model has it."""
    if model is None or not hasattr(model, "named_modules"):
        return {}
    return {name: type(m).__name__ for name, m in model.named_modules() if name}


def build(output: Any, model: Any = None, max_nodes: int | None = None) -> Graph:
    """Walk the graph of `output` breadth first into Value and OpBox records."""
    names = parameter_names(model)
    cap = float("inf") if max_nodes is None else max(int(max_nodes), 1)
    values: list[Value] = []
    ops: list[OpBox] = []
    hidden_ops: Counter = Counter()
    hidden_values: Counter = Counter()
    by_key: dict[tuple, Value] = {}
    seen: set = {value_key(output)}
    queue: deque = deque([("value", output)])
    while queue:
        kind, item = queue.popleft()
        keep = len(values) + len(ops) < cap
        if kind == "value":
            role = _role(item, item is output, names, model is not None)
            if keep:
                box = Value(f"t{len(values)}", item, _title(item, f"t{len(values)}", role, names),
                            role, _module_of(names.get(id(item))))
                values.append(box)
                by_key[value_key(item)] = box
            else:
                hidden_values[role] += 1
            if item._ctx is not None and ("node", id(item._ctx)) not in seen:
                seen.add(("node", id(item._ctx)))
                queue.append(("node", item._ctx))
        else:
            if keep:
                ops.append(OpBox(f"op{len(ops)}", item))
            else:
                hidden_ops[item.name] += 1
            for position, t in enumerate(item.inputs):
                if position not in item._passed and value_key(t) not in seen:
                    seen.add(value_key(t))
                    queue.append(("value", t))
    for box in ops:
        box.output = by_key.get(("op", id(box.node)))
        if box.output is not None:
            box.output.op = box
        box.inputs = [None if i in box.node._passed else by_key.get(value_key(t))
                      for i, t in enumerate(box.node.inputs)]
        for position, value in enumerate(box.inputs):
            if value is not None:
                value.uses.append((box, position))
    _assign_modules(ops, values)
    return Graph(values, ops, values[0], hidden_ops, hidden_values, module_classes(model))


def _role(t: Any, is_output: bool, names: dict, have_model: bool) -> str:
    if is_output:
        return "output"
    if t._ctx is not None:
        return "intermediate"
    if id(t) in names or (t.requires_grad and not have_model):
        return "parameter"
    if not t.requires_grad and t.name is None and t.data.size == 1:
        return "constant"
    return "input"


def _title(t: Any, default: str, role: str, names: dict) -> str:
    if id(t) in names:
        return names[id(t)]
    if t.name:
        return str(t.name)
    if role == "output":
        return "loss" if t.data.size == 1 else "output"
    return default


def _module_of(parameter_name: str | None) -> str | None:
    if not parameter_name or "." not in parameter_name:
        return None
    return parameter_name.rsplit(".", 1)[0]


def _assign_modules(ops: list[OpBox], values: list[Value]) -> None:
    """Put op boxes into nn modules (for the clusters). The heuristic, in three rules:

    1. an op that reads parameters of exactly one module M belongs to M
       (the `permute` of `linear.weight`, the `add` of `linear.bias`, `conv2d`);
    2. an op that combines two or more results of rule-1 ops of M, and nothing else
       but constants, belongs to M: say the product of two of M's reshaped parameters;
    3. an op with an input made by an op of M whose output is read only by ops of M
       belongs to M: the `matmul` between linear's transposed weight and its bias add.
    Ops that no rule places (an activation between two layers, the loss, a
    BatchNorm's normalisation before its affine part) stay outside every module.
    An intermediate tensor goes where the op that made it went.
    """
    for box in ops:
        found = {v.module for v in box.inputs if v is not None and v.role == "parameter"}
        box.module = found.pop() if len(found) == 1 and None not in found else None
    direct = {id(box): box.module for box in ops}
    for box in ops:
        made_by = [direct[id(v.op)] if v.op is not None else None
                   for v in box.inputs if v is not None and v.tensor.requires_grad]
        if box.module is None and len(made_by) >= 2 and len(set(made_by)) == 1 and made_by[0]:
            box.module = made_by[0]
    for box in ops:
        if box.module is None and box.output is not None and box.output.uses:
            readers = {user.module for user, _ in box.output.uses}
            fed_by = {v.op.module for v in box.inputs if v is not None and v.op is not None}
            if len(readers) == 1 and None not in readers and readers <= fed_by:
                box.module = readers.pop()
    for value in values:
        if value.op is not None:
            value.module = value.op.module
