"""Datasets: the embedded UCI 8x8 digits, and MNIST / Fashion-MNIST from IDX files."""
from __future__ import annotations

from importlib import resources

import numpy as np

from ..data import TensorDataset
from .idx import fashion_mnist, mnist, read_idx

__all__ = ["digits", "mnist", "fashion_mnist", "read_idx"]


def digits(split: str = "train") -> TensorDataset:
    """The UCI 8x8 handwritten digits shipped inside the package (see README.txt here).

    Returns a TensorDataset of images (N, 1, 8, 8) float32 in [0, 1] (pixel counts 0..16
    divided by 16) and int64 labels 0..9. `split='train'` has 1,437 images, 'test' 360:
    a fixed, stratified 80/20 split made with seed 0 (`make_digits.py`).
    """
    if split not in ("train", "test"):
        raise ValueError(f"digits: split must be 'train' or 'test', got {split!r}")
    with resources.files(__name__).joinpath("digits.npz").open("rb") as f, \
            np.load(f) as archive:
        images, labels, is_test = archive["images"], archive["labels"], archive["is_test"]
    keep = is_test if split == "test" else ~is_test
    return TensorDataset((images[keep, None] / np.float32(16)).astype(np.float32),
                         labels[keep].astype(np.int64))
