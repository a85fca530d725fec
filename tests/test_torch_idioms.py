"""Lines from PyTorch's own tutorials (the 60 minute blitz, "What is torch.nn really?",
the autograd notes) that a learner copies: each runs here with the same meaning."""
from __future__ import annotations

import copy
import math
import pickle
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
import tinygrad_edu as tg


def test_walking_the_graph_with_next_functions():
    tg.manual_seed(0)
    net = nn.Linear(3, 2)
    x, target = tg.randn(4, 3), tg.randn(4, 2)
    loss = F.mse_loss(net(x), target)
    names, node = [], loss.grad_fn
    while node is not None and node.next_functions:
        names.append(node.name)
        node = next((fn for fn, _ in node.next_functions if fn is not None), None)
    assert names[0] == loss.grad_fn.name and len(names) >= 3
    leaves = {fn.variable for fn, _ in _all_next(loss.grad_fn)
              if isinstance(fn, tg.function.AccumulateGrad)}
    assert leaves == {net.weight, net.bias}            # target and x need no grad: None
    assert repr(tg.function.AccumulateGrad(net.bias)) == "<AccumulateGrad>"
    w = tg.ones(3, requires_grad=True)
    y = (w * 2 + w * 3).sum()
    assert len({id(fn) for fn, _ in _all_next(y.grad_fn)
                if isinstance(fn, tg.function.AccumulateGrad)}) == 1   # one node per leaf


def _all_next(root) -> list:
    out, stack, seen = [], [root], set()
    while stack:
        node = stack.pop()
        for fn, index in node.next_functions:
            assert index == 0
            if fn is not None and id(fn) not in seen:
                seen.add(id(fn))
                out.append((fn, index))
                stack.append(fn)
    return out


def test_a_function_with_two_outputs_is_refused_clearly():
    class SinCos(tg.Function):
        @staticmethod
        def forward(ctx, a):
            return np.sin(a), np.cos(a)

        @staticmethod
        def backward(ctx, g):        # pragma: no cover - never reached
            return g

    with pytest.raises(TypeError, match="SinCos.forward returned a tuple of 2 values"):
        SinCos.apply(tg.ones(3, requires_grad=True))

    class LogDet(tg.Function):
        @staticmethod
        def forward(ctx, a):
            return np.linalg.slogdet(a)          # a namedtuple (sign, logabsdet) in numpy 2

        @staticmethod
        def backward(ctx, g):        # pragma: no cover - never reached
            return g

    with pytest.raises(TypeError, match="LogDet.forward returned a SlogdetResult of 2"):
        LogDet.apply(tg.eye(3, requires_grad=True))


def test_out_argument_writes_into_the_given_tensor():
    x, y = tg.rand(5, 3), tg.rand(5, 3)
    result = tg.empty(5, 3)
    assert tg.add(x, y, out=result) is result
    np.testing.assert_array_equal(result.numpy(), x.numpy() + y.numpy())
    product = tg.zeros(0)                        # empty: resized silently, as torch
    tg.matmul(x, y.T, out=product)
    np.testing.assert_allclose(product.numpy(), x.numpy() @ y.numpy().T, rtol=1e-6)
    wrong_shape = tg.zeros(2)
    with pytest.warns(UserWarning, match="was resized"):
        tg.mul(x, y, out=wrong_shape)
    assert wrong_shape.shape == (5, 3)
    with pytest.raises(RuntimeError, match="can't be cast"):
        tg.add(x, y, out=tg.zeros(5, 3, dtype=tg.int64))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        tg.add(x.requires_grad_(), y, out=result)
    with tg.no_grad():
        tg.add(x, y, out=result)                 # fine without a graph
        base = tg.zeros(6)
        with pytest.raises(RuntimeError, match="a view cannot be resized"):
            tg.add(tg.ones(3), 1, out=base[:2])
        tg.add(tg.ones(2), 1, out=base[:2])      # a view of the right shape is written
        assert base.tolist() == [2, 2, 0, 0, 0, 0]


def test_dtype_aliases_and_size():
    x = tg.rand(5, 3)
    assert tg.randn_like(x, dtype=tg.float).dtype == np.float32
    assert x.type(tg.int).dtype == np.int32 and (x > 0.5).dtype == tg.bool
    assert x.size() == (5, 3) and x.size(-1) == 3 and repr(x.size()) == "tinygrad_edu.Size([5, 3])"
    assert x.size()[1:].numel() == 3 and tg.zeros(2, 0).size().numel() == 0
    assert (x.size() + (4,)).numel() == 60 and ((1,) + x.size()) == (1, 5, 3)
    assert (x.size() * 2) == (5, 3, 5, 3) and isinstance(2 * x.size(), tg.Size)
    with pytest.raises(TypeError, match="Size: expected a sequence of ints"):
        tg.Size((2.5, 3))
    import typing
    assert typing.get_type_hints(tg.is_tensor)["return"] is bool     # the builtin, not a dtype


