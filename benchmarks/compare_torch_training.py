"""Our training next to PyTorch's: same model, same initial weights, same batches.

A small CNN (conv, BatchNorm, ReLU, max-pool, conv, ReLU, linear, linear) in float64
(`model.double()`) is trained for 20 SGD steps (momentum 0.9, Nesterov, weight decay)
on the embedded digits with both libraries, starting from the weights torch drew (copied
with `load_state_dict({k: v.numpy()})`). It prints both losses per step and their
relative difference, then compares the final parameters and BatchNorm running
statistics, and exits non-zero if any loss differs by more than 1e-6 relative.

    python benchmarks/compare_torch_training.py [--steps 20]
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

import nn

TOLERANCE = 1e-6


def small_cnn(m):
    return m.Sequential(
        m.Conv2d(1, 8, 3, padding=1), m.BatchNorm2d(8), m.ReLU(), m.MaxPool2d(2),
        m.Conv2d(8, 16, 3, padding=1), m.ReLU(), m.Flatten(),
        m.Linear(16 * 4 * 4, 32), m.ReLU(), m.Linear(32, 10))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed; nothing to compare against.")
        return 0

    torch.manual_seed(0)
    theirs = small_cnn(torch.nn).double()
    ours = small_cnn(nn).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    options = dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)
    opt_theirs = torch.optim.SGD(theirs.parameters(), **options)
    opt_ours = nn.optim.SGD(ours.parameters(), **options)

    images, labels = nn.datasets.digits("train").tensors
    loader = nn.data.DataLoader(nn.data.TensorDataset(images.numpy().astype(np.float64),
                                                      labels), args.batch_size, shuffle=True,
                                seed=0)
    print(f"{'step':>4}  {'ours':>22}  {'torch':>22}  {'rel. diff':>9}")
    worst, step = 0.0, 0
    while step < args.steps:
        for x, y in loader:
            if step == args.steps:
                break
            loss_ours = nn.functional.cross_entropy(ours(x), y)
            opt_ours.zero_grad()
            loss_ours.backward()
            opt_ours.step()
            loss_theirs = torch.nn.functional.cross_entropy(theirs(torch.from_numpy(x.numpy())),
                                                            torch.from_numpy(y.numpy()))
            opt_theirs.zero_grad()
            loss_theirs.backward()
            opt_theirs.step()
            a, b = loss_ours.item(), loss_theirs.item()
            rel = abs(a - b) / abs(b)
            worst = max(worst, rel)
            step += 1
            print(f"{step:>4}  {a:22.16f}  {b:22.16f}  {rel:9.1e}")

    state_ours, state_theirs = ours.state_dict(), theirs.state_dict()
    param_rel = max(float(np.abs(state_ours[k].numpy() - v.numpy()).max()
                          / (np.abs(v.numpy()).max() or 1.0))
                    for k, v in state_theirs.items())
    print(f"max relative loss difference over {args.steps} steps: {worst:.1e} "
          f"(tolerance {TOLERANCE:.0e})")
    print(f"max relative difference of the final state_dict entries: {param_rel:.1e}")
    ok = worst <= TOLERANCE
    print("AGREE" if ok else "DISAGREE")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
