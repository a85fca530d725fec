"""Fixes from the thirtieth session's sweeps (Module API and embeddings, ...): each test
pins torch 2.13's behaviour, written out as numbers so that torch is not needed."""
from collections import OrderedDict

import numpy as np
import pytest

import nn
import nn.functional as F
import tinygrad_edu as tg
from tinygrad_edu import Tensor


# ------------------------------------------------------------------ parameters share memory
def test_parameter_of_a_tensor_shares_its_memory_as_torch():
    source = tg.zeros(2)
    param = nn.Parameter(source)
    with tg.no_grad():
        param.add_(1)                                 # an optimizer step, say
    assert source.tolist() == [1.0, 1.0] and param.requires_grad and param.is_leaf
    assert not nn.Parameter(source, requires_grad=False).requires_grad
    array = np.zeros(2, np.float32)                   # other data is copied
    assert not np.shares_memory(nn.Parameter(array).data, array)
    broadcast = nn.Parameter(tg.ones(3).expand(2, 3))  # (read-only: copied, so trainable)
    broadcast.sum().backward()
    nn.optim.SGD([broadcast], lr=0.5).step()
    assert broadcast.tolist() == [[0.5] * 3] * 2


def test_pretrained_embeddings_and_parameter_lists_share_the_given_tensor():
    table = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    for module in (nn.Embedding.from_pretrained(table, freeze=False),
                   nn.EmbeddingBag.from_pretrained(table), nn.Embedding(2, 2, _weight=table)):
        assert np.shares_memory(module.weight.data, table.data)
    entries = nn.ParameterList([table])
    assert np.shares_memory(entries[0].data, table.data) and entries[0].requires_grad
    converted = nn.Embedding(2, 2, _weight=table, dtype=tg.float64)
    assert converted.weight.dtype == tg.float64 and converted.weight.tolist()[1] == [3.0, 4.0]


# ------------------------------------------------------------------------------ embeddings
def test_embedding_bag_max_norm_renormalises_the_padding_rows_it_meets_as_torch():
    weight = tg.tensor([[3.0, 4.0], [1.0, 0.0], [0.0, 6.0]], dtype=tg.float64)
    out = F.embedding_bag(tg.tensor([0, 2, 1]), weight, tg.tensor([0, 2]), mode="sum",
                          max_norm=1.0, padding_idx=2)
    scale = 1 / (5 + 1e-7), 1 / (6 + 1e-7)            # max_norm / (norm + 1e-7)
    np.testing.assert_allclose(weight.data, [[3 * scale[0], 4 * scale[0]], [1, 0],
                                             [0, 6 * scale[1]]], rtol=1e-15)
    np.testing.assert_allclose(out.data, [[3 * scale[0], 4 * scale[0]], [1, 0]], rtol=1e-15)


def test_embedding_refuses_max_norm_on_an_integer_table_and_uint8_indices():
    with pytest.raises(TypeError, match="embedding: max_norm .* floating point, got int64"):
        F.embedding(tg.tensor([0, 1]), tg.tensor([[3, 4], [1, 0]]), max_norm=1.0)
    assert F.embedding(tg.tensor([1]), tg.tensor([[3, 4], [1, 0]])).tolist() == [[1, 0]]
    with pytest.raises(TypeError, match=r"embedding: .*got uint8 \(torch refuses uint8 here\); "
                                          r"convert with \.long\(\)"):
        F.embedding(tg.tensor([1], dtype=tg.uint8), tg.zeros(3, 2))
    with pytest.raises(TypeError, match="uint8"):
        nn.EmbeddingBag(3, 2)(tg.tensor([[1, 2]], dtype=tg.uint8))


# -------------------------------------------------------------------------- Module, containers
def test_named_modules_memo_is_a_set_of_modules_as_torch():
    model = nn.Sequential(nn.Linear(1, 1), nn.ReLU())
    memo = {model[0]}
    assert [name for name, _ in model.named_modules(memo=memo)] == ["", "1"]
    assert memo == {model, model[0], model[1]}


