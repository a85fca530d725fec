"""LeNet-5 train step written with `nn` and `nn.optim`, as issue 3 defines it.

conv 1->6 5x5 pad 2, ReLU, max-pool 2, conv 6->16 5x5, ReLU, max-pool 2, linear
400-120-84-10, cross-entropy, batch 64 of 1x28x28 float32; one step = forward + backward
+ SGD update (momentum 0.9). Prints the median ms per step. With PyTorch importable the
same model (same initial weights, same batches) runs in PyTorch interleaved with ours in
this process, with the same thread count, and the ratio ours/torch is printed.

Peak memory: the script runs itself again in a fresh process that never imports torch
and prints that process's peak resident set size (ru_maxrss) after the steps.

    python benchmarks/bench_lenet.py [--steps 40] [--threads N] [--default-malloc]

Like the demo, it calls `tinygrad_edu.tune_malloc()` (the whole process, torch included,
then reuses freed memory instead of page-faulting it in again every step) unless
`--default-malloc` is given.

Interleaved in blocks, as bench_conv.py: each round runs, per library, a 0.3 s pause, one
untimed step and 3 timed ones, all on the same batches. Alternating single steps would
time each library next to the other's idle threads, which keep spinning for a while
after their work (torch's OpenMP workers, OpenBLAS's): measured that way with 2 threads,
our step took 11-12 ms instead of its 9.0-9.4 ms alone, torch's 6.3 ms instead of 5.5-5.8.

OpenBLAS runs as the environment configures it, and the header line says how. By default
its idle workers spin for ~0.1 s after a GEMM, so the step's 13 small GEMMs start at
once; with OPENBLAS_THREAD_TIMEOUT=4 (which lets our im2col/col2im threads pay in
bench_conv.py) they sleep at once and each GEMM waits for a wake-up: our step then took
9.4 instead of 7.7 ms (2 threads).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

import nn
import tinygrad_edu as tg

import blas

BATCH = 64
BLOCK, PAUSE = 3, 0.3


def lenet(m):
    """The same architecture from `nn` or `torch.nn` (passed as m)."""
    return m.Sequential(
        m.Conv2d(1, 6, 5, padding=2), m.ReLU(), m.MaxPool2d(2),
        m.Conv2d(6, 16, 5), m.ReLU(), m.MaxPool2d(2), m.Flatten(),
        m.Linear(400, 120), m.ReLU(), m.Linear(120, 84), m.ReLU(), m.Linear(84, 10))


def batches(steps: int) -> list:
    rng = np.random.default_rng(0)
    return [(rng.random((BATCH, 1, 28, 28), dtype=np.float32),
             rng.integers(0, 10, BATCH)) for _ in range(steps)]


def train_step(model, optimizer, criterion, to_tensor):
    """One forward + backward + update, written once for both libraries."""
    def step(x: np.ndarray, y: np.ndarray) -> float:
        loss = criterion(model(to_tensor(x)), to_tensor(y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()
    return step


def ours_step_fn():
    tg.manual_seed(0)
    model = lenet(nn)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return model, train_step(model, optimizer, nn.CrossEntropyLoss(), tg.Tensor)


def torch_step_fn(torch, ours: nn.Module):
    model = lenet(torch.nn)
    model.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                           for k, v in ours.state_dict().items()})
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return train_step(model, optimizer, torch.nn.CrossEntropyLoss(), torch.from_numpy)


def timed(step, x, y) -> float:
    start = time.perf_counter()
    step(x, y)
    return (time.perf_counter() - start) * 1000


def peak_rss_mb() -> float:
    """This process's peak resident memory: VmHWM on Linux (ru_maxrss would also count the
    parent's memory before exec), ru_maxrss elsewhere."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024          # bytes vs kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def measure_memory(steps: int) -> None:
    """Child process: run our steps only, print peak RSS in MB as JSON."""
    _, step = ours_step_fn()
    for x, y in batches(steps):
        step(x, y)
    print(json.dumps({"peak_rss_mb": peak_rss_mb()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--default-malloc", action="store_true",
                        help="do not call tinygrad_edu.tune_malloc()")
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    tuned = not args.default_malloc and tg.tune_malloc()
    tg.set_num_threads(args.threads)             # im2col/col2im threads, as torch's
    blas.limit_threads(args.threads)
    if args.memory_child:
        measure_memory(args.steps)
        return

    model, ours = ours_step_fn()
    try:
        import torch
        torch.set_num_threads(args.threads)
        theirs = torch_step_fn(torch, model)
    except ImportError:
        torch = theirs = None
    rounds = -(-args.steps // BLOCK)
    data = batches(rounds * (BLOCK + 1))
    steps = {"ours": ours, "torch": theirs} if theirs else {"ours": ours}
    times: dict = {name: [] for name in steps}
    for r in range(rounds):          # interleaved blocks: both see the same load and batches
        block = data[r * (BLOCK + 1):(r + 1) * (BLOCK + 1)]
        for name, step in steps.items():
            time.sleep(PAUSE)
            step(*block[0])                          # untimed: wakes this library's threads
            times[name] += [timed(step, x, y) for x, y in block[1:]]
    ours_ms, torch_ms = times["ours"], times.get("torch", [])
    print(f"LeNet-5 train step, batch {BATCH}, float32, {args.threads} thread(s), "
          f"median of {len(ours_ms)}, malloc {'tuned' if tuned else 'default'}, "
          f"OPENBLAS_THREAD_TIMEOUT={os.environ.get('OPENBLAS_THREAD_TIMEOUT', 'unset')}:")
    print(f"  {blas.describe()}")
    print(f"  ours:  {statistics.median(ours_ms):7.2f} ms")
    if torch_ms:
        print(f"  torch: {statistics.median(torch_ms):7.2f} ms   (PyTorch {torch.__version__})")
        print(f"  ours/torch: {statistics.median(ours_ms) / statistics.median(torch_ms):.2f}x"
              f"   (per-step ratios: median "
              f"{statistics.median(a / b for a, b in zip(ours_ms, torch_ms)):.2f}x)")
    child = subprocess.run([sys.executable, __file__, "--memory-child", "--steps", "20",
                            "--threads", str(args.threads)]
                           + (["--default-malloc"] if args.default_malloc else []),
                           capture_output=True, text=True, check=True)
    peak = json.loads(child.stdout.strip().splitlines()[-1])["peak_rss_mb"]
    print(f"  peak RSS of a process running only our steps: {peak:.0f} MB")


if __name__ == "__main__":
    main()
