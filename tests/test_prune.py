"""nn.utils.prune: masks by magnitude, norm, chance, a custom array or a global ranking;
iterative pruning ranks only what is still kept; the pruned tensor is original * mask,
so pruned entries get no gradient; remove() makes it permanent in the same Parameter."""
from __future__ import annotations

import numpy as np
import pytest

import nn
import nn.utils.prune as prune
import tinygrad_edu as tg
from tinygrad_edu import Tensor


def linear(weights, bias=None) -> nn.Linear:
    w = np.asarray(weights, dtype=np.float64)
    layer = nn.Linear(w.shape[1], w.shape[0]).double()
    layer.weight.data[...] = w
    if bias is not None:
        layer.bias.data[...] = bias
    return layer


def test_l1_unstructured_prunes_the_smallest_and_then_ranks_what_is_left():
    layer = linear([[0.1, -5.0, 0.3], [2.0, -0.2, 4.0]])
    weight = layer.weight
    opt = nn.optim.SGD(layer.parameters(), lr=1.0)
    prune.l1_unstructured(layer, "weight", amount=0.5)            # round(3.0) = 3 entries
    assert layer.weight_orig is weight and "weight" not in dict(layer.named_parameters())
    assert layer.weight_mask.numpy().tolist() == [[0, 1, 0], [1, 0, 1]]
    np.testing.assert_array_equal(layer.weight.numpy(), [[0, -5, 0], [2, 0, 4]])
    prune.l1_unstructured(layer, "weight", amount=1)               # of the 3 kept: the 2.0
    assert layer.weight_mask.numpy().tolist() == [[0, 1, 0], [0, 0, 1]]
    assert isinstance(layer._forward_pre_hooks[0][0], prune.PruningContainer)
    assert len(layer._forward_pre_hooks) == 1 and len(layer._forward_pre_hooks[0][0]) == 2
    assert list(layer.state_dict()) == ["bias", "weight_orig", "weight_mask"]
    x = Tensor(np.ones((1, 3)))
    layer(x).sum().backward()
    np.testing.assert_array_equal(weight.grad.numpy(), layer.weight_mask.numpy())  # d/dorig
    opt.step()                                        # the optimizer made before trains it
    np.testing.assert_array_equal(layer(x).detach().numpy(), [[-6.0 + layer.bias[0].item(),
                                                               3.0 + layer.bias[1].item()]])
    assert prune.is_pruned(nn.Sequential(layer)) and not prune.is_pruned(linear([[1.0]]))
    prune.remove(layer, "weight")
    assert layer.weight is weight and isinstance(weight, nn.Parameter)
    np.testing.assert_array_equal(weight.numpy(), [[0, -6, 0], [0, 0, 3]])
    assert list(layer.state_dict()) == ["bias", "weight"] and not prune.is_pruned(layer)


def test_ln_structured_drops_whole_channels_by_norm():
    layer = linear([[3.0, 4.0], [0.1, 0.1], [1.0, 1.0], [-2.0, 0.0]])   # row norms 5, .14, 1.4, 2
    prune.ln_structured(layer, "weight", amount=0.5, n=2, dim=0)
    assert layer.weight_mask.numpy()[:, 0].tolist() == [1, 0, 0, 1]
    prune.ln_structured(layer, "weight", amount=1, n=1, dim=0)        # of rows 0 and 3
    assert layer.weight_mask.numpy()[:, 1].tolist() == [1, 0, 0, 0]
    conv = nn.Conv2d(2, 6, 3)
    prune.ln_structured(conv, "weight", amount=2, n=float("inf"), dim=0)
    kept = conv.weight_mask.numpy().reshape(6, -1)
    assert set(kept.min(1)) == {0.0, 1.0} and (kept.max(1) == kept.min(1)).all()
    assert kept[:, 0].sum() == 4
    with pytest.raises(ValueError, match=r"ln_structured: structured pruning needs a tensor "
                                         r"of 2 or more dimensions, got shape \(6,\)"):
        prune.ln_structured(conv, "bias", amount=1, n=2, dim=0)
    assert "bias" in dict(conv.named_parameters())                    # left as it was


def test_global_unstructured_ranks_all_tensors_together():
    small, large = linear([[0.1, 0.2], [0.3, 0.4]]), linear([[1.0, 2.0], [3.0, 4.0]])
    prune.global_unstructured([(small, "weight"), (large, "weight")],
                              pruning_method=prune.L1Unstructured, amount=0.5)
    assert small.weight_mask.numpy().sum() == 0 and large.weight_mask.numpy().sum() == 4
    prune.global_unstructured([(small, "weight"), (large, "weight")],
                              pruning_method=prune.L1Unstructured, amount=1)
    assert large.weight_mask.numpy().tolist() == [[0, 1], [1, 1]]   # the smallest kept one
    scores = {(large, "weight"): Tensor(np.array([[9.0, 9.0], [9.0, 0.5]]))}
    fresh = linear([[1.0, 2.0], [3.0, 4.0]])
    prune.l1_unstructured(fresh, "weight", 1, importance_scores=scores[(large, "weight")])
    assert fresh.weight_mask.numpy().tolist() == [[1, 1], [1, 0]]
    with pytest.raises(TypeError, match="not an unstructured pruning method"):
        prune.global_unstructured([(fresh, "bias")], prune.LnStructured, amount=1, n=2)


