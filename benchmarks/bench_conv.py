"""One conv layer with bias, forward + backward: N=32, 32->64 channels, 3x3, pad 1, 32x32, float32.

`--layer lenet2` times LeNet-5's second conv instead (N=64, 6->16, 5x5, 14x14, no
padding: a 10x10 grid, where ops/conv.py uses wide rows).

Prints median ms per step (forward, backward, total) and minor page faults per step.
With PyTorch importable the same layer runs in PyTorch interleaved with ours in this
process, with numpy's BLAS thread count, and the ratio ours/torch is printed (the
machines here are shared and noisy: compare ratios, not absolute times).

Interleaved in blocks: each round runs, per library, a 0.3 s pause, one untimed step
and 3 timed ones. Alternating single steps would time torch next to OpenBLAS's worker
threads, which keep busy-waiting for a while after each GEMM: measured that way torch
was 2-3x slower than alone (with OPENBLAS_THREAD_TIMEOUT=4, or the pause, it was not).

OpenBLAS runs as the environment configures it (the report says how). By default its
idle workers spin for ~0.1 s after each GEMM and take the other core from our
im2col/col2im threads (tinygrad_edu/parallel.py), which then gain nothing: ours
44.3 ms. With OPENBLAS_THREAD_TIMEOUT=4 set before the script starts they sleep at once
and the threads pay: 39.6 ms, in the same hour (LeNet's small GEMMs lose more than that,
see bench_lenet.py).

Then the glibc malloc question of issue 3: the script runs itself again in fresh
processes, alternately with the default allocator settings and with
MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ raised (big temporaries are then
reused instead of being returned to the OS and page-faulted back in on every step),
and prints the medians of both.

    python benchmarks/bench_conv.py [--layer issue|lenet2] [--rounds 10] [--processes 3]
                                    [--no-malloc]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

import tinygrad_edu as tg

import blas

LAYERS = {  # batch, in channels, out channels, image size, kernel size, padding
    "issue": (32, 32, 64, 32, 3, 1),
    "lenet2": (64, 6, 16, 14, 5, 0),
}
BLOCK, PAUSE = 3, 0.3
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 32)}


def make_ours(x: np.ndarray, w: np.ndarray, b: np.ndarray, g: np.ndarray, pad: int):
    weight, bias = tg.Tensor(w, requires_grad=True), tg.Tensor(b, requires_grad=True)
    grad = tg.Tensor(g)

    def forward():
        inp = tg.from_numpy(x).requires_grad_(True)      # no copy, as torch.from_numpy
        return inp, tg.conv2d(inp, weight, bias, padding=pad)

    def backward(state):
        inp, out = state
        weight.grad = bias.grad = None
        out.backward(grad)
        return inp.grad.data, weight.grad.data, bias.grad.data
    return forward, backward


def make_torch(torch, x: np.ndarray, w: np.ndarray, b: np.ndarray, g: np.ndarray, pad: int):
    weight = torch.from_numpy(w).requires_grad_(True)
    bias = torch.from_numpy(b).requires_grad_(True)
    tx, grad = torch.from_numpy(x), torch.from_numpy(g)

    def forward():
        inp = tx.detach().requires_grad_(True)
        return inp, torch.nn.functional.conv2d(inp, weight, bias, padding=pad)

    def backward(state):
        inp, out = state
        weight.grad = bias.grad = None
        out.backward(grad)
        return inp.grad.numpy(), weight.grad.numpy(), bias.grad.numpy()
    return forward, backward


def minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def run(rounds: int, layer: str) -> dict:
    """Interleaved timing; returns {name: {"forward", "backward", "total", "faults"}} medians."""
    n, c_in, c_out, size, kernel, pad = LAYERS[layer]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c_in, size, size), dtype=np.float32)
    w = (rng.standard_normal((c_out, c_in, kernel, kernel)) * 0.05).astype(np.float32)
    b = rng.standard_normal(c_out, dtype=np.float32)
    out_size = size + 2 * pad - kernel + 1
    g = rng.standard_normal((n, c_out, out_size, out_size), dtype=np.float32)
    tg.set_num_threads(blas.threads())           # im2col/col2im threads, as numpy's BLAS
    layers = {"ours": make_ours(x, w, b, g, pad)}
    try:
        import torch
        torch.set_num_threads(blas.threads())
        layers["torch"] = make_torch(torch, x, w, b, g, pad)
    except ImportError:
        torch = None
    if torch is not None:                    # same numbers before timing anything
        ours = layers["ours"][1](layers["ours"][0]())
        theirs = layers["torch"][1](layers["torch"][0]())
        for mine, reference in zip(ours, theirs):
            np.testing.assert_allclose(mine, reference, rtol=2e-3, atol=2e-3)
    samples = {name: {"forward": [], "backward": [], "faults": []} for name in layers}
    for _ in range(rounds):                  # interleaved blocks: both see the same load
        for name, (forward, backward) in layers.items():
            time.sleep(PAUSE)
            backward(forward())              # untimed: wakes this library's threads
            for _ in range(BLOCK):
                faults, start = minor_faults(), time.perf_counter()
                state = forward()
                middle = time.perf_counter()
                backward(state)
                end = time.perf_counter()
                del state
                samples[name]["forward"].append(middle - start)
                samples[name]["backward"].append(end - middle)
                samples[name]["faults"].append(minor_faults() - faults)
    result = {}
    for name, s in samples.items():
        total = np.add(s["forward"], s["backward"])
        result[name] = {"forward": 1e3 * np.median(s["forward"]),
                        "backward": 1e3 * np.median(s["backward"]),
                        "total": 1e3 * np.median(total), "faults": float(np.median(s["faults"]))}
    result["threads"] = blas.threads()
    return result


def report(result: dict, title: str) -> None:
    print(title)
    for name in ("ours", "torch"):
        if name in result:
            r = result[name]
            print(f"  {name:5s} forward {r['forward']:7.2f} ms  backward {r['backward']:7.2f} ms"
                  f"  total {r['total']:7.2f} ms  minor faults/step {r['faults']:8.0f}")
    if "torch" in result:
        print(f"  threads {result['threads']}, OPENBLAS_THREAD_TIMEOUT="
              f"{os.environ.get('OPENBLAS_THREAD_TIMEOUT', 'unset')}, ours/torch "
              f"{result['ours']['total'] / result['torch']['total']:.2f}x")
    print(f"  {blas.describe()}")


def malloc_comparison(rounds: int, processes: int, layer: str) -> None:
    """Fresh processes, alternating default and raised malloc thresholds."""
    runs: dict[str, list[dict]] = {"default": [], "raised": []}
    for _ in range(processes):
        for label in runs:
            env = dict(os.environ)
            for key in MALLOC_ENV:
                env.pop(key, None)
            if label == "raised":
                env.update(MALLOC_ENV)
            out = subprocess.run([sys.executable, __file__, "--rounds", str(rounds), "--json",
                                  "--layer", layer],
                                 env=env, capture_output=True, text=True, check=True)
            runs[label].append(json.loads(out.stdout))
    print(f"\nglibc malloc, {processes} fresh processes each, medians over processes "
          f"(raised = {' '.join(f'{k}={v}' for k, v in MALLOC_ENV.items())}):")
    for label, results in runs.items():
        ours = np.median([r["ours"]["total"] for r in results])
        faults = np.median([r["ours"]["faults"] for r in results])
        line = f"  {label:7s} ours {ours:7.2f} ms  minor faults/step {faults:7.0f}"
        if "torch" in results[0]:
            torch_ms = np.median([r["torch"]["total"] for r in results])
            ratio = np.median([r["ours"]["total"] / r["torch"]["total"] for r in results])
            line += f"  torch {torch_ms:7.2f} ms  ours/torch {ratio:.2f}x"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layer", choices=LAYERS, default="issue")
    parser.add_argument("--rounds", type=int, default=10, help=f"rounds of {BLOCK} steps each")
    parser.add_argument("--processes", type=int, default=3, help="per malloc setting")
    parser.add_argument("--no-malloc", action="store_true", help="skip the malloc comparison")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    result = run(args.rounds, args.layer)
    if args.json:
        print(json.dumps(result))
        return
    n, c_in, c_out, size, kernel, pad = LAYERS[args.layer]
    report(result, f"conv2d layer N={n}, {c_in}->{c_out}, {kernel}x{kernel}, pad {pad}, "
                   f"{size}x{size}, float32, bias; median of {args.rounds * BLOCK} steps "
                   "(this process's malloc settings):")
    if not args.no_malloc:
        malloc_comparison(args.rounds, args.processes, args.layer)


if __name__ == "__main__":
    main()
