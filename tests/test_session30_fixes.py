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
    with pytest.raises(TypeError, match=r"embedding: .*got uint8; convert with \.long\(\)"):
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
