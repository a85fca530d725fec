"""Version counters: backward refuses a saved value that was changed in place since forward."""
import gc

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from tinygrad_edu import Tensor, versions

CHANGED = "changed in place after the forward pass"


def test_version_counts_in_place_changes_shared_with_views_and_detach():
    x = Tensor(np.array([1.0, 2.0, 3.0]))
    view, detached = x[0:2], x.detach()
    assert x._version == 0
    x.add_(1)
    view[0] = 5.0                                # through a view: one memory, one count
    detached.zero_()
    x.copy_(np.array([1.0, 2.0, 3.0]))
    x += 1
    assert x._version == view._version == detached._version == 5
    x.data[0] = 9.0                              # .data is not counted, as in torch
    assert x._version == 5
    assert Tensor(np.array([1.0, 2.0]))._version == 0


def test_backward_refuses_a_saved_input_changed_in_place():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    c = Tensor(np.array([3.0, 4.0]))
    y = (w * c).sum()                            # Mul saved c for dL/dw = g * c
    c += 1
    with pytest.raises(RuntimeError, match=f"mul: its input 1, saved for backward \\(float64, "
                                           rf"shape \(2,\)\), was {CHANGED}.*version 1"):
        y.backward()


def test_a_value_the_op_did_not_save_may_change():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    c = Tensor(np.array([3.0, 4.0]))
    y = ((w + c) * 2).sum()                      # Add saves nothing
    c[0] = 10.0
    y.backward()
    np.testing.assert_array_equal(w.grad.data, [2.0, 2.0])


def test_changes_before_the_op_ran_are_fine_and_the_gradient_is_exact():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    c = Tensor(np.array([3.0, 4.0]))
    c.mul_(2)
    y = (w * c).sum()
    y.backward()
    np.testing.assert_array_equal(w.grad.data, [6.0, 8.0])


def test_a_saved_output_changed_in_place_is_refused():
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    y = x.exp()                                  # Exp saves its output: dL/dx = g * exp(x)
    with tg.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match=f"exp: its output, saved .* was {CHANGED}"):
        y.sum().backward()


def test_a_change_through_a_view_of_a_saved_tensor_is_refused():
    w = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    c = Tensor(np.ones((2, 2)))
    y = (w * c).sum()
    row = c[1]
    row.fill_(7.0)
    with pytest.raises(RuntimeError, match=CHANGED):
        y.backward()


def test_an_optimizer_step_before_a_retained_backward_is_refused():
    w = nn.Parameter(Tensor(np.array([1.0, -2.0])))
    x = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    optimizer = nn.optim.SGD([w], lr=0.1)
    y = (w * x).sum()
    y.backward(retain_graph=True)
    optimizer.step()                             # w changes; y's graph saved the old w
    assert w._version == 1
    with pytest.raises(RuntimeError, match=CHANGED):
        y.backward()
    optimizer.zero_grad()
    (w * x).sum().backward()                     # a new forward after the step is fine
    np.testing.assert_array_equal(w.grad.data, [3.0, 4.0])


def test_the_graph_of_a_gradient_is_checked_too():
    x = Tensor(np.array([1.5]), requires_grad=True)
    (g,) = tg.grad((x * x * x).sum(), x, create_graph=True)     # 3 x^2, a graph that saved x
    np.testing.assert_array_equal(g.data, [6.75])
    with tg.no_grad():
        x.add_(1)
    with pytest.raises(RuntimeError, match=CHANGED):
        g.backward()


def test_conv_refuses_a_changed_weight():
    x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    w = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    y = tg.conv2d(x, w).sum()
    with tg.no_grad():
        w -= 1
    with pytest.raises(RuntimeError, match=f"conv2d: .*shape \\(1, 1, 3, 3\\).*{CHANGED}"):
        y.backward()


def test_library_writes_count_as_changes():
    layer = nn.Linear(2, 2)
    assert layer.weight._version == 1            # kaiming_uniform_ wrote it in place
    layer.load_state_dict(layer.state_dict())
    assert layer.weight._version == layer.bias._version == 2
    norm = nn.BatchNorm1d(2)
    norm(Tensor(np.array([[1.0, 2.0], [3.0, 5.0]], dtype=np.float32)))
    assert norm.running_mean._version == 1 and norm.num_batches_tracked._version == 1


def test_copy_broadcasts_casts_and_explains_errors():
    x = Tensor(np.zeros((2, 3), dtype=np.int64))
    x.copy_(Tensor(np.array([1.7, 2.2, -3.9])))
    np.testing.assert_array_equal(x.data, [[1, 2, -3], [1, 2, -3]])
    with pytest.raises(ValueError, match=r"copy_: cannot write values of shape \(4,\) into a "
                                         r"tensor of shape \(2, 3\)"):
        x.copy_(np.zeros(4))
    with pytest.raises(RuntimeError, match="copy_: a leaf tensor that requires grad"):
        Tensor([1.0], requires_grad=True).copy_(Tensor([2.0]))
    with pytest.raises(RuntimeError, match="copy_: the tensor is read-only"):
        Tensor([1.0]).expand(3).copy_(np.zeros(3))


