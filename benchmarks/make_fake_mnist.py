"""Write MNIST-shaped IDX files (60,000 + 10,000 images of 28x28, uint8) for timing the demo
where real MNIST cannot be downloaded:

    python benchmarks/make_fake_mnist.py DIR
    python examples/train_cnn.py --dataset mnist --data DIR

The images are the embedded 8x8 digits scaled up 3x (nearest neighbour) to 24x24 and placed
at a random offset in a 28x28 frame, so the network has something learnable; the accuracy
on them says nothing about real MNIST, only the time per epoch transfers.
"""
from __future__ import annotations

import gzip
import struct
import sys
from pathlib import Path

import numpy as np

import nn


def write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}i", *array.shape)
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(header + array.astype(np.uint8).tobytes())


def fake_split(images: np.ndarray, labels: np.ndarray, n: int, rng) -> tuple:
    pick = rng.integers(0, len(images), n)
    big = np.kron(images[pick, 0], np.ones((3, 3), np.float32))          # (n, 24, 24)
    frames = np.zeros((n, 28, 28), np.uint8)
    dy, dx = rng.integers(0, 5, (2, n))
    for oy in range(5):                    # a loop over the 25 offsets, not over images
        for ox in range(5):
            rows = (dy == oy) & (dx == ox)
            frames[rows, oy:oy + 24, ox:ox + 24] = np.round(big[rows] * 255)
    return frames, labels[pick]


def main(folder: str) -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for split, prefix, n in (("train", "train", 60000), ("test", "t10k", 10000)):
        images, labels = (t.numpy() for t in nn.datasets.digits(split).tensors)
        frames, targets = fake_split(images, labels, n, rng)
        write_idx(out / f"{prefix}-images-idx3-ubyte.gz", frames)
        write_idx(out / f"{prefix}-labels-idx1-ubyte.gz", targets)
    print(f"wrote MNIST-shaped IDX files to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "fake_mnist")