def test_device_checks_of_the_tutorials_pick_the_cpu():
    device = tg.device("cuda:0" if tg.cuda.is_available() else "cpu")
    assert device == "cpu" and tg.cuda.device_count() == 0
    device = (tg.accelerator.current_accelerator().type if tg.accelerator.is_available()
              else "cpu")
    assert device == "cpu" and not tg.backends.mps.is_available()
    tg.cuda.manual_seed_all(0)                   # nothing to seed, as torch without a GPU
    tg.backends.cudnn.benchmark = True           # the tutorials' speed switch: no effect here
    model = nn.Linear(2, 2).to(device)
    assert model(tg.ones(1, 2).to(device)).shape == (1, 2)


def test_load_takes_torchs_keywords(tmp_path):
    path = tmp_path / "model.pth"
    net = nn.Linear(2, 2)
    tg.save(net.state_dict(), path)
    state = tg.load(path, weights_only=True, map_location=tg.device("cpu"))
    assert repr(nn.Linear(2, 2).load_state_dict(state)) == "<All keys matched successfully>"
    with pytest.raises(RuntimeError, match="load: .* CPU only"):
        tg.load(path, map_location="cuda:0")
    for where in ({"cuda:0": "cpu"}, lambda storage, location: storage, None):
        assert list(tg.load(path, map_location=where, weights_only=None)) == ["weight", "bias"]


def test_inplace_flags_are_accepted_and_return_a_new_tensor():
    x = tg.Tensor([-1.0, 2.0])
    assert F.relu(x, inplace=True).tolist() == [0.0, 2.0] and x.tolist() == [-1.0, 2.0]
    assert F.leaky_relu(x, 0.5, inplace=True).tolist() == [-0.5, 2.0]
    assert F.dropout(x, 0.5, training=False, inplace=True).tolist() == [-1.0, 2.0]


def test_retains_grad():
    a = tg.Tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    assert not a.retains_grad and not b.retains_grad
    b.retain_grad()
    assert b.retains_grad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (b * b).sum().backward()
        assert b.grad.tolist() == [4.0, 8.0]


def test_against_torch():
    torch = pytest.importorskip("torch")
    assert repr(tg.zeros(4, 2).size()).replace("tinygrad_edu", "torch") == repr(
        torch.zeros(4, 2).size())
    t = torch.rand(5, 3)
    result = torch.empty(5, 3)
    torch.add(t, t, out=result)
    ours = tg.empty(5, 3)
    tg.add(tg.Tensor(t.numpy()), tg.Tensor(t.numpy()), out=ours)
    np.testing.assert_array_equal(ours.numpy(), result.numpy())
    assert tg.cuda.is_available() == torch.cuda.is_available()


def test_dcgan_weights_init_through_dot_data():
    def weights_init(m):                     # the DCGAN tutorial's function, as it is written
        classname = m.__class__.__name__
        if classname.find("Conv") != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find("BatchNorm") != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    tg.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 64, 4), nn.BatchNorm2d(64), nn.ReLU()).apply(weights_init)
    conv, bn = net[0], net[1]
    assert abs(conv.weight.numpy().std() - 0.02) < 0.002 and abs(conv.weight.numpy().mean()) < 0.002
    assert abs(bn.weight.numpy().mean() - 1) < 0.01 and not bn.bias.numpy().any()
    array = np.ones(3, np.float32)
    assert nn.init.zeros_(array) is array and not array.any()       # returns what it was given


def test_tensor_normal_and_uniform_fill_in_place_reproducibly():
    tg.manual_seed(3)
    first = tg.empty(1000).normal_(2.0, 0.5)
    tg.manual_seed(3)
    assert np.array_equal(tg.empty(1000).normal_(2.0, 0.5).numpy(), first.numpy())
    assert abs(first.numpy().mean() - 2.0) < 0.05 and abs(first.numpy().std() - 0.5) < 0.05
    u = tg.zeros(1000).uniform_(-1, 1, generator=np.random.default_rng(0))
    assert u.numpy().min() >= -1 and u.numpy().max() < 1 and abs(u.numpy().mean()) < 0.1
    w = nn.Linear(2, 2).weight
    with pytest.raises(RuntimeError, match="only be changed in place inside no_grad"):
        w.normal_()
    with pytest.raises(TypeError, match="uniform_: expected a floating point tensor"):
        tg.zeros(2, dtype=tg.int64).uniform_()


def test_clamp_in_place_as_the_style_transfer_tutorial_does():
    image = tg.tensor([[-0.5, 0.25], [1.5, 1.0]], requires_grad=True)
    with pytest.raises(RuntimeError, match="clamp_: a leaf tensor that requires grad can only "
                                           "be changed in place inside no_grad"):
        image.clamp_(0, 1)
    view = image.data[0]
    with tg.no_grad():
        assert image.clamp_(0, 1) is image
    np.testing.assert_array_equal(image.numpy(), [[0.0, 0.25], [1.0, 1.0]])
    np.testing.assert_array_equal(view, [0.0, 0.25])              # in place: views see it
    labels = tg.tensor([3, -1, 7])
    labels.clip_(max=5)
    assert labels.tolist() == [3, -1, 5] and labels.dtype == np.int64
    with pytest.raises(TypeError, match=r"clamp_: a int64 tensor cannot hold the result, "
                                        r"float32, in place; use clamp"):
        labels.clamp_(0.5)


