"""CTC loss (nn.functional.ctc_loss, nn.CTCLoss) against a brute-force sum over every
alignment of a short sequence, with gradient checks and torch's conventions for
reductions, lengths, concatenated targets and zero_infinity."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import nn
import nn.functional as F
from tinygrad_edu import Tensor, gradcheck


def brute_force(lp: np.ndarray, label: list, blank: int = 0) -> float:
    """-log of the summed probability of every path that collapses to `label`."""
    total = 0.0
    for path in itertools.product(range(lp.shape[1]), repeat=lp.shape[0]):
        merged = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
        if [c for c in merged if c != blank] == list(label):
            total += np.exp(sum(lp[t, c] for t, c in enumerate(path)))
    return -np.log(total) if total else np.inf


def test_ctc_equals_the_sum_over_alignments():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((5, 3, 3))
    lp = Tensor(logits).log_softmax(2)
    targets = Tensor(np.array([[1, 2, 0], [1, 1, 0], [2, 0, 0]]))
    lengths = Tensor(np.array([2, 2, 1]))
    frames = Tensor(np.array([5, 4, 3]))
    losses = F.ctc_loss(lp, targets, frames, lengths, reduction="none").numpy()
    expected = [brute_force(lp.numpy()[:n, i], label) for i, (n, label) in
                enumerate(zip([5, 4, 3], [[1, 2], [1, 1], [2]]))]
    np.testing.assert_allclose(losses, expected, rtol=1e-13)
    mean = F.ctc_loss(lp, targets, frames, lengths).item()
    assert mean == pytest.approx(np.mean(np.array(expected) / [2, 2, 1]), rel=1e-14)
    flat = Tensor(np.array([1, 2, 1, 1, 2]))                  # the targets one after another
    np.testing.assert_allclose(nn.CTCLoss(reduction="none")(lp, flat, frames, lengths).numpy(),
                               losses, rtol=1e-15)
    x = Tensor(logits, requires_grad=True)
    assert gradcheck(lambda v: F.ctc_loss(v.log_softmax(2), targets, frames, lengths), [x])


def test_impossible_alignments_and_bad_arguments():
    lp = Tensor(np.log(np.full((2, 1, 3), 1 / 3)))
    target = Tensor(np.array([[1, 1]]))                        # a repeat needs 3 frames
    assert np.isinf(F.ctc_loss(lp, target, (2,), (2,), reduction="sum").item())
    x = Tensor(np.zeros((2, 1, 3)), requires_grad=True)
    loss = F.ctc_loss(x.log_softmax(2), target, (2,), (2,), zero_infinity=True)
    loss.backward()
    assert loss.item() == 0.0 and np.array_equal(x.grad.numpy(), np.zeros((2, 1, 3)))
    assert F.ctc_loss(lp, Tensor(np.zeros((1, 0), np.int64)), (2,), (0,)).item() == \
        pytest.approx(-2 * np.log(1 / 3), rel=1e-15)          # blank, blank
    with pytest.raises(ValueError, match=r"ctc_loss: input_lengths \[3\] must lie in"):
        F.ctc_loss(lp, target, (3,), (2,))
    with pytest.raises(ValueError, match=r"ctc_loss: targets must be classes in \[0, 3\)"):
        F.ctc_loss(lp, Tensor(np.array([[1, 5]])), (2,), (2,))
    with pytest.raises(TypeError, match="ctc_loss: targets must be integer classes"):
        F.ctc_loss(lp, Tensor(np.array([[1.0, 2.0]])), (2,), (2,))
