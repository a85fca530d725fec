"""torch.amp on the CPU (GradScaler's algorithm, autocast's refusals), torch.compile as the
identity, bfloat16 as a name whose use is an error, and the backends' flags: what
nanoGPT's train.py touches on a machine without a GPU."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from tinygrad_edu.amp import GradScaler, autocast


def test_grad_scaler_on_the_cpu_follows_torchs_algorithm():
    p = nn.Parameter(np.array([1.0, 2.0], dtype=np.float32))
    optimizer = nn.optim.SGD([p], lr=0.1)
    scaler = GradScaler("cpu", init_scale=4.0, growth_interval=2)
    seen = []                       # (scaled loss, p after the step, scale after update)
    for i in range(4):
        scaled = scaler.scale((p * p).sum())
        scaled.backward()
        if i == 1:
            p.grad.data[0] = np.inf             # an overflow: the step is skipped
        assert scaler.step(optimizer) is None
        scaler.update()
        seen.append((round(scaled.item(), 4), p.tolist(), scaler.get_scale()))
        optimizer.zero_grad()
    # torch 2.13, the same program: scale 4 -> 4 -> 2 (overflow) -> 2 -> 4 (2 clean steps)
    assert seen == [(20.0, pytest.approx([0.8, 1.6]), 4.0),
                    (12.8, pytest.approx([0.8, 1.6]), 2.0),
                    (6.4, pytest.approx([0.64, 1.28]), 2.0),
                    (4.096, pytest.approx([0.512, 1.024]), 4.0)]
    assert scaler.state_dict() == {"scale": 4.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                                   "growth_interval": 2, "_growth_tracker": 0}
    scaler.unscale_(optimizer)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        scaler.unscale_(optimizer)
    resumed = GradScaler("cpu")
    resumed.load_state_dict(scaler.state_dict())
    assert resumed.get_scale() == 4.0
    assert [t.item() for t in resumed.scale([tg.tensor(1.0), (tg.tensor(2.0),)])[:1]] == [4.0]


def test_a_scaler_or_autocast_for_the_gpu_disables_itself_as_torch_without_one():
    with pytest.warns(UserWarning, match="GradScaler: device 'cuda' is not available"):
        scaler = tg.cuda.amp.GradScaler()
    loss = tg.tensor(3.0)
    assert not scaler.is_enabled() and scaler.scale(loss) is loss and scaler.get_scale() == 1.0
    assert scaler.state_dict() == {}
    p = nn.Parameter(np.ones(1, dtype=np.float32))
    p.grad = tg.ones(1)
    scaler.step(nn.optim.SGD([p], lr=0.5))               # just the optimizer's step
    assert p.tolist() == [0.5]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not GradScaler(enabled=False).is_enabled()
    with pytest.warns(UserWarning, match="autocast: device_type 'cuda' is not available"):
        with tg.autocast("cuda", dtype=tg.bfloat16):
            pass
    with pytest.raises(NotImplementedError, match="autocast: mixed precision on the CPU"):
        autocast("cpu")
    with autocast("cpu", enabled=False):
        pass


def test_compile_returns_the_model_and_bfloat16_explains_itself():
    model = nn.Linear(2, 2)
    assert tg.compile(model) is model and tg.compile(mode="max-autotune")(len) is len
    dtypes = {"float32": tg.float32, "bfloat16": tg.bfloat16}   # nanoGPT's table is fine
    assert repr(dtypes["bfloat16"]) == "bfloat16"
    for use in (lambda: tg.zeros(2, dtype=tg.bfloat16), lambda: model.to(tg.bfloat16),
                lambda: tg.ones(2).to(tg.bfloat16)):
        with pytest.raises(TypeError, match="bfloat16: numpy has no bfloat16"):
            use()
    tg.backends.cuda.matmul.allow_tf32 = True          # settable, changes nothing
    tg.backends.cudnn.allow_tf32 = True
    assert tg.backends.cuda.is_built() is False


def test_grad_scaler_keeps_torchs_order_of_calls_and_float32_scale():
    p = nn.Parameter(np.array([1.0], dtype=np.float32))
    optimizer = nn.optim.SGD([p], lr=0.1)
    scaler = GradScaler("cpu", init_scale=2.0 ** 126, growth_interval=1)
    with pytest.raises(RuntimeError, match="update: scale\\(loss\\) has not been called yet"):
        scaler.update()
    scaler.scale((p * 0.125).sum()).backward()
    with pytest.raises(RuntimeError, match="update: no inf checks were recorded"):
        scaler.update()                          # no step (nor unscale_) yet
    with pytest.raises(RuntimeError, match="step: no inf checks were recorded for this "
                                           "optimizer: none of its parameters has a gradient"):
        scaler.step(nn.optim.SGD([nn.Parameter(np.ones(1, dtype=np.float32))], lr=0.1))
    scaler.step(optimizer)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called since the "
                                           "last update"):
        scaler.step(optimizer)                   # would have stepped twice
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        scaler.unscale_(optimizer)
    scaler.update()
    assert scaler.get_scale() == 2.0 ** 127      # grown once
    optimizer.zero_grad()
    scaler.scale((p * 0.125).sum()).backward()
    scaler.step(optimizer)
    scaler.update()
    assert scaler.get_scale() == 2.0 ** 127      # 2^128 would be inf in float32: kept
    loss = tg.tensor(1.0).half()
    assert scaler.scale(loss).item() == 2.0 ** 127     # float16 would overflow to inf
    half = nn.Parameter(np.ones(1, dtype=np.float16))
    half.grad = tg.ones(1).half()
    with pytest.raises(ValueError, match="attempting to unscale float16 gradients"):
        scaler.unscale_(nn.optim.SGD([half], lr=0.1))
    with pytest.raises(RuntimeError, match="update: no inf checks"):
        scaler.update()                          # the refused unscale_ counts for nothing
    generated = scaler.scale(t for t in [tg.tensor(1.0)])          # any iterable, lazily
    assert [t.item() for t in generated] == [2.0 ** 127]
    with pytest.raises(RuntimeError, match="a closure is not supported"):
        scaler.step(optimizer, closure=lambda: None)
    with pytest.raises(TypeError, match="scale: outputs must be a Tensor"):
        scaler.scale(3.0)
    with pytest.raises(RuntimeError, match="load_state_dict: the state has no "
                                           "_growth_tracker, backoff_factor"):
        scaler.load_state_dict({})
    scaler.set_growth_factor(4.0)
    assert scaler.get_growth_factor() == 4.0 and scaler.get_backoff_factor() == 0.5
    assert scaler.get_growth_interval() == 1
    with pytest.raises(ValueError, match="autocast: device_type must be a device name"):
        autocast("gpu")
    with pytest.raises(TypeError, match="compile: expected a Module or a function, got int"):
        tg.compile(3)
    with pytest.raises(TypeError, match="numpy has no bfloat16"):
        nn.Linear(1, 1).bfloat16()
    assert tg.cuda.is_bf16_supported() is False