def test_clamp_with_tensor_bounds_sends_the_gradient_to_the_winner():
    x = tg.tensor([-2.0, 0.5, 3.0, 1.0], dtype=tg.float64, requires_grad=True)
    low = tg.tensor([0.0, 0.0, 0.0, 1.0], dtype=tg.float64, requires_grad=True)
    high = tg.tensor(2.0, dtype=tg.float64, requires_grad=True)
    y = x.clamp(min=low, max=high)
    assert y.tolist() == [0.0, 0.5, 2.0, 1.0]
    (y * tg.tensor([1.0, 2.0, 3.0, 4.0], dtype=tg.float64)).sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 0.0, 4.0]      # a tie x == min: x's, as torch
    assert low.grad.tolist() == [1.0, 0.0, 0.0, 0.0] and high.grad.item() == 3.0
    away_from_ties = [tg.tensor(np.array([-2.0, 0.5, 3.0]), requires_grad=True),
                      tg.tensor(np.array([[0.0], [1.0]]), requires_grad=True),
                      tg.tensor(np.array([2.0, 2.5, 2.8]), requires_grad=True)]
    assert tg.gradcheck(lambda a, b, c: a.clamp(min=b, max=c), away_from_ties)
    image = tg.tensor([1.0, 5.0, -3.0])
    image.clamp_(tg.tensor(0.0), tg.tensor([2.0, 2.0, 2.0]))
    assert image.tolist() == [1.0, 2.0, 0.0]


def test_keyword_spellings_of_torch_signatures():
    x = tg.arange(6.0).reshape(2, 3)
    assert x.permute(dims=(1, 0)).shape == tg.permute(x, dims=(1, 0)).shape == (3, 2)
    assert x.reshape(shape=(3, 2)).shape == (3, 2) and x.view(size=(6,)).shape == (6,)
    assert tg.ones(1, 3).expand(size=(2, 3)).shape == (2, 3)
    assert x.repeat(repeats=(1, 2)).shape == tg.tile(x, dims=(2,)).shape == (2, 6)
    assert tg.broadcast_to(tg.ones(3), size=(2, 3)).shape == (2, 3)
    assert [p.shape for p in tg.split(x, split_size_or_sections=2, dim=1)] == [(2, 2), (2, 1)]
    assert tg.arange(end=4).tolist() == [0, 1, 2, 3]
    assert tg.max(x, other=tg.full((2, 3), 2.0)).tolist() == [[2, 2, 2], [3, 4, 5]]
    assert tg.min(x, other=tg.full((2, 3), 2.0)).tolist() == [[0, 1, 2], [2, 2, 2]]
    with pytest.raises(TypeError, match="reshape: got shape both by position and by keyword"):
        x.reshape(2, shape=(3, 2))
    assert x.reshape(-1).split(split_size=4)[0].shape == (4,)     # Tensor.split's name
    assert x.view(dtype=tg.int32).shape == (2, 3)
    assert tg.arange(5, step=2).tolist() == [0, 2, 4] and tg.arange(1, end=3).tolist() == [1, 2]
    with pytest.raises(TypeError, match="arange: end is required"):
        tg.arange(start=3)                                    # torch refuses it too
    with pytest.raises(TypeError, match="max: other= .* takes no dim or keepdim"):
        tg.max(x, 1, other=x)
    assert (tg.pi, tg.e, tg.inf) == (math.pi, math.e, math.inf) and math.isnan(tg.nan)


def test_view_as_another_dtype_reads_the_same_bytes():
    x = tg.tensor([[1.0, 2.0, 3.0]])
    assert x.view(tg.int32).tolist() == [[1065353216, 1073741824, 1077936128]]
    assert x.view(tg.int16).shape == (1, 6) and not x.view(tg.int16).requires_grad
    with pytest.raises(ValueError, match="view: cannot read a tensor of shape \\(1, 3\\) and "
                                         "dtype float32 as float64"):
        x.view(tg.float64)


def test_d2l_masked_softmax_writes_a_constant_into_scores():
    """d2l's sequence_mask: X[~mask] = value on attention scores computed by ops."""
    def masked_softmax(scores, valid_lens):
        shape = scores.shape
        flat = scores.reshape(-1, shape[-1])
        mask = tg.arange(shape[-1])[None, :] < valid_lens.repeat_interleave(shape[1])[:, None]
        flat[~mask] = -1e6
        return F.softmax(flat.reshape(shape), dim=-1)

    s = tg.tensor(np.linspace(-1, 1, 16).reshape(2, 2, 4), requires_grad=True)
    out = masked_softmax(s * 2, tg.tensor([2, 3]))
    assert out[0, :, 2:].abs().max().item() < 1e-300 and out[1, :, 3].max().item() < 1e-300
    (out * tg.arange(4.0)).sum().backward()
    composed = tg.tensor(s.numpy(), requires_grad=True)
    keep = np.arange(4)[None, None, :] < np.array([2, 3])[:, None, None]
    expected = F.softmax((composed * 2).masked_fill(tg.tensor(~keep), -1e6), dim=-1)
    (expected * tg.arange(4.0)).sum().backward()
    np.testing.assert_allclose(s.grad.numpy(), composed.grad.numpy(), rtol=1e-12)


