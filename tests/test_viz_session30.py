"""viz fixes of session 30: stale replays, checkpoint replays, clear errors."""
from __future__ import annotations

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
import viz
from tinygrad_edu.utils.checkpoint import checkpoint

def stepped_exp():
    """loss = sum(3 exp(w)) at w = [1, 2]; after backward, w takes an SGD step in place."""
    w = tg.Tensor(np.array([1.0, 2.0]), requires_grad=True, name="w")
    loss = (w.exp() * 3).sum()
    loss.backward()                       # dloss/dw = 3 e^w = [8.155, 22.17]
    with tg.no_grad():
        w -= 0.1 * w.grad                 # now w = [0.1845, -0.2167]: 3 e^w = [3.608, 2.415]
    return w, loss


def test_trace_refuses_to_replay_after_an_in_place_step():
    _, loss = stepped_exp()
    with pytest.raises(RuntimeError) as error:
        viz.trace(loss)
    text = str(error.value)
    assert "viz" in text and "'exp'" in text and "optimizer.step()" in text
    assert "retain_graph=True" in text


def test_draw_after_an_in_place_step_shows_no_replayed_gradient():
    w, loss = stepped_exp()
    source = viz.draw(loss).source
    assert "3.608" not in source and "2.415" not in source      # gradients at the new w
    assert "changed in place" in source                           # the note says why
    assert np.allclose(w.grad.data, 3 * np.exp([1.0, 2.0]))


def test_trace_refuses_after_an_optimizer_step():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    opt = nn.optim.SGD(model.parameters(), lr=0.5)
    loss = ((model(tg.randn(8, 3)) - tg.randn(8, 1)) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    before = viz.trace(loss, model=model)              # before the step: replayed, right
    shown = {c.title: c.total for s in before for c in s.contributions}
    assert before.replayed and np.allclose(shown["0.weight"], model[0].weight.grad.data)
    opt.step()
    with pytest.raises(RuntimeError, match="changed in place"):
        viz.trace(loss, model=model)


def test_animate_refuses_after_an_in_place_step(tmp_path):
    _, loss = stepped_exp()
    with pytest.raises(RuntimeError, match="optimizer.step"):
        viz.animate(loss, tmp_path / "a.html")


def checkpointed():
    tg.manual_seed(0)
    lin = nn.Linear(3, 3)
    x = tg.randn(2, 3, requires_grad=True)
    y = checkpoint(lambda h: lin(h).tanh(), x * 2, use_reentrant=False)
    return lin, x, (y * y).sum()


def test_replayed_checkpoint_sends_the_parameters_their_gradients():
    lin, x, loss = checkpointed()
    loss.backward()
    steps = viz.trace(loss, model=lin)
    assert steps.replayed
    sent = {c.title: c.total for s in steps for c in s.contributions}
    assert np.allclose(sent["weight"], lin.weight.grad.data, atol=1e-6)
    assert np.allclose(sent["bias"], lin.bias.grad.data, atol=1e-6)
    into_x2 = next(c.total for s in steps if s.op == "checkpoint"
                   for c in s.contributions if c.position == 0)
    assert np.allclose(x.grad.data, 2 * into_x2, atol=1e-6)         # x.grad through x * 2


def test_checkpoint_title_and_rule_read_sensibly():
    lin, _, loss = checkpointed()
    steps = viz.trace(loss, model=lin)
    step = next(s for s in steps if s.op == "checkpoint")
    assert step.title == "checkpoint"
    assert all(c.rule and "function" in c.rule for c in step.contributions)
    text = str(steps)
    assert "0x" not in text and "call=" not in text and "states no VJP" not in text
    assert "0x" not in viz.draw(loss, model=lin).source


@pytest.mark.parametrize("call, name", [
    (lambda: viz.trace(3.0), "viz.trace"),
    (lambda: viz.trace(np.ones(2)), "viz.trace"),
    (lambda: viz.animate([tg.ones(2)], "never.html"), "viz.animate"),
    (lambda: viz.grad_flow(tg.ones(2, requires_grad=True)), "viz.grad_flow: expected an nn.Module"),
])
def test_wrong_types_are_a_clear_type_error(call, name):
    with pytest.raises(TypeError, match=name):
        call()


def test_unknown_rankdir_is_refused():
    a = tg.Tensor(2.0, requires_grad=True, name="a")
    with pytest.raises(ValueError, match="viz.*'XX'"):
        viz.draw(a * a, rankdir="XX")
    assert 'rankdir=TB' in viz.draw(a * a, rankdir="TB").source


def test_draw_shows_no_gradient_before_backward_as_the_readme_says():
    a = tg.Tensor(2.0, requires_grad=True, name="a")
    assert "grad " not in viz.draw(a * a).source
