"""Fixes of the twenty-fourth session: save/load keeps shared tensors shared and explains
files it cannot read; load_state_dict reports keys as torch does; the lean Function.apply
keeps every rule of the old one."""
import io

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from checks import round_trip
from tinygrad_edu.function import Function


def test_a_tensor_saved_twice_loads_as_one_object_as_torch():
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    counts = np.arange(3)
    loaded = round_trip({"encoder": w, "decoder": w, "more": [w, counts, counts]})
    assert loaded["encoder"] is loaded["decoder"] is loaded["more"][0]
    assert loaded["more"][1] is loaded["more"][2]
    assert loaded["encoder"].requires_grad and loaded["encoder"].is_leaf
    loaded["encoder"].data[1] = 100.0                  # tied weights stay tied
    assert loaded["decoder"].tolist() == [1.0, 100.0, 3.0]


def test_tied_weights_of_a_model_stay_tied_through_save_and_load():
    model = nn.Sequential(nn.Linear(3, 3, bias=False), nn.Linear(3, 3, bias=False))
    model[1].weight = model[0].weight
    loaded = round_trip(model.state_dict(keep_vars=True))
    assert loaded["0.weight"] is loaded["1.weight"]


def test_distinct_tensors_with_equal_values_stay_distinct():
    loaded = round_trip([tg.ones(2), tg.ones(2)])
    assert loaded[0] is not loaded[1]


def test_load_of_a_npy_file_says_what_it_is(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.ones(2))
    with pytest.raises(ValueError, match=r"load: .*x\.npy holds one numpy array \(a \.npy"):
        tg.load(path)


def test_load_of_a_pickle_or_text_file_says_it_was_not_written_by_save(tmp_path):
    path = tmp_path / "model.pt"
    path.write_text("not a checkpoint")
    with pytest.raises(ValueError, match="was not written by tinygrad_edu.save.*torch "
                                         "tensor or checkpoint"):
        tg.load(path)


def test_saving_a_module_suggests_its_state_dict():
    with pytest.raises(TypeError, match=r"cannot store a Linear.*Linear\.state_dict\(\)"):
        tg.save(nn.Linear(2, 2), io.BytesIO())


def test_unexpected_keys_below_a_parameter_or_named_like_a_child_as_torch():
    model = nn.Sequential(nn.Linear(2, 2))
    state = model.state_dict()
    state["0.weight.orig"] = tg.zeros(2)              # dotted: must name a child of 0
    state["0"] = tg.zeros(1)                          # plain: must name an entry of the root
    result = model.load_state_dict(state, strict=False)
    assert result.unexpected_keys == ["0", "0.weight.orig"] and result.missing_keys == []
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "0", '
                                           r'"0.weight.orig"'):
        model.load_state_dict(state)


def test_a_submodule_that_became_a_parameter_reports_both_keys():
    class Old(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Linear(1, 1)

    class New(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(tg.ones(1))

    result = New().load_state_dict(Old().state_dict(), strict=False)
    assert result.missing_keys == ["scale"]
    assert result.unexpected_keys == ["scale.weight", "scale.bias"]


@pytest.mark.parametrize("assign", [False, True])
def test_an_old_checkpoints_one_element_value_loads_into_a_0d_buffer(assign):
    norm = nn.BatchNorm1d(3)
    state = norm.state_dict()
    state["num_batches_tracked"] = tg.tensor([7])
    norm.load_state_dict(state, assign=assign)
    assert norm.num_batches_tracked.shape == () and norm.num_batches_tracked.item() == 7
    state["num_batches_tracked"] = tg.tensor([7, 8])
    with pytest.raises(RuntimeError, match=r"size mismatch for num_batches_tracked: copying "
                                           r"a param with shape \(2,\)"):
        norm.load_state_dict(state)


# ------------------------------------------------------------------ the lean apply
def test_a_freed_node_says_so_and_viz_sees_it_freed():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    node = y.grad_fn.inputs[0].grad_fn            # the multiplication, which saved x
    assert not node._freed
    y.backward()
    assert node._freed
    with pytest.raises(RuntimeError, match="mul: trying to backward through the graph a "
                                           "second time.*retain_graph=True"):
        y.backward()


def test_an_op_that_saved_its_output_hands_back_the_graphs_tensor():
    x = tg.tensor([0.5, 1.5], requires_grad=True)
    y = x.exp()
    (saved,) = y.grad_fn.saved_tensors
    assert saved is not None and np.array_equal(saved.data, y.data)
    assert saved.grad_fn is y.grad_fn             # the output itself, still in the graph
    y.sum().backward()
    assert np.allclose(x.grad.data, np.exp([0.5, 1.5]))


def test_a_ctx_made_outside_apply_is_collected_without_an_error(recwarn):
    node = Function.__new__(type(tg.tensor(1.0, requires_grad=True).exp().grad_fn))
    del node                                       # __del__ must not raise
    assert not [w for w in recwarn if "Exception ignored" in str(w.message)]


def test_a_node_that_is_gone_stops_counting_as_a_reader():
    x = tg.tensor([1.0, 2.0], requires_grad=True) * 1.0   # a non-leaf
    y = x * 3
    assert x._consumed == 1
    del y
    assert x._consumed == 0
    x[0] = 5.0                                    # no reader left: the write is recorded
    x.sum().backward()


def test_a_built_in_op_with_a_trailing_none_and_a_number_still_wraps_them():
    x = tg.tensor([[1.0, -2.0]], requires_grad=True)
    w = tg.tensor([[3.0, 4.0]], requires_grad=True)
    out = nn.functional.linear(x, w, None)
    out.sum().backward()
    assert out.item() == -5.0 and x.grad.tolist() == [[3.0, 4.0]]
    assert (tg.tensor([1.0, 2.0]) * np.float64(2.0)).tolist() == [2.0, 4.0]


# ------------------------------------------------------------------ schedulers
def test_polynomial_lr_resumed_keeps_the_lr_loaded_as_torch():
    parameter = nn.Parameter(tg.zeros(1))
    optimizer = nn.optim.SGD([parameter], lr=0.1)
    optimizer.param_groups[0]["initial_lr"] = 0.1
    optimizer.param_groups[0]["lr"] = loaded = 0.1 * (1 - 5 / 9) ** 2   # after 5 epochs
    scheduler = nn.optim.lr_scheduler.PolynomialLR(optimizer, total_iters=9, power=2.0,
                                                   last_epoch=5)
    assert scheduler.last_epoch == 6 and scheduler.get_last_lr() == [loaded]   # torch's
    optimizer.step()
    scheduler.step()                               # t = 7: times ((1 - 7/9) / (1 - 6/9))^2
    assert scheduler.get_last_lr()[0] == pytest.approx(loaded * (2 / 3) ** 2, rel=1e-15)
    assert scheduler.get_last_lr()[0] == pytest.approx(0.0087791, abs=1e-7)   # torch 2.13


def test_cosine_warm_restarts_refuses_an_eta_min_that_is_not_a_number():
    optimizer = nn.optim.SGD([nn.Parameter(tg.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="CosineAnnealingWarmRestarts: eta_min must be a "
                                         "float or an int, got '0.001' of type str"):
        nn.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=5, eta_min="0.001")