def test_a_write_into_a_tensor_an_op_already_read_is_refused():
    s = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = s * 2
    y = x * x                                       # reads x's old values
    with pytest.raises(RuntimeError, match="setitem: this tensor .*was already used"):
        x[1] = 5.0
    copy = x.clone()
    copy[1] = 5.0
    ((copy ** 2).sum() + y.sum()).backward()
    assert s.grad.tolist() == [16.0, 16.0, 48.0]
    with pytest.raises(RuntimeError, match="setitem: a leaf tensor that requires grad"):
        s[0] = 1.0


def test_numpy_keyword_names_and_size_as_torch_accepts_them():
    """d2l.ai writes y_hat.argmax(axis=1), X.sum(1, keepdims=True), torch.rand(size=...)."""
    x = tg.arange(6.0).reshape(2, 3)
    assert x.sum(axis=0).tolist() == [3.0, 5.0, 7.0] == tg.sum(x, axis=0).tolist()
    assert x.mean(axis=1, keepdims=True).shape == (2, 1)
    assert x.argmax(axis=1).tolist() == [2, 2]
    assert tg.cat([x, x], axis=1).shape == (2, 6) and tg.stack([x, x], axis=-1).shape == (2, 3, 2)
    assert tg.rand(size=(2, 3)).shape == (2, 3) and tg.randn(size=()).shape == ()
    assert tg.zeros(size=(4,), dtype=tg.float64).dtype == np.float64
    with pytest.raises(TypeError, match="sum: got both dim= and its alias axis="):
        x.sum(dim=0, axis=0)
    with pytest.raises(TypeError, match="zeros: got the size both by position and as size="):
        tg.zeros(2, size=(3,))


@pytest.mark.parametrize("write", ["chained", "view", "transposed", "column"])
def test_a_write_through_a_view_reaches_the_tensor_it_views(write):
    """As torch: the view and its base share memory, so y sees the write and the
    gradient of the overwritten elements is 0 (a silent wrong answer before)."""
    a = tg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=tg.float64, requires_grad=True)
    y = a * 2
    if write == "chained":
        y[0][1] = 0.0
    elif write == "view":
        y.view(4)[1] = 0.0
    elif write == "transposed":
        y.T[1, 0] = 0.0
    else:
        column = y[:, 1]
        column[0] = 0.0
    assert y.tolist() == [[2.0, 0.0], [6.0, 8.0]]
    (y * tg.arange(4.0, dtype=tg.float64).reshape(2, 2)).sum().backward()
    assert a.grad.tolist() == [[0.0, 0.0], [4.0, 6.0]]
    leaf = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="setitem: a view of a leaf tensor that requires"):
        leaf[:][0] = 5.0


def test_wrapped_functions_stay_picklable_and_accept_axis_in_linalg_and_functional():
    for fn in (tg.cat, tg.mean, tg.zeros, tg.Tensor.sum, tg.softmax, tg.linalg.vector_norm,
               F.cosine_similarity):
        assert pickle.loads(pickle.dumps(fn)) is fn
    x = tg.randn(3, 4)
    assert tg.linalg.vector_norm(x, axis=1).shape == (3,)
    assert F.cosine_similarity(x, x, axis=1).shape == (3,)


def test_writes_through_chains_of_views_and_writes_in_a_row():
    x = tg.tensor([[0.0, 1, 2], [3, 4, 5]], requires_grad=True)
    out = (x * 1).reshape(3, 2).T                          # a view of a view
    out[0, 0] = 0.0
    out.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    ones = tg.ones(2, 3, requires_grad=True)
    y = ones * 2
    y[0][1] = 0.0                                          # through a temporary view
    y[1, 0] = 5.0                                          # then into y itself
    assert y.tolist() == [[2.0, 0.0, 2.0], [5.0, 2.0, 2.0]]
    y.sum().backward()
    assert ones.grad.tolist() == [[2.0, 0.0, 2.0], [0.0, 2.0, 2.0]]
    column_major = tg.tensor([[1.0, 2], [3, 4], [5, 6]], requires_grad=True)
    z = column_major.T * 2                                  # numpy lays it out by columns
    z[0][1] = -1.0
    z.sum().backward()
    assert column_major.grad.tolist() == [[2.0, 2.0], [0.0, 2.0], [2.0, 2.0]]
    w = tg.tensor([[1.0, 2, 3]], requires_grad=True)
    with_axis = (w * 2)[:, None]                           # a new axis is no expansion
    with_axis[0, 0, 1] = 5.0
    with_axis.sum().backward()
    assert w.grad.tolist() == [[2.0, 0.0, 2.0]]


def test_repeated_writes_through_one_view_keep_the_read_count_right():
    """Each write makes the view again; the count of reads of y must stay at one (the
    view's), so a later write into y itself is allowed and the live view sees it."""
    a = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = a * 2
    view = y[1:]
    for value in (5.0, 6.0, 7.0):
        view[0] = value
    assert y._consumed == 1 and y.tolist() == [2.0, 7.0, 6.0]
    y[2] = 0.0
    assert y._consumed == 1 and view.tolist() == [7.0, 0.0]
    (g,) = tg.grad((view * a[1:]).sum(), a)
    assert g.tolist() == [0.0, 7.0, 0.0]
    strided = tg.arange(24.0, requires_grad=True)
    b = strided.reshape(2, 3, 4) * 2
    b.transpose(1, 2)[0][1] = 0.0                       # a chain through a strided view
    b.sum().backward()
    assert strided.grad.reshape(2, 3, 4)[0, :, 1].tolist() == [0.0, 0.0, 0.0]



