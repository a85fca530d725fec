"""How fast can a scalar graph be with this engine's design? A lower bound, measured.

Issue 2 asks for at most 5 us per scalar op (forward + backward, collector on) while also
asking that every VJP be written with differentiable Tensor ops and that `Tensor.data` be
an ndarray. This script times the smallest engine that keeps those two rules, on the same
scalar MLP as `bench_engine.py` (a): nodes are objects holding their inputs (no reference
cycles), backward visits them in reverse topological order and calls VJPs made of the same
Tensor ops, run unrecorded. It has none of the library's checks, dtype promotion, hooks,
broadcasting or error messages, so it bounds what any implementation of the design gets.

    python benchmarks/scalar_floor.py [--repeats 15]

It prints us/op with 0-d ndarrays as data (the library's contract), with numpy scalars
(np.float32: array-like, immutable, not an ndarray) and with Python floats (what micrograd
does), next to the library itself.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import tinygrad_edu as tg
from bench_engine import count_nodes, scalar_case, scalar_forward, scalar_weights

RECORDING = [True]


class Node:
    """One recorded op: its inputs and what its VJP needs."""

    __slots__ = ("inputs", "saved", "vjp")


class Value:
    """A scalar with a gradient; `data` is a 0-d ndarray, a numpy scalar or a float (`kind`)."""

    __slots__ = ("data", "node", "grad")
    kind = "ndarray"

    def __init__(self, data, node: Node | None = None):
        self.data, self.node, self.grad = data, node, None

    @classmethod
    def leaf(cls, x: float) -> Value:
        if cls.kind == "ndarray":
            return cls(np.asarray(x, dtype=np.float32))
        return cls(np.float32(x) if cls.kind == "numpy scalar" else float(x))

    def _result(self, data, inputs: tuple, saved: tuple, vjp) -> Value:
        if self.kind == "ndarray" and type(data) is not np.ndarray:
            data = np.asarray(data)              # numpy returns scalars for 0-d results
        if not RECORDING[0]:
            return Value(data)
        node = Node()
        node.inputs, node.saved, node.vjp = inputs, saved, vjp
        return Value(data, node)

    def __add__(self, other: Value) -> Value:
        return self._result(self.data + other.data, (self, other), (), lambda g, s: (g, g))

    def __mul__(self, other: Value) -> Value:
        return self._result(self.data * other.data, (self, other), (self, other),
                            lambda g, s: (g * s[1], g * s[0]))

    def relu(self) -> Value:
        positive = self.leaf(1.0 if self.data > 0 else 0.0)
        return self._result(self.data * positive.data, (self,), (positive,),
                            lambda g, s: (g * s[0],))


def backward(root: Value) -> None:
    order, seen, stack = [], {root.node}, [(root.node, iter(root.node.inputs))]
    while stack:                                  # reverse post-order, iteratively
        node, inputs = stack[-1]
        for v in inputs:
            if v.node is not None and v.node not in seen:
                seen.add(v.node)
                stack.append((v.node, iter(v.node.inputs)))
                break
        else:
            order.append(stack.pop()[0])
    grads = {root.node: Value.leaf(1.0)}
    RECORDING[0] = False
    for node in reversed(order):
        for v, g in zip(node.inputs, node.vjp(grads.pop(node), node.saved)):
            key = v.node if v.node is not None else v
            previous = grads.get(key)
            grads[key] = g if previous is None else Value(previous.data + g.data)
    RECORDING[0] = True
    for v, g in grads.items():
        v.grad = g


def time_floor(kind: str, repeats: int) -> float:
    Value.kind = kind
    rng = np.random.default_rng(0)
    weights, points = scalar_weights(rng), rng.standard_normal((16, 2))
    params = [[[Value.leaf(w) for w in row] for row in m.tolist()] for m in weights]
    inputs = [[Value.leaf(v) for v in p] for p in points.tolist()]
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        out = scalar_forward(params, inputs, Value.relu)
        backward(out)
        times.append(time.perf_counter() - start)
    return float(np.median(times[1:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    weights, points = scalar_weights(rng), rng.standard_normal((16, 2))
    step, params = scalar_case(weights, points)
    n_ops = count_nodes(scalar_forward(params, [[tg.Tensor(v) for v in p] for p in
                                                points.tolist()], tg.Tensor.relu))
    times = []
    for _ in range(args.repeats + 1):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    library = float(np.median(times[1:]))
    print(f"scalar MLP graph, {n_ops} ops, forward + backward, gc on, median of {args.repeats}:")
    print(f"  tinygrad_edu                      {1e6 * library / n_ops:6.2f} us/op")
    for kind in ("ndarray", "numpy scalar", "float"):
        print(f"  minimal engine, {kind + ' data':18s}{1e6 * time_floor(kind, args.repeats) / n_ops:6.2f} us/op")


if __name__ == "__main__":
    main()
