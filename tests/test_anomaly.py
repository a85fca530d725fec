"""Anomaly detection (torch.autograd.detect_anomaly / set_detect_anomaly): a nan gradient
is reported at the op whose VJP made it, with the user's line of the forward pass."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg


def sqrt_at_zero() -> tg.Tensor:
    x = tg.tensor([0.0, 4.0], requires_grad=True)
    return (x.sqrt() * 0).sum()            # sqrt'(0) = inf, times the upstream 0: nan


def test_a_nan_gradient_names_its_op_and_the_forward_line():
    with tg.autograd.detect_anomaly():
        loss = sqrt_at_zero()
        with np.errstate(all="ignore"), pytest.raises(
                RuntimeError, match=r"Function 'SqrtBackward' returned nan values in its 0th "
                                    r"output\. The op was made here in the forward pass:"
                                    r"(.|\n)*in sqrt_at_zero\n    return \(x.sqrt\(\) \* 0\)"):
            loss.backward()
    assert not tg.is_anomaly_enabled()
    with np.errstate(all="ignore"):
        sqrt_at_zero().backward()                    # off: the nan passes, as torch
        with tg.autograd.detect_anomaly(check_nan=False):
            sqrt_at_zero().backward()


def test_set_detect_anomaly_is_a_switch_and_a_block():
    tg.autograd.set_detect_anomaly(True)
    try:
        assert tg.is_anomaly_enabled() and tg.is_anomaly_check_nan_enabled()
        with tg.autograd.set_detect_anomaly(False):
            assert not tg.is_anomaly_enabled()
        assert tg.is_anomaly_enabled()
    finally:
        tg.autograd.set_detect_anomaly(False)

    @tg.autograd.detect_anomaly()
    def step() -> None:
        with np.errstate(all="ignore"):
            sqrt_at_zero().backward()
    with pytest.raises(RuntimeError, match="SqrtBackward"):
        step()
    node = (tg.tensor([1.0], requires_grad=True) * 2).grad_fn
    assert not hasattr(node, "_forward_stack")       # nothing kept when it is off