@pytest.mark.parametrize("write", [lambda v: v.__setitem__(0, 3.0), lambda v: v.zero_(),
                                   lambda v: v.add_(1.0), lambda v: v.copy_(tg.zeros(2, 2)),
                                   lambda v: v.t().__setitem__(0, 3.0)])
def test_a_view_made_under_no_grad_is_not_written_with_grad_mode_on(write):
    x = tg.ones(4, requires_grad=True)
    y = x * 2
    with tg.no_grad():
        view = y.view(2, 2)
    with pytest.raises(RuntimeError, match="view made under no_grad"):
        write(view)                  # was silent: y changed, its gradient did not (as torch)
    assert y.tolist() == [2.0] * 4
    with tg.no_grad():
        write(view)                  # view and write both unrecorded: allowed, as torch
    plain = tg.ones(4)
    with tg.no_grad():
        piece = plain[:2]
    piece[0] = 5.0                   # a view of a tensor outside any graph: allowed
    assert plain.tolist() == [5.0, 1.0, 1.0, 1.0]


def test_every_function_of_the_package_pickles():
    functions = [getattr(tg, name) for name in dir(tg) if not name.startswith("_")
                 and callable(getattr(tg, name)) and not isinstance(getattr(tg, name), type)]
    assert len(functions) > 300
    for fn in functions:
        assert pickle.loads(pickle.dumps(fn)) is fn, fn
    methods = [value for name, value in vars(tg.Tensor).items()
               if not name.startswith("_") and callable(value) and not isinstance(value, type)]
    assert len(methods) > 300
    for method in methods:                       # x.abs_ and x.new_zeros were not found
        assert pickle.loads(pickle.dumps(method)) is method, method


def _float64(*shape: int, seed: int = 0) -> tg.Tensor:
    return tg.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def test_backprop_ninja_writes_of_values_in_the_graph():
    import nn.functional as F
    logits, targets = _float64(4, 5), [1, 0, 3, 2]
    dlogits = F.softmax(logits, 1) * 1.0
    dlogits[range(4), targets] -= 1                     # exercise 2's line (was refused)
    dlogits /= 4
    expected = (F.softmax(logits, 1) - tg.eye(5, dtype=tg.float64)[targets]) / 4
    np.testing.assert_allclose(dlogits.detach().numpy(), expected.detach().numpy())
    (g_written,) = tg.grad((dlogits * dlogits).sum(), logits)
    (g_expected,) = tg.grad((expected * expected).sum(), logits)
    np.testing.assert_allclose(g_written.numpy(), g_expected.numpy(), rtol=1e-12)

    table, ix = _float64(5, 3, seed=1), tg.tensor([[1, 2], [2, 4]])
    demb = table[ix] * 2
    dtable = tg.zeros_like(table)
    for k in range(2):
        for j in range(2):
            dtable[ix[k, j]] += demb[k, j]              # exercise 1's loop (was refused)
    by_method = tg.zeros_like(table).index_add_(0, ix.view(-1), demb.view(-1, 3))
    out_of_place = tg.zeros_like(table).index_add(0, ix.view(-1), demb.view(-1, 3))
    for written in (dtable, by_method):
        np.testing.assert_allclose(written.detach().numpy(), out_of_place.detach().numpy())
        np.testing.assert_allclose(
            tg.grad((written ** 2).sum(), table, retain_graph=True)[0].numpy(),
            tg.grad((out_of_place ** 2).sum(), table, retain_graph=True)[0].numpy())


def test_in_place_methods_and_writes_through_views_in_a_graph():
    w = _float64(3, 4, seed=2)
    y = w * 2
    row = y[1]
    row.mul_(3)                                          # through a view: y sees it
    del row
    y.add_(1)
    y[0, 1:3] = w[2, :2] ** 2
    twice = w * 2
    top = tg.cat([twice[0, :1] + 1, w[2, :2] ** 2, twice[0, 3:] + 1])
    expected = tg.stack([top, twice[1] * 3 + 1, twice[2] + 1])
    np.testing.assert_allclose(y.detach().numpy(), expected.detach().numpy())
    np.testing.assert_allclose(tg.grad((y * y).sum(), w)[0].numpy(),
                               tg.grad((expected * expected).sum(), w)[0].numpy(), rtol=1e-12)


def test_a_written_value_may_read_the_tensor_it_is_written_into():
    w = _float64(3, seed=3)
    y = w * 2
    y[0] = y[1] * 5                                      # reads the old y
    y[[2, 2]] = tg.stack([w[0], w[1]])                   # a position written twice: the last
    assert y.tolist() == pytest.approx([10 * w[1].item(), 2 * w[1].item(), w[1].item()])
    (g,) = tg.grad(y.sum(), w)
    assert g.tolist() == [0.0, 10.0 + 2.0 + 1.0, 0.0]
    z = w * 2
    reader = z * 3                                       # a read outside the value's graph
    with pytest.raises(RuntimeError, match="setitem: this tensor .*was already used"):
        z[0] = w[1] * 1.0
    assert z.tolist() == pytest.approx((w * 2).tolist()) and reader.requires_grad