def test_custom_random_and_identity_masks():
    layer = linear(np.arange(6.0).reshape(2, 3) + 1)
    prune.custom_from_mask(layer, "weight", mask=np.array([[1, 0, 1], [0, 1, 1]]))
    np.testing.assert_array_equal(layer.weight.numpy(), [[1, 0, 3], [0, 5, 6]])
    prune.custom_from_mask(layer, "weight", mask=np.array([[0, 1, 1], [1, 1, 1]]))
    assert layer.weight_mask.numpy().tolist() == [[0, 0, 1], [0, 1, 1]]  # multiplied in
    tg.manual_seed(3)
    first = nn.Linear(10, 10)
    prune.random_unstructured(first, "weight", amount=0.25)
    tg.manual_seed(3)
    second = nn.Linear(10, 10)
    prune.random_unstructured(second, "weight", amount=0.25)
    assert first.weight_mask.numpy().sum() == 75
    np.testing.assert_array_equal(first.weight_mask.numpy(), second.weight_mask.numpy())
    conv = nn.Conv2d(3, 8, 3)
    prune.random_structured(conv, "weight", amount=3, dim=0)
    assert conv.weight_mask.numpy().reshape(8, -1).max(1).sum() == 5
    same = linear([[1.0, 2.0]])
    prune.identity(same, "weight")
    assert same.weight_mask.numpy().tolist() == [[1, 1]] and prune.is_pruned(same)
    w = Tensor(np.array([[0.5, -3.0], [2.0, 0.1]]))
    np.testing.assert_array_equal(prune.L1Unstructured(0.5).prune(w).numpy(), [[0, -3], [2, 0]])


def test_bad_arguments_name_the_function():
    layer = linear([[1.0, 2.0]])
    with pytest.raises(ValueError, match=r"amount=1.5 should be a float in \[0, 1\]"):
        prune.l1_unstructured(layer, "weight", amount=1.5)
    with pytest.raises(TypeError, match="invalid type for amount: str"):
        prune.l1_unstructured(layer, "weight", amount="half")
    with pytest.raises(ValueError, match="l1_unstructured: amount=3 is more than the 2 units"):
        prune.l1_unstructured(layer, "weight", amount=3)
    assert isinstance(layer.weight, nn.Parameter)          # a failed prune changes nothing
    with pytest.raises(ValueError, match="parameter 'bias' of Linear has to be pruned"):
        prune.remove(layer, "bias")
    with pytest.raises(ValueError, match=r"custom_from_mask: a mask of shape \(3,\) for a "
                                         r"tensor of shape \(1, 2\)"):
        prune.custom_from_mask(layer, "weight", mask=np.ones(3))


def test_recurrent_layers_run_on_their_pruned_weights():
    """A GRU reads weight_hh_l0 and bias_ih_l0 as the module sees them (orig * mask)."""
    tg.manual_seed(0)
    gru = nn.GRU(3, 4, num_layers=2, bidirectional=True).double()
    plain = nn.GRU(3, 4, num_layers=2, bidirectional=True).double()
    prune.l1_unstructured(gru, "weight_hh_l0", amount=0.5)
    prune.random_unstructured(gru, "bias_ih_l1_reverse", amount=3)
    state = {name.replace("_orig", ""): value for name, value in gru.state_dict().items()
             if not name.endswith("_mask")}
    for name in ("weight_hh_l0", "bias_ih_l1_reverse"):
        state[name] = getattr(gru, name).detach()
    plain.load_state_dict(state)
    x = Tensor(np.random.default_rng(1).standard_normal((5, 2, 3)))
    np.testing.assert_array_equal(gru(x)[0].detach().numpy(), plain(x)[0].detach().numpy())
    assert gru._flat_weights[1] is gru.weight_hh_l0                 # the pruned tensor


def test_the_tutorial_walks_the_pruning_history_through_the_hooks():
    conv = nn.Conv2d(1, 6, 3)
    prune.random_unstructured(conv, name="weight", amount=0.3)
    prune.ln_structured(conv, name="weight", amount=0.5, n=2, dim=0)
    for hook in conv._forward_pre_hooks.values():
        if hook._tensor_name == "weight":
            break
    assert [type(method).__name__ for method in hook] == ["RandomUnstructured",
                                                         "LnStructured"]
    assert conv._forward_pre_hooks.items()[0] == (0, hook)