def test_parameter_dict_has_torchs_dict_methods():
    a, b = nn.Parameter(tg.ones(1)), nn.Parameter(tg.ones(2))
    params = nn.ParameterDict(OrderedDict(a=a, b=b))
    assert list(reversed(params)) == ["b", "a"]
    copied = params.copy()
    assert type(copied) is nn.ParameterDict and copied["a"] is a and list(copied) == ["a", "b"]
    assert params.setdefault("a", tg.zeros(3)) is a
    assert params.setdefault("c", tg.zeros(3)).shape == (3,) and list(params) == ["a", "b", "c"]
    assert params.setdefault("d") is None and "d" in params      # a None slot, as torch
    assert params.popitem() == ("d", None) and params.popitem()[0] == "c"
    fresh = params.fromkeys(["x", "y"], tg.zeros(2))
    assert type(fresh) is nn.ParameterDict and list(fresh) == ["x", "y"]
    assert isinstance(fresh["x"], nn.Parameter) and fresh["x"] is not fresh["y"]
    merged = params | {"q": tg.ones(1)}
    assert type(merged) is nn.ParameterDict and list(merged) == ["a", "b", "q"]
    assert list(params) == ["a", "b"]                             # `|` made a new dict
    assert list({"z": tg.ones(1)} | params) == ["z", "a", "b"]
    params |= {"r": tg.ones(4)}
    assert list(params) == ["a", "b", "r"] and isinstance(params["r"], nn.Parameter)
    assert "(a): Parameter containing: [float32 of size 1]" in repr(params)
    with pytest.raises(KeyError, match="empty"):
        nn.ParameterDict().popitem()
    assert "Object of type: NoneType" in repr(nn.ParameterList([tg.ones(1), None]))


def test_container_methods_name_themselves_when_given_the_wrong_kind_of_argument():
    with pytest.raises(TypeError, match="ModuleList.extend: expected an iterable .* got Linear"):
        nn.ModuleList().extend(nn.Linear(1, 1))
    with pytest.raises(TypeError, match="ParameterList.extend: .* got int"):
        nn.ParameterList().extend(3)
    with pytest.raises(TypeError, match="ParameterList.extend: .* got Tensor"):
        nn.ParameterList().extend(tg.ones(2))
    with pytest.raises(ValueError, match=r"ModuleDict.update: entry #0 must be a \(key, value\) "
                                         "pair, got a tuple of length 1"):
        nn.ModuleDict().update([("a",)])
    with pytest.raises(TypeError, match="ModuleDict.update: expected a mapping .* got Linear"):
        nn.ModuleDict().update(nn.Linear(1, 1))
    extended = nn.ModuleList([nn.ReLU()]).extend(nn.Sequential(nn.Tanh(), nn.ReLU()))
    assert [type(m).__name__ for m in extended] == ["ReLU", "Tanh", "ReLU"]
    assert list(nn.ModuleDict([("a", nn.ReLU()), ["b", nn.Tanh()]])) == ["a", "b"]
    assert list(reversed(nn.ModuleDict([("a", nn.ReLU()), ("b", nn.Tanh())]))) == ["b", "a"]


def test_tensor_is_still_copied_by_the_tensor_constructor():
    source = tg.zeros(2)
    assert not np.shares_memory(Tensor(source).data, source.data)


# --------------------------------------------------------------------------- normalization
def test_rms_norm_computes_float16_in_float32_and_keeps_the_input_dtype():
    x = np.array([[300.0, 1.0, 2.0, 3.0]], np.float16)        # x * x overflows float16
    eps = float(np.finfo(np.float16).eps)
    expected = x / np.sqrt(np.mean(x.astype(np.float64) ** 2) + eps)
    t = tg.tensor(x, requires_grad=True)
    out = F.rms_norm(t, (4,))
    assert out.dtype == tg.float16
    np.testing.assert_allclose(out.data.astype(np.float64), expected, rtol=1e-3)
    out.sum().backward()
    assert np.all(np.isfinite(t.grad.data)) and t.grad.data[0, 1] > 6e-3
    assert nn.RMSNorm(4)(tg.tensor(x)).dtype == tg.float16            # float32 weight
    mixed = F.rms_norm(tg.ones(2, 3), (3,), tg.ones(3, dtype=tg.float64))
    assert mixed.dtype == tg.float32 and mixed.tolist() == [[1.0] * 3] * 2


def test_rms_norm_of_an_empty_normalized_shape_is_empty_and_keeps_running_stats_of_norms():
    assert F.rms_norm(tg.zeros(2, 3, 0), (0,)).shape == (2, 3, 0)
    assert F.rms_norm(tg.zeros(0, 4), (4,), tg.ones(4)).shape == (0, 4)
    norm = nn.InstanceNorm1d(3, track_running_stats=True)
    assert norm(tg.zeros(2, 3, 0)).shape == (2, 3, 0)
    assert norm.running_mean.tolist() == [0.0] * 3 and norm.running_var.tolist() == [1.0] * 3


def test_batch_norm_refuses_integer_input_in_both_modes():
    x = tg.tensor([[1, 2, 3], [4, 6, 9]])
    stats = tg.zeros(3, dtype=tg.int64), tg.full((3,), 4, dtype=tg.int64)
    for training in (False, True):
        with pytest.raises(TypeError, match="^batch_norm: expected a floating point input, "
                                            "got dtype int64"):
            F.batch_norm(x, *stats, training=training)
    with pytest.raises(TypeError, match="^batch_norm: expected a floating point input"):
        nn.BatchNorm1d(3)(x)


