"""How `digits.npz` was made (run once by the maintainers; needs scikit-learn, which the
library itself never imports):

    python -m nn.datasets.make_digits

It stores the 1,797 UCI 8x8 digit images that scikit-learn ships (`load_digits()`),
as uint8 pixels 0..16 with their labels, plus a fixed train/test split:

- stratified: each class contributes 20% of its images to the test set, rounded by
  largest remainder so that the test set has exactly 360 images (train: 1,437);
- seeded: within each class the test images are chosen by
  `numpy.random.default_rng(0).permutation`, classes taken in order 0..9.

The split is stored in the file (`is_test`) rather than recomputed at load time, so it
can never change with the numpy version.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

TEST_SIZE = 360
SEED = 0


def stratified_test_mask(labels: np.ndarray, test_size: int, seed: int) -> np.ndarray:
    """Boolean mask choosing `test_size` items, each class in proportion to its size."""
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * test_size / len(labels)
    per_class = np.floor(exact).astype(int)
    remainder_order = np.argsort(-(exact - per_class), kind="stable")
    per_class[remainder_order[:test_size - per_class.sum()]] += 1
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(labels), dtype=bool)
    for cls, k in zip(classes, per_class):
        members = np.flatnonzero(labels == cls)
        mask[members[rng.permutation(len(members))[:k]]] = True
    return mask


def main() -> None:
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images.astype(np.uint8)
    labels = digits.target.astype(np.uint8)
    assert images.shape == (1797, 8, 8) and images.max() == 16
    is_test = stratified_test_mask(labels, TEST_SIZE, SEED)
    path = Path(__file__).with_name("digits.npz")
    np.savez_compressed(path, images=images, labels=labels, is_test=is_test)
    print(f"wrote {path} ({path.stat().st_size} bytes): {len(labels) - is_test.sum()} train, "
          f"{is_test.sum()} test")


if __name__ == "__main__":
    main()
