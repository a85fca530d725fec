"""Module state_dict / load_state_dict hooks, as torch.nn.Module's."""
from __future__ import annotations

import numpy as np
import pytest

import nn
import tinygrad_edu as tg


def _model() -> nn.Module:
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.BatchNorm1d(3), nn.Linear(3, 1)))


def test_state_dict_hooks_run_in_torchs_order_and_may_edit_the_result():
    model, calls = _model(), []
    for name, module in [("root", model), ("inner", model[1]), ("bn", model[1][0])]:
        module.register_state_dict_pre_hook(
            lambda m, prefix, keep, name=name: calls.append(("pre", name, prefix, keep)))
        module.register_state_dict_post_hook(
            lambda m, sd, prefix, meta, name=name: calls.append(("post", name, prefix, len(sd))))
    model[1].register_state_dict_post_hook(
        lambda m, sd, prefix, meta: sd.__delitem__("1.0.running_var"))
    state = model.state_dict(keep_vars=True)
    assert calls == [("pre", "root", "", True), ("pre", "inner", "1.", True),
                     ("pre", "bn", "1.0.", True), ("post", "bn", "1.0.", 7),
                     ("post", "inner", "1.", 9), ("post", "root", "", 8)]
    assert "1.0.running_var" not in state and "1.1.bias" in state


def test_a_public_post_hook_must_return_none_and_the_private_one_may_replace_the_result():
    model = _model()
    handle = model.register_state_dict_post_hook(lambda m, sd, prefix, meta: {"x": 1})
    with pytest.raises(RuntimeError, match="state_dict: the post-hook .* returned a value"):
        model.state_dict()
    handle.remove()
    model._register_state_dict_hook(lambda m, sd, prefix, meta: {"x": 1})
    model[0]._register_state_dict_hook(lambda m, sd, prefix, meta: {"lost": 2})
    assert model.state_dict() == {"x": 1}       # a child's replacement is dropped, as torch
    assert model[0].state_dict() == {"lost": 2}


def test_a_load_pre_hook_renames_old_keys_before_the_module_loads():
    model = _model()
    old = {k.replace("weight", "w"): np.full_like(v.data, 2) for k, v in model.state_dict().items()}
    seen = []

    def rename(module, state_dict, prefix, local_metadata, strict, missing, unexpected, errors):
        seen.append((type(module).__name__, prefix, strict))
        for key in list(state_dict):
            if key.startswith(prefix) and key[len(prefix):] == "w":
                state_dict[prefix + "weight"] = state_dict.pop(key)

    for module in model.modules():
        module.register_load_state_dict_pre_hook(rename)
    assert repr(model.load_state_dict(old)) == "<All keys matched successfully>"
    assert seen == [("Sequential", "", True), ("Linear", "0.", True), ("Sequential", "1.", True),
                    ("BatchNorm1d", "1.0.", True), ("Linear", "1.1.", True)]
    np.testing.assert_array_equal(model[1][1].weight.data, 2)
    without_module = []
    model[0]._register_load_state_dict_pre_hook(lambda *args: without_module.append(len(args)))
    model.load_state_dict(model.state_dict())
    assert without_module == [7]


def test_load_post_hooks_run_after_the_subtree_and_may_forgive_keys():
    model, calls = _model(), []
    for name, module in [("root", model), ("lin0", model[0]), ("inner", model[1])]:
        module.register_load_state_dict_post_hook(
            lambda m, keys, name=name: calls.append((name, list(keys.missing_keys))))
    state = model.state_dict()
    del state["1.1.bias"]
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "1.1.bias"'):
        model.load_state_dict(state)
    assert calls == [("lin0", []), ("inner", ["1.1.bias"]), ("root", ["1.1.bias"])]

    forgive = model.register_load_state_dict_post_hook(lambda m, keys: keys.missing_keys.clear())
    assert model.load_state_dict(state).missing_keys == []          # strict is judged after it
    forgive.remove()
    model.register_load_state_dict_post_hook(lambda m, keys: keys)
    with pytest.raises(RuntimeError, match="load_state_dict: the post-hook .* returned a value"):
        model.load_state_dict(model.state_dict())


