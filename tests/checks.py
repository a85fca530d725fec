"""Small helpers the nn test files share: float64 leaves, values with gradients, and the
first- and second-derivative checks together."""
from __future__ import annotations

import io

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck, gradgradcheck


def leaf(values) -> Tensor:
    """A float64 Tensor that requires grad."""
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def value_and_grad(fn, values):
    """fn(x) and d sum(fn(x)) / dx at float64 values."""
    x = leaf(values)
    out = fn(x)
    (g,) = tg.grad(out.sum(), [x])
    return out.numpy(), g.numpy()


def check_both(fn, inputs) -> None:
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def assert_trains_like_torch(torch, theirs, ours, x: np.ndarray, steps: int = 3) -> None:
    """Load torch's state into ours, run `steps` forwards with a squared loss backward in
    both, and compare the last output and every parameter's summed gradient."""
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    for _ in range(steps):
        a, b = theirs(torch.tensor(x)), ours(tg.tensor(x))
        (a ** 2).sum().backward()
        (b ** 2).sum().backward()
    np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-12, atol=1e-14)
    mine = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(mine[name].grad.numpy(), p.grad.numpy(), rtol=1e-10,
                                   atol=1e-12)


def round_trip(obj):
    """obj through tg.save and tg.load, in memory."""
    buffer = io.BytesIO()
    tg.save(obj, buffer)
    buffer.seek(0)
    return tg.load(buffer)
