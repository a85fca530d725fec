"""viz.trace: the chain-rule steps of backward, checked against numbers worked out by hand."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
import viz


def leaf(value, name):
    return tg.Tensor(value, dtype=tg.float64, requires_grad=True, name=name)


def test_micrograd_neuron_steps_match_the_hand_computation():
    x1, x2, w1, w2 = leaf(2.0, "x1"), leaf(0.0, "x2"), leaf(-3.0, "w1"), leaf(1.0, "w2")
    b = leaf(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    out = n.tanh()
    steps = viz.trace(out)
    # by hand: n = 0.88137, tanh(n) = 1/sqrt(2), dtanh/dn = 1 - 1/2 = 0.5
    assert [s.op for s in steps] == ["tanh", "add", "add", "mul", "mul"]
    assert steps[0].upstream == 1.0 and steps[0].output == "loss"
    assert steps[0].contributions[0].grad == pytest.approx(0.5)
    assert steps[0].rules == ("dL/da = g * (1 - out**2)",)
    sent = {c.title: float(c.grad) for s in steps for c in s.contributions}
    assert sent["x1"] == pytest.approx(0.5 * -3.0) and sent["w1"] == pytest.approx(0.5 * 2.0)
    assert sent["x2"] == pytest.approx(0.5 * 1.0) and sent["w2"] == pytest.approx(0.0)
    assert sent["b"] == pytest.approx(0.5)
    mul = next(s for s in steps if any(c.title == "x1" for c in s.contributions))
    assert [c.rule for c in mul.contributions] == ["dL/da = g * b", "dL/db = g * a"]
    # trace ran backward exactly as out.backward() would
    assert x1.grad.item() == pytest.approx(-1.5) and w1.grad.item() == pytest.approx(1.0)
    assert b.grad.item() == pytest.approx(0.5)


def test_fan_out_accumulates_step_by_step():
    x = leaf(3.0, "x")
    y = x * x + x * 2.0          # dy/dx = 2x + 2 = 8
    steps = viz.trace(y)
    to_x = [c for s in steps for c in s.contributions if c.title == "x"]
    assert [float(c.grad) for c in to_x] == [2.0, 3.0, 3.0]          # from x*2, then x*x twice
    assert [float(c.total) for c in to_x] == [2.0, 5.0, 8.0]
    assert x.grad.item() == 8.0


def test_broadcast_contribution_is_summed_and_says_over_which_axes():
    a = tg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="a")
    b = tg.Tensor([1.0, 2.0, 3.0], dtype=tg.float64, requires_grad=True, name="b")
    loss = (a * b).sum()
    steps = viz.trace(loss)
    to_b = next(c for s in steps for c in s.contributions if c.title == "b")
    np.testing.assert_allclose(to_b.grad, [0 + 3, 1 + 4, 2 + 5])      # column sums of a
    assert to_b.summed_axes == (0,)
    np.testing.assert_allclose(b.grad.data, [3, 5, 7])


def test_printed_table():
    a, b = leaf(2.0, "a"), leaf(-3.0, "b")
    loss = a * b + b ** 2           # dL/da = b = -3, dL/db = a + 2b = -4
    text = str(viz.trace(loss))
    lines = text.splitlines()
    assert lines[0].split() == ["step", "op", "->", "output", "upstream", "g", "to", "input",
                                "local", "rule", "(VJP)", "contribution", "grad", "so", "far"]
    assert set(lines[1]) == {"-"}
    rows = [line.split() for line in lines[2:]]
    assert rows[0][:6] == ["1", "add", "->", "loss", "1", "t1"]
    assert rows[-1][-2:] == ["2", "-4"]       # b gets 2 from a*b, after -6 from b**2
    assert "pow_scalar exponent=2 -> t2" in text and "dL/da = g * p * a**(p-1)" in text
    assert repr(viz.trace(a * 1.0)) == "<viz.Trace of 1 steps>"


def test_step_text_reads_as_the_chain_rule():
    a, b = leaf(2.0, "a"), leaf(-3.0, "b")
    step = viz.trace(a * b)[0]
    assert str(step) == ("mul -> loss\nupstream g = dL/dloss = 1\n"
                         "local rule (VJP): dL/da = g * b;  dL/db = g * a\n"
                         "sends -3 to a (#0); gradient of a so far: -3\n"
                         "sends 2 to b (#1); gradient of b so far: 2")


def test_after_backward_trace_replays_without_touching_grad():
    a, b = leaf(2.0, "a"), leaf(-3.0, "b")
    loss = (a * b).exp()
    loss.backward()
    grads = (a.grad.item(), b.grad.item())
    steps = viz.trace(loss)
    assert steps.replayed and "(replayed" in str(steps)
    assert (a.grad.item(), b.grad.item()) == grads
    assert float(steps[-1].contributions[0].grad) == pytest.approx(grads[0])


def test_retained_graph_traces_again_and_accumulates_like_backward():
    a = leaf(2.0, "a")
    loss = a * a
    loss.backward(retain_graph=True)
    viz.trace(loss)
    assert a.grad.item() == 8.0


def test_non_scalar_output_needs_a_gradient():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    with pytest.raises(RuntimeError, match=r"output has shape \(2,\); pass gradient="):
        viz.trace(y)
    steps = viz.trace(y, gradient=[1.0, -1.0])
    np.testing.assert_allclose(steps[0].contributions[0].grad, [3.0, -3.0])
    np.testing.assert_allclose(x.grad.data, [3.0, -3.0])
    with pytest.raises(RuntimeError, match="the output is a leaf tensor"):
        viz.trace(x)


def test_trace_names_parameters_from_the_model():
    import nn
    model = nn.Linear(2, 1)
    loss = model(tg.ones(3, 2)).sum()
    titles = {c.title for s in viz.trace(loss, model=model) for c in s.contributions}
    assert {"weight", "bias"} <= titles


@pytest.mark.parametrize("with_bias", [False, True])
def test_conv_steps_name_each_inputs_rule_with_or_without_bias(with_bias):
    rng = np.random.default_rng(0)
    args = [tg.Tensor(rng.standard_normal(s), requires_grad=True)
            for s in [(1, 1, 4, 4), (2, 1, 3, 3), (2,)][:3 if with_bias else 2]]
    step = next(s for s in viz.trace(tg.conv2d(*args).sum()) if s.op == "conv2d")
    rules = [c.rule for c in step.contributions]
    assert rules[0] == "dL/dx = ConvTranspose2d(g, w)"
    assert rules[1].startswith("dL/dw = Conv2dWeightGrad(x, g)")
    assert rules[2:] == (["dL/dbias = g.sum(dim=(0, 2, 3))"] if with_bias else [])
    assert len(step.rules) == len(args)                   # the node shows no absent bias


def test_an_op_of_any_number_of_inputs_names_each_inputs_rule():
    p, q = tg.ones(2, requires_grad=True), tg.ones(3, requires_grad=True)
    step = next(s for s in viz.trace(tg.cat([p, q]).sum()) if s.op == "cat")
    assert [c.rule for c in step.contributions] == [
        "dL/dinput_0 = the slice of g that input 0 filled",
        "dL/dinput_1 = the slice of g that input 1 filled"]
    a, b = tg.ones(2, 3, requires_grad=True), tg.ones(3, 4, requires_grad=True)
    step = next(s for s in viz.trace(tg.einsum("ij,jk->ik", a, b).sum()) if s.op == "einsum")
    assert [c.rule[:8] for c in step.contributions] == ["dL/dA_0 ", "dL/dA_1 "]