def test_removed_hooks_no_longer_run():
    model, calls = _model(), []
    handles = [model.register_state_dict_pre_hook(lambda *a: calls.append("pre")),
               model.register_state_dict_post_hook(lambda *a: calls.append("post")),
               model.register_load_state_dict_pre_hook(lambda *a: calls.append("load pre")),
               model.register_load_state_dict_post_hook(lambda *a: calls.append("load post"))]
    model.load_state_dict(model.state_dict())
    assert calls == ["pre", "post", "load pre", "load post"]
    for handle in handles:
        handle.remove()
    model.load_state_dict(model.state_dict())
    assert len(calls) == 4


def test_hooks_match_torch():
    torch = pytest.importorskip("torch")
    logs = {}
    for lib, name in ((torch.nn, "torch"), (nn, "ours")):
        model = lib.Sequential(lib.Linear(2, 3), lib.Sequential(lib.ReLU(), lib.Linear(3, 1)))
        log = logs[name] = []
        for i, module in enumerate(model.modules()):
            module.register_state_dict_pre_hook(lambda m, p, k, i=i: log.append(("pre", i, p)))
            module.register_state_dict_post_hook(
                lambda m, sd, p, meta, i=i: log.append(("post", i, p, sorted(sd), meta)))
            module.register_load_state_dict_pre_hook(
                lambda m, sd, p, meta, strict, mk, uk, em, i=i: log.append(
                    ("load pre", i, p, strict, list(mk), list(uk))))
            module.register_load_state_dict_post_hook(
                lambda m, keys, i=i: log.append(("load post", i, list(keys.missing_keys),
                                                 list(keys.unexpected_keys))))
        state = model.state_dict()
        state["1.1.extra"] = state.pop("1.1.bias")
        model.load_state_dict(state, strict=False)
    assert logs["ours"] == logs["torch"]


def test_each_child_loads_from_its_own_keys_with_torchs_metadata():
    model = _model()
    state = model.state_dict()
    assert state._metadata == {"": {"version": 1}, "0": {"version": 1}, "1": {"version": 1},
                               "1.0": {"version": 2}, "1.1": {"version": 1}}
    seen = {}

    def vandal(module, state_dict, prefix, local_metadata, *rest):
        seen[prefix] = (sorted(state_dict), dict(local_metadata))
        state_dict.pop("0.weight", None)        # another module's key: not in its own dict

    model[1][1].register_load_state_dict_pre_hook(vandal)
    model.load_state_dict(state, assign=True)
    assert seen == {"1.1.": (["1.1.bias", "1.1.weight"],
                             {"version": 1, "assign_to_params_buffers": True})}


def test_torchs_seven_argument_override_and_a_renaming_parent_hook_before_a_lazy_child():
    class Renamed(nn.Linear):                 # torch's signature, no assign argument
        def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict,
                                  missing_keys, unexpected_keys, error_msgs):
            if prefix + "w" in state_dict:
                state_dict[prefix + "weight"] = state_dict.pop(prefix + "w")
            super()._load_from_state_dict(state_dict, prefix, local_metadata, strict,
                                          missing_keys, unexpected_keys, error_msgs)

    layer = Renamed(2, 1)
    layer.load_state_dict({"w": np.ones((1, 2)), "bias": np.zeros(1)})
    assert layer.weight.tolist() == [[1.0, 1.0]]

    def rename(module, state_dict, prefix, *rest):
        state_dict[prefix + "0.weight"] = state_dict.pop(prefix + "0.old")

    lazy = nn.Sequential(nn.LazyLinear(1))
    lazy.register_load_state_dict_pre_hook(rename)
    lazy.load_state_dict({"0.old": np.ones((1, 3)), "0.bias": np.zeros(1)})
    assert type(lazy[0]) is nn.Linear and lazy[0].in_features == 3
    fresh = nn.LazyBatchNorm1d()                       # num_batches_tracked is optional
    assert fresh.load_state_dict({"weight": np.ones(2), "bias": np.zeros(2),
                                  "running_mean": np.zeros(2), "running_var": np.ones(2)
                                  }).missing_keys == []


def test_num_batches_tracked_is_optional_only_in_checkpoints_older_than_batch_norms_version():
    norm = nn.BatchNorm1d(2)
    state = norm.state_dict()                      # version 2: the count belongs in it
    del state["num_batches_tracked"]
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: '
                       r'"num_batches_tracked"'):
        norm.load_state_dict(state)
    assert norm.load_state_dict(dict(state)).missing_keys == []     # no version: an old one