def test_a_read_whose_node_is_gone_no_longer_refuses_a_write():
    """Only live readers count: a view fed to an op without gradient (sign, a comparison,
    item) or a result thrown away reads nothing in any backward (the YOLOv1 loss writes
    box[..., 2:4] = sign(box[..., 2:4]) * sqrt(|box[..., 2:4]|), as torch allows)."""
    p = tg.tensor([[0.5, 0.2, 0.3, 0.4]], dtype=tg.float64, requires_grad=True)
    box = p * 1.0
    box[..., 2:4] = tg.sign(box[..., 2:4]) * tg.sqrt(tg.abs(box[..., 2:4] + 1e-6))
    box.sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), [[1, 1, 0.5 / np.sqrt(0.3 + 1e-6),
                                                 0.5 / np.sqrt(0.4 + 1e-6)]], rtol=1e-14)
    p = tg.tensor([[0.5, 0.2], [0.1, 0.9]], dtype=tg.float64, requires_grad=True)
    b = p * 2
    b[b[:, 0] < 0.5] = 0                         # the mask reads b's own column
    b.sum().backward()
    assert p.grad.tolist() == [[2.0, 2.0], [0.0, 0.0]]
    p = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    b = p * 2
    b[1] = b[0].item()
    b.sum().backward()
    assert p.grad.tolist() == [2.0, 0.0]
    s = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = s * 2
    reader = x * x
    with pytest.raises(RuntimeError, match="setitem: this tensor .*was already used"):
        x[1] = 5.0
    del reader                                   # its node is freed with it
    x[1] = 5.0
    x.sum().backward()
    assert s.grad.tolist() == [2.0, 0.0, 2.0]


def test_live_views_read_by_the_value_see_the_write():
    w = _float64(3, seed=4)
    x = w * 1.0
    tail = x[1:]
    x[1:] = tail * 2                                     # tail is made again from the new x
    assert tail.tolist() == pytest.approx((w[1:] * 2).tolist())
    (g,) = tg.grad((tail * tail).sum(), w)               # torch: 8 w on the tail
    assert g.tolist() == pytest.approx([0.0, 8 * w[1].item(), 8 * w[2].item()])
    y = w * 2
    y.copy_(y)                                           # a tensor written into itself
    y[:] = y
    assert tg.grad(y.sum(), w)[0].tolist() == [2.0, 2.0, 2.0]       # (was cut: None)


def test_every_live_view_of_the_memory_sees_a_write_as_in_torch():
    """Sibling views (x[0] and x[1], x.T beside x) share x's memory: a write into one, or
    into x, makes them all again from the new value (was: refused). The numbers are
    torch 2.13's."""
    w = tg.tensor([[1.0, 2], [3, 4]], dtype=tg.float64, requires_grad=True)
    x = w.clone()
    first, second, column = x[0], x[1], x[:, 0]
    first.mul_(2)
    assert column.tolist() == [2.0, 3.0]                 # an overlapping view sees it
    second.mul_(3)
    assert tg.grad((x * x).sum() + column.sum(), w)[0].tolist() == [[10.0, 16.0],
                                                                    [57.0, 72.0]]
    x = w * 1
    t, tail, rows = x.T, x.reshape(4)[2:], x[0].expand(3, 2)   # views, a view of a view
    x.mul_(2)
    x[1, 1] = 9.0
    assert t.tolist() == [[2.0, 6.0], [4.0, 9.0]] and tail.tolist() == [6.0, 9.0]
    assert rows.tolist() == [[2.0, 4.0]] * 3
    loss = (t * t).sum() + (tail * w[0]).sum() + rows.sum()
    assert tg.grad(loss, w)[0].tolist() == [[20.0, 31.0], [26.0, 0.0]]
    x = w * 1
    second = x[1]
    reader = second * 2                                  # a live op read the sibling
    with pytest.raises(RuntimeError, match="mul_: this tensor .*was already used"):
        x[0].mul_(2)
    assert reader.requires_grad and x.tolist() == w.tolist()


def test_a_value_in_the_graph_written_into_an_int_or_bool_tensor_gives_its_values():
    w = tg.tensor([1.5, -2.7, 0.3], requires_grad=True)
    counts = tg.zeros(3, dtype=tg.int64)
    counts[:2] = w[:2]                                   # cast, as torch (was: TypeError)
    flags = tg.zeros(3, dtype=tg.bool)
    flags.copy_(w)
    assert counts.tolist() == [1, -2, 0] and flags.tolist() == [True, True, True]
    assert not counts.requires_grad and not flags.requires_grad


def test_views_thrown_away_do_not_pile_up_on_the_tensor():
    x = _float64(3, seed=8) * 1
    for _ in range(1000):
        x[1:].sum()                                      # a recorded view, then dropped
    assert len(x._views) < 130
    x[0] = 0.0
    rows = [x[i] for i in range(3)]
    for step in range(300):                              # writes through live views
        rows[step % 3].add_(1.0)
    assert len(x._views) == 3 and rows[0].item() == 100.0  # (was: 3 more per write)
    view = x[1:]
    copied = pickle.loads(pickle.dumps(x))      # the weak references stay behind
    assert copied.tolist() == x.tolist() and "_views" not in copied.__dict__
    assert view.tolist() == x[1:].tolist()


