"""How long viz takes on a big graph: a 2,000-box graph drawn with the node cap.

The graph: a scalar micrograd-style MLP (every weight a 0-d Tensor), whose backward
graph has `--boxes` tensor + op boxes or more. Times, median of `--repeats`:

- walk: `viz.graph.build` of the whole graph (every node visited once);
- draw before backward: the DOT text with max_nodes=200 (the rest summarised);
- draw after backward: the same plus the replay of backward for the edge gradients;
- trace: backward recording one step per node (once: it frees the graph), then
  the replay of that freed graph (each op re-run on its inputs) and the printed table;
- dot: Graphviz rendering the capped picture to SVG (skipped without `dot`);
- draw uncapped: the DOT text of every box (max_nodes large), for comparison.

    python benchmarks/bench_viz.py [--boxes 2000] [--repeats 5]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import time

import tinygrad_edu as tg
import viz
from viz.draw import pipe


def scalar_mlp(boxes: int) -> tuple[tg.Tensor, int]:
    """A 1-hidden-layer MLP of 0-d Tensors, widened until its graph has >= `boxes` boxes."""
    tg.manual_seed(0)
    width = 1
    while True:
        xs = [tg.Tensor(float(v)) for v in tg.randn(4).data]
        out = tg.Tensor(0.0)
        for _ in range(width):
            ws = [tg.Tensor(float(v), requires_grad=True) for v in tg.randn(4).data]
            h = sum((w * x for w, x in zip(ws, xs)), tg.Tensor(0.0)).tanh()
            out = out + h * tg.Tensor(0.5, requires_grad=True)
        graph = viz.graph.build(out)
        if len(graph.values) + len(graph.ops) >= boxes:
            return out, len(graph.values) + len(graph.ops)
        width += 1 + width // 2


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boxes", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    out, boxes = scalar_mlp(args.boxes)
    print(f"graph: {boxes} boxes (tensors + ops); median of {args.repeats}")
    results = {"walk the graph": timed(lambda: viz.graph.build(out), args.repeats),
               "draw, before backward, max_nodes=200": timed(lambda: viz.draw(out).source,
                                                             args.repeats)}
    dot_text = viz.draw(out).source
    out.backward(retain_graph=True)
    results["draw, after backward, max_nodes=200"] = timed(lambda: viz.draw(out).source,
                                                           args.repeats)
    results["trace: backward recording every step"] = timed(lambda: viz.trace(out), 1)
    results["trace: replay of the freed graph + table"] = timed(lambda: str(viz.trace(out)),
                                                                args.repeats)
    results["draw uncapped (every box)"] = timed(
        lambda: viz.draw(out, max_nodes=10 ** 9).source, args.repeats)
    if shutil.which("dot"):
        results["dot: render the capped picture to SVG"] = timed(
            lambda: pipe(viz.draw(out), "svg"), 1)
    for name, seconds in results.items():
        print(f"{name:<42} {seconds * 1000:9.1f} ms")
    print(f"capped DOT text: {len(dot_text):,} characters")


if __name__ == "__main__":
    main()