def test_norm_layers_call_check_input_dim_which_subclasses_may_relax():
    class AnyRankBatchNorm(nn.BatchNorm1d):
        def _check_input_dim(self, input):
            pass

    class AnyRankInstanceNorm(nn.InstanceNorm1d):
        def _check_input_dim(self, input):
            pass
    x = tg.randn(2, 3, 4, 4, dtype=tg.float64)
    out = AnyRankBatchNorm(3, affine=False, dtype=tg.float64)(x)
    np.testing.assert_allclose(out.data.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    assert AnyRankInstanceNorm(3, dtype=tg.float64)(x).shape == (2, 3, 4, 4)
    with pytest.raises(ValueError, match=r"^BatchNorm1d: expected 2-D or 3-D input"):
        nn.BatchNorm1d(3)(x)
    with pytest.raises(ValueError, match=r"^InstanceNorm1d: expected a 2-D or 3-D input"):
        nn.InstanceNorm1d(3)(x)


# ------------------------------------------------------------------------------ optimizers
def test_lbfgs_loads_a_state_dict_holding_numbers_as_0d_arrays_as_torchs_does():
    def run(steps, state=None):
        w = nn.Parameter(tg.tensor([1.5, -0.5], dtype=tg.float64))
        opt = nn.optim.LBFGS([w], max_iter=3)
        if state is not None:
            w.data[...] = state[0]
            opt.load_state_dict(state[1])

        def closure():
            opt.zero_grad()
            loss = ((w - 1) ** 4).sum() + (w ** 2).sum()
            loss.backward()
            return loss
        for _ in range(steps):
            opt.step(closure)
        return w, opt

    def as_0d(value):                         # torch keeps H_diag, al and ro as 0-d tensors
        if isinstance(value, list):
            return [as_0d(v) for v in value]
        return np.array(value) if isinstance(value, float) else value
    w, opt = run(1)
    saved = opt.state_dict()
    saved["state"] = {k: {key: as_0d(v) for key, v in entry.items()}
                      for k, entry in saved["state"].items()}
    assert np.asarray(saved["state"][0]["H_diag"]).ndim == 0
    resumed, _ = run(2, (w.data.copy(), saved))
    straight, _ = run(3)
    np.testing.assert_array_equal(resumed.data, straight.data)


def test_an_optimizer_takes_a_non_leaf_that_retains_its_grad_as_torch():
    leaf = tg.ones(3, requires_grad=True)
    hidden = leaf * 2
    hidden.retain_grad()
    opt = nn.optim.SGD([hidden], lr=0.5)
    (hidden * hidden).sum().backward()
    opt.step()
    assert hidden.tolist() == [0.0, 0.0, 0.0]             # 2 - 0.5 * (2 * 2)
    with pytest.raises(ValueError, match="non-leaf .* or call retain_grad"):
        nn.optim.SGD([leaf * 2], lr=0.1)


def test_batch_norm_training_is_exact_for_inputs_far_from_zero():
    """The batch statistics come from Standardize's two centring passes: 1e8 + x normalises
    as x does (the single-pass centring lost 1e-8 here)."""
    rng = np.random.default_rng(0)
    far = rng.standard_normal((8, 3, 5)) + 1e8
    out = F.batch_norm(tg.tensor(far), None, None, training=True)
    near = F.batch_norm(tg.tensor(far - 1e8), None, None, training=True)     # (exact)
    np.testing.assert_allclose(out.data, near.data, rtol=0, atol=1e-15)
    mean, var = tg.zeros(3, dtype=tg.float64), tg.ones(3, dtype=tg.float64)
    F.batch_norm(tg.tensor(far), mean, var, training=True, momentum=1.0)
    np.testing.assert_allclose(mean.data, far.mean(axis=(0, 2)), rtol=1e-15)
    np.testing.assert_allclose(var.data, far.var(axis=(0, 2), ddof=1), rtol=1e-12)


# ------------------------------------------------------------------------------ checkpoint
def test_a_second_backward_through_a_checkpoint_is_refused_as_torch():
    from tinygrad_edu.utils.checkpoint import checkpoint
    layer = nn.Linear(3, 3)
    x = tg.randn(2, 3, requires_grad=True)

    def run():
        return checkpoint(lambda h: layer(h).tanh(), x, use_reentrant=False).sum()
    loss = run()
    loss.backward()
    once = layer.weight.grad.numpy().copy()
    with pytest.raises(RuntimeError, match="^checkpoint: trying to backward through the graph "
                                           "a second time"):
        loss.backward()                       # (it silently doubled .grad)
    np.testing.assert_array_equal(layer.weight.grad.data, once)
    loss = run()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(layer.weight.grad.data, 3 * once, rtol=1e-6)
    loss = run()
    with tg.no_grad():
        layer.weight.add_(1.0)                # (the recomputation would use the new weight)
    with pytest.raises(RuntimeError, match="^checkpoint: its input 1, .* changed in place"):
        loss.backward()