def test_constant_buffers_masked_fill_retain_grad_and_versions():
    w = _float64(3, seed=5)
    buf = tg.zeros(3, dtype=tg.float64)
    buf.mul_(w)                                          # a saved read of buf, then the write
    buf[0:2] *= w[:2]
    assert tg.grad((buf + w).sum(), w)[0].tolist() == [1.0, 1.0, 1.0]
    x = w * 2
    x.masked_fill_(tg.tensor([True, False, False]), 0.0)          # attention's idiom
    assert tg.grad(x.sum(), w)[0].tolist() == [0.0, 2.0, 2.0]      # (was all zeros)
    y = w * 2
    y.retain_grad()
    y.mul_(3)
    y[0] = 1.0
    (y * y).sum().backward()
    assert y.grad.tolist() == pytest.approx([2.0, 2 * y[1].item(), 2 * y[2].item()])
    assert y._version == 2                                         # as torch


def test_the_operator_on_a_constant_buffer_writes_it_as_torch():
    w = _float64(3, seed=6)
    buffers = [tg.zeros(3, dtype=tg.float64)]
    buf = buffers[0]
    buf += w                                             # was: a new tensor bound to buf
    assert buffers[0] is buf and buffers[0].tolist() == w.tolist()
    assert tg.grad((buffers[0] * w).sum(), w)[0].tolist() == pytest.approx((2 * w).tolist())


def test_repeated_writes_do_not_stack_views_and_keep_hooks():
    from tinygrad_edu.recorded_writes import view_base
    w = _float64(4, seed=7)
    out = tg.zeros(5, 4, dtype=tg.float64)
    for t in range(5):
        out[t] = w * (t + 1)
        assert view_base(out) is None       # its own memory: the next write starts here
    assert tg.grad(out.sum(), w)[0].tolist() == [15.0] * 4  # (each write was a view of the
    seen = []                                # last, and the walk grew with every write)
    x = tg.tensor(np.arange(1.0, 13.0).reshape(3, 4), requires_grad=True) * 1
    x[0] -= 1.0
    x.register_hook(seen.append)             # a hook between two writes: torch's gradient
    x[1] /= 2.0                              # of x as it was (was: zeros in rows 0 and 2)
    (x * x).sum().backward()
    assert seen[0].tolist() == [[0, 2, 4, 6], [2.5, 3, 3.5, 4], [18, 20, 22, 24]]


def test_assigning_data_takes_a_tensors_array_as_torch():
    layer = nn.Linear(2, 2)
    new = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    layer.weight.data = new                       # UvA's and older tutorials' idiom
    assert layer.weight.data is new.data          # shared, as torch's p.data = t
    assert layer.weight.requires_grad and "requires_grad=True" in repr(layer.weight)
    layer(tg.ones(1, 2)).sum().backward()
    nn.optim.SGD(layer.parameters(), lr=0.5).step()
    assert layer.weight.tolist() == [[0.5, 1.5], [2.5, 3.5]]
    scalar = tg.tensor(2.0, requires_grad=True)
    scalar.data = scalar.data - 0.5 * np.float32(3.0)   # a numpy scalar: micrograd's update
    assert type(scalar.data) is np.ndarray and scalar.dtype == tg.float32
    scalar.data = 1                                     # a number keeps the dtype
    assert scalar.data.dtype == np.float32 and scalar.item() == 1.0
    with pytest.raises(TypeError, match=r"Tensor.data: expected a Tensor, an ndarray or a "
                                        r"number, got list"):
        scalar.data = [1.0]
    with pytest.raises(RuntimeError, match="requires grad must hold floating point values, "
                                           "got int64"):
        scalar.data = tg.tensor([1, 2])
    with pytest.raises(TypeError, match="Tensor.data: expected numbers, got an array of dtype"):
        scalar.data = np.array(["a"])
    counts = tg.tensor([1, 2])
    counts.data = 3.5                       # a float is not cut to an int: the default float
    assert counts.item() == 3.5 and counts.dtype == tg.float32
    scalar.data = np.int64(3)               # a numpy integer into a float tensor stays float
    assert scalar.dtype == tg.float32 and scalar.item() == 3.0
    small = tg.tensor([1], dtype=tg.int8)
    with pytest.raises(ValueError, match="Tensor.data: 300 does not fit in int8"):
        small.data = 300


def test_a_tensor_takes_attributes_of_ones_own_as_torch():
    w = tg.randn(3, 2, requires_grad=True)
    out = tg.ones(4, 3) @ w
    out.g = tg.ones(4, 2)                          # fast.ai's lin_grad stores gradients so
    w.g = out.g.T @ tg.ones(4, 3)                  # (and its optimizers p.grad_avg)
    assert w.g.shape == (2, 3) and out.g.sum().item() == 8.0
    copied = pickle.loads(pickle.dumps(w))
    assert copied.g.shape == (2, 3) and copied.requires_grad
    with pytest.raises(AttributeError):
        tg.ones(1).never_set


def test_like_factories_take_an_array_such_as_p_grad_data():
    p = tg.ones(2, 3, requires_grad=True)
    (p * 2).sum().backward()
    avg = tg.zeros_like(p.grad.data)              # fast.ai's Adam: T.zeros_like(p.grad.data)
    assert avg.shape == (2, 3) and avg.dtype == tg.float32 and not avg.requires_grad
    assert tg.ones_like(np.zeros(2, dtype=np.int64)).tolist() == [1, 1]