def test_the_stamp_table_forgets_freed_arrays():
    gc.collect()
    before = len(versions._stamps)
    for _ in range(1000):
        t = Tensor(np.zeros(3))
        t += 1
    del t
    gc.collect()
    assert len(versions._stamps) == before


def test_in_place_methods_in_a_graph_are_recorded_as_in_torch():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = w * 2
    assert y.mul_(3) is y and y.tolist() == [6.0, 12.0]       # were refused: y = 6 w
    buf = Tensor(np.zeros(2))
    buf.add_(w)                                  # a constant takes a graph value: buf = w
    assert buf.requires_grad and not buf.is_leaf
    y += w                                       # the operator rebinds y: recorded, as before
    (y.sum() + buf.sum()).backward()
    np.testing.assert_array_equal(w.grad.data, [8.0, 8.0])


def test_writing_a_value_that_requires_grad_is_recorded():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    buf = Tensor(np.zeros(3))
    buf[0] = w[1] * 3                            # was refused; recorded, as torch
    assert buf.tolist() == [6.0, 0.0, 0.0] and buf.requires_grad and buf._version == 1
    fresh = Tensor(np.zeros(3))
    with pytest.raises(RuntimeError, match="copy_: this tensor is a view of memory outside "
                                           "the graph"):
        fresh[1:].copy_(w * 2)                   # fresh itself would not get the gradient
    assert fresh.tolist() == [0.0, 0.0, 0.0]
    buf[1] = (w[0] * 3).detach()                 # a constant
    with tg.no_grad():
        buf[2] = w[0] * 5                        # nothing is recorded
    assert buf.tolist() == [6.0, 3.0, 5.0]
    buf.sum().backward()
    np.testing.assert_array_equal(w.grad.data, [0.0, 3.0])
    with pytest.raises(RuntimeError, match="setitem: the tensor is read-only"):
        Tensor([1.0]).expand(3)[0] = 2.0


def test_a_leaf_switched_off_after_forward_gets_no_grad():
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    y = x * 2
    x.requires_grad = False
    y.sum().backward()
    assert x.grad is None                        # as torch's AccumulateGrad


def test_views_share_memory_and_copies_do_not_as_in_torch():
    x = Tensor(np.array([1.0, 2.0, 3.0]))
    element = x[1]                               # a 0-d view, not a copy of the number
    element.add_(10)
    assert x.tolist() == [1.0, 12.0, 3.0] and x._version == 1
    flipped = x.flip(0)                          # flip copies, as torch
    flipped.add_(100)
    assert x.tolist() == [1.0, 12.0, 3.0]
    m = Tensor(np.arange(6.0).reshape(2, 3))
    m.t().contiguous().add_(1)                   # a transposed tensor is copied
    assert m.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert m.contiguous() is m
    with pytest.raises(RuntimeError, match=r"view: a tensor of shape \(3, 2\) .* use reshape"):
        m.t().view(6)
    assert m.view(3, 2).shape == (3, 2) and m.t().reshape(6).tolist() == [0, 3, 1, 4, 2, 5]


def test_a_whole_write_keeps_the_old_value_in_the_graph_with_gradient_zero():
    a = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    b = Tensor(np.array([2.0, 3.0]), requires_grad=True)
    for write in (lambda h: h.__setitem__(..., b * 1), lambda h: h.copy_(b * 1),
                  lambda h: h.fill_(b[0] * 1)):
        h = a * 2
        seen = []
        h.register_hook(lambda g: seen.append(g.tolist()))
        write(h)                                 # h's old value is overwritten everywhere
        grad_a, grad_b = tg.grad(h.sum(), [a, b])          # (a was "unused" before: None)
        assert grad_a.tolist() == [0.0, 0.0] and seen == [[0.0, 0.0]]   # as torch
        assert grad_b.sum().item() == 2.0


def test_an_in_place_method_makes_x_its_result_as_torch():
    a = Tensor(np.array(0.23), requires_grad=True)
    h = a.tanh() * 2
    h.exp_()
    assert h.grad_fn.name == "exp"               # torch: ExpBackward0, no extra node
    seen = []
    h.register_hook(lambda g: seen.append(round(g.item(), 6)))
    (g,) = tg.grad(h * 1.1, [a], create_graph=True)
    (gg,) = tg.grad(g * g, [a])                  # h is exp's saved output: its hook sees
    assert seen == [1.1, 13.697844]              # the second pass too (torch's numbers)
    assert round(gg.item(), 6) == 31.122599


def test_errors_of_in_place_methods_name_the_method():
    leaf = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="div_: a view of a leaf tensor"):
        leaf[0].div_(2.0)
    h = leaf * 2
    _ = h.exp()                                  # h is read
    with pytest.raises(RuntimeError, match=r"mul_: this tensor .* was already used .* "
                                           r"x = x.clone\(\) first"):
        h.mul_(3)
    with pytest.raises(RuntimeError, match="fill_: this tensor is an expanded view"):
        (leaf * 1).expand(2, 3).fill_(leaf[0])