# ------------------------------------------- what the LLM, RL and flow ports hit (session 15)
def test_division_by_a_number_computes_no_gradient_for_it():
    """The book's `softmax(scores / sqrt(d))` with -inf in the masked scores: the gradient
    of the divisor (a number) would be 0 * -inf = nan with numpy's warning; it is skipped."""
    x = tg.randn(1, 3, 3, dtype=tg.float64, requires_grad=True)
    scores = x * 1.0
    scores.masked_fill_(tg.triu(tg.ones(3, 3), diagonal=1).bool(), -tg.inf)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tg.softmax(scores / 2.0, dim=-1).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_var_refuses_unbiased_and_correction_together():
    with pytest.raises(TypeError, match="var/std: give unbiased or correction, not both"):
        tg.tensor([1.0, 2.0, 4.0]).var(unbiased=True, correction=0)
    assert tg.tensor([1.0, 2.0, 4.0]).std(unbiased=False).item() == pytest.approx(
        np.std([1.0, 2.0, 4.0]))


def test_finfo_iinfo_and_the_nn_and_optim_spellings():
    assert tg.finfo(tg.float32).min == np.finfo(np.float32).min
    assert tg.finfo().eps == np.finfo(np.float32).eps and tg.finfo(tg.float64).tiny > 0
    assert type(tg.finfo(tg.float32).max) is float                  # Python numbers, as torch
    assert tg.finfo(tg.float32).max * 10 == pytest.approx(3.4028234663852886e39)
    assert tg.finfo(tg.float32).resolution == 1e-6
    assert tg.iinfo(tg.int64).max == 2 ** 63 - 1 and tg.iinfo(tg.uint8).min == 0
    with pytest.raises(TypeError, match="finfo: int32 is not a floating point dtype; use iinfo"):
        tg.finfo(tg.int32)
    with pytest.raises(TypeError, match="iinfo: float32 is not an integer dtype; use finfo"):
        tg.iinfo(tg.float32)
    import nn as nn_package
    assert tg.nn is nn_package and tg.optim is nn_package.optim
    assert tg.nn.functional.cross_entropy is nn_package.functional.cross_entropy
    assert tg.utils.data.DataLoader is nn_package.data.DataLoader
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        tg.nope


def test_deepcopy_of_a_model_drops_the_parameters_gradients():
    """As torch's Parameter: `fast = deepcopy(model)` must not start from model's grads."""
    layer = nn.Linear(2, 1)
    layer(tg.ones(1, 2)).sum().backward()
    twin = copy.deepcopy(layer)
    assert twin.weight.grad is None and layer.weight.grad is not None
    twin(tg.ones(1, 2)).sum().backward()
    np.testing.assert_array_equal(twin.weight.grad.numpy(), [[1.0, 1.0]])
    plain = tg.ones(2, requires_grad=True)
    plain.sum().backward()
    assert copy.deepcopy(plain).grad is not None          # a plain tensor keeps it, as torch


def test_validate_args_false_lets_log_prob_take_any_value():
    """The VAE's Bernoulli(logits).log_prob(grey pixels) with validate_args=False."""
    D = tg.distributions
    out = D.Bernoulli(logits=tg.zeros(2), validate_args=False).log_prob(tg.tensor([0.2, 1.0]))
    np.testing.assert_allclose(out.numpy(), [-np.log(2), -np.log(2)], rtol=1e-6)
    assert np.isnan(D.Normal(0.0, 1.0, validate_args=False).log_prob(tg.tensor(np.nan)).item())
    with pytest.raises(ValueError, match="Bernoulli.log_prob: expected values 0 or 1"):
        D.Bernoulli(logits=tg.zeros(2)).log_prob(tg.tensor([0.2, 1.0]))


def test_repr_hides_the_default_float_dtype_as_torch():
    tg.set_default_dtype(tg.float64)
    try:
        assert repr(tg.tensor([1.5])) == "tensor([1.5000])"
        assert repr(tg.tensor([1.5], dtype=tg.float32)) == "tensor([1.5000], dtype=float32)"
    finally:
        tg.set_default_dtype(tg.float32)
    assert repr(tg.tensor([1.5])) == "tensor([1.5000])"
    assert repr(tg.tensor([1.5], dtype=tg.float64)) == "tensor([1.5000], dtype=float64)"


def test_sign_of_nan_is_zero_and_all_any_keep_uint8_as_torch():
    signs = tg.tensor([float("nan"), -2.0, 0.0, 3.0]).sign()
    np.testing.assert_array_equal(signs.numpy(), [0.0, -1.0, 0.0, 1.0])
    assert tg.tensor([float("nan")]).sgn().item() == 0.0
    assert tg.tensor(float("nan")).sign().item() == 0.0                          # 0-d
    assert tg.tensor([1, -2, 0]).sign().tolist() == [1, -1, 0]
    x = tg.tensor([[1, 0, 3]], dtype=tg.uint8)
    assert x.all().dtype == x.any(1).dtype == tg.all(x, 1).dtype == np.uint8
    assert x.all().item() == 0 and x.any().item() == 1
    assert tg.tensor([[1, 0, 3]], dtype=tg.int8).all().dtype == np.bool_
