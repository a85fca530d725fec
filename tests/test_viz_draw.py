"""viz.draw: the DOT text of small graphs (snapshots), counts for larger ones, every option."""
from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
import viz
from tinygrad_edu import Function, Tensor

SNAPSHOTS = Path(__file__).parent / "snapshots"


def neuron():
    """micrograd's neuron: o = tanh(x1 w1 + x2 w2 + b), in float64."""
    def leaf(v, name):
        return tg.Tensor(v, dtype=tg.float64, requires_grad=True, name=name)
    x1, x2, w1, w2 = leaf(2.0, "x1"), leaf(0.0, "x2"), leaf(-3.0, "w1"), leaf(1.0, "w2")
    b = leaf(6.8813735870195432, "b")
    out = (x1 * w1 + x2 * w2 + b).tanh()
    return out, dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b)


def assert_snapshot(name: str, text: str) -> None:
    """Compare with tests/snapshots/<name>; VIZ_UPDATE_SNAPSHOTS=1 rewrites the file."""
    path = SNAPSHOTS / name
    if os.environ.get("VIZ_UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed (see the diff above)"


def nodes(source: str) -> list[str]:
    return [n for n in re.findall(r"^\s*(\w+) \[", source, re.M)
            if n not in ("graph", "node", "edge")]


def edges(source: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s*(\w+) -> (\w+)", source, re.M)


def label_of(source: str, node: str) -> str:
    return re.search(rf"^\s*{node} \[label=(.*)$", source, re.M).group(1)


def box_with(source: str, text: str) -> str:
    """The label of the first box whose label contains `text`."""
    return next(label_of(source, n) for n in nodes(source) if text in label_of(source, n))


# ---------------------------------------------------------------- snapshots of small graphs
def test_neuron_before_backward_snapshot():
    out, _ = neuron()
    source = viz.draw(out).source
    assert_snapshot("viz_neuron_before.dot", source)
    assert "<TD>grad " not in source and "<BR/>← " not in source


def test_neuron_after_backward_snapshot():
    out, leaves = neuron()
    out.backward()
    source = viz.draw(out).source
    assert_snapshot("viz_neuron_after.dot", source)
    # the numbers on the picture are micrograd's: dL/dn = 1 - tanh(n)^2 = 0.5
    assert "data 0.7071" in label_of(source, "t0") and "grad 1<" in label_of(source, "t0")
    x1_box = next(n for n in nodes(source) if ">x1<" in label_of(source, n))
    assert "grad -1.5<" in label_of(source, x1_box)
    assert "#0<BR/>← -1.5" in source and "#1<BR/>← 1>" in source


def test_draw_is_deterministic_and_leaves_grads_alone():
    out, leaves = neuron()
    out.backward()
    grads = {k: v.grad.data.copy() for k, v in leaves.items()}
    first = viz.draw(out).source
    assert viz.draw(out).source == first
    assert all(np.array_equal(leaves[k].grad.data, g) for k, g in grads.items())


def test_trace_and_backward_give_the_same_picture():
    a, _ = neuron()
    a.backward()
    b, _ = neuron()
    viz.trace(b)
    assert viz.draw(a).source == viz.draw(b).source


# ---------------------------------------------------------------- what boxes and edges say
def test_op_box_shows_options_and_vjp_rule():
    x = tg.randn(1, 1, 5, 5, requires_grad=True)
    w = tg.randn(2, 1, 3, 3, requires_grad=True)
    source = viz.draw(tg.conv2d(x, w, stride=1, padding=2).sum()).source
    assert "<B>conv2d stride=1 padding=2</B>" in source
    assert "dL/da = g * b" not in source and "dL/d" in label_of(source, "op1")
    assert "dL/da[i] = g[i with the summed axes dropped]" in label_of(source, "op0")
    assert "dL/d" not in viz.draw(tg.conv2d(x, w).sum(), show_formulas=False).source


def test_fan_out_shows_the_sum_of_contributions():
    x = tg.Tensor(3.0, dtype=tg.float64, requires_grad=True, name="x")
    y = x * x + x.exp()          # x read three times: twice by mul, once by exp
    y.backward()
    source = viz.draw(y).source
    box = next(n for n in nodes(source) if ">x<" in label_of(source, n))
    expected = f"grad = SUM of 3 contributions: 3 + 3 + {np.exp(3):.4g}"
    assert expected in label_of(source, box)
    assert f"grad {6 + np.exp(3):.4g}<" in label_of(source, box)
    assert sum(1 for src, _ in edges(source) if src == box) == 3


def test_broadcast_edge_says_which_axes_were_summed():
    a = tg.ones(2, 3, requires_grad=True)
    b = tg.ones(3, requires_grad=True)
    c = tg.ones(2, 1, requires_grad=True)
    loss = (a * b + c).sum()
    loss.backward()
    source = viz.draw(loss).source
    assert "summed over axes (0,)" in source          # b (3,) against (2, 3)
    assert "summed over axes (1,)" in source          # c (2, 1) against (2, 3)
    assert source.count("summed over axes") == 2


def test_roles_have_colours_and_the_legend_explains_the_arrows():
    model = nn.Linear(3, 2)
    x = tg.randn(4, 3)
    x.name = "x"
    loss = ((model(x) - 1) ** 2).mean()
    source = viz.draw(loss, model).source
    assert 'BGCOLOR="#c8e6c9"><TR><TD><B>weight</B>' in source      # parameter
    assert 'BGCOLOR="#bbdefb"><TR><TD><B>x</B>' in source           # input
    assert 'BGCOLOR="#eeeeee"' in source                            # the constant 1
    assert 'BGCOLOR="#ffcc80"><TR><TD><B>loss</B>' in source        # the loss
    assert "Gradients flow AGAINST the arrows" in label_of(source, "legend")


def test_small_tensors_show_numbers_large_ones_statistics_and_heatmaps():
    small = tg.Tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True)
    big = tg.Tensor(np.arange(40.0).reshape(5, 8) - 20, requires_grad=True)
    source = viz.draw((small.sum() + big.sum())).source
    small_box = box_with(source, "shape (2, 2)")
    assert ">-2<" in small_box and 'BGCOLOR="#ff4141">4<' in small_box   # 4 is the reddest
    big_box = box_with(source, "shape (5, 8)")
    assert "mean -0.5  std 11.54  min -20  max 19" in big_box
    assert big_box.count('FIXEDSIZE="TRUE"></TD>') == 40                     # one cell per element
    assert 'BGCOLOR="#4141ff"' in big_box                               # -20 is the bluest
    assert "shape (2, 2)" in viz.draw(small.sum(), max_elements=1).source


def test_four_d_heatmap_is_a_grid_of_maps_and_big_maps_are_subsampled():
    w = tg.randn(6, 5, 3, 3, requires_grad=True)
    label = label_of(viz.draw(w.sum()).source, "t1")
    assert label.count('FIXEDSIZE="TRUE"></TD>') == 4 * 4 * 9
    # each map a table of fixed size, so a wider box does not pull its columns apart
    assert label.count('FIXEDSIZE="TRUE" WIDTH="28" HEIGHT="28"') == 4 * 4
    assert "first 4x4 of 6x5 maps" in label
    image = tg.randn(40, 40, requires_grad=True)
    label = label_of(viz.draw(image.sum()).source, "t1")
    assert label.count('FIXEDSIZE="TRUE"></TD>') == 14 * 14 and "rows 1 in 3" in label


def test_parameter_names_and_clusters_from_a_real_model():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Flatten(),
                          nn.Linear(32, 3))
    loss = nn.CrossEntropyLoss()(model(tg.randn(2, 1, 4, 4)), tg.Tensor([0, 2]))
    source = viz.draw(loss, model).source
    for name in ("0.weight", "0.bias", "3.weight", "3.bias"):
        assert f"<B>{name}</B>" in source
    assert "subgraph cluster_0 {" in source and 'label="0 (Conv2d)"' in source
    assert "subgraph cluster_3 {" in source and 'label="3 (Linear)"' in source
    cluster3 = source.split("subgraph cluster_3 {")[1].split("}")[0]
    assert "<B>affine</B>" in cluster3 and "dL/db = g summed over the batch axes" in cluster3
    assert "cross_entropy" not in cluster3
    assert "subgraph cluster" not in viz.draw(loss, model, cluster_modules=False).source


def test_nested_modules_give_nested_clusters_and_collapse_folds_them():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Linear(3, 3)

        def forward(self, x):
            return self.inner(x).tanh()

    model = nn.Sequential(Block(), nn.Linear(3, 1))
    loss = model(tg.randn(2, 3)).sum()
    source = viz.draw(loss, model).source
    outer = source.split("subgraph cluster_0 {")[1]
    assert 'subgraph "cluster_0.inner" {' in outer
    folded = viz.draw(loss, model, collapse=["0"]).source
    assert "0.inner.weight" in label_of(folded, "module_0")
    assert "cluster_0.inner" not in folded and "<B>affine</B>" in folded   # layer 1 still drawn
    assert len(nodes(folded)) < len(nodes(source))
    with pytest.raises(ValueError, match="collapse='decoder' is not a module of this graph; "
                                         "modules: 0, 0.inner, 1"):
        viz.draw(loss, model, collapse=["decoder"])


def test_duck_typed_model_names_parameters():
    w = tg.randn(3, requires_grad=True)

    class Model:
        def named_parameters(self):
            return [("layer.w", w)]

    source = viz.draw((w * 2).sum(), Model()).source
    assert "<B>layer.w</B>" in source and "cluster_layer" in source
    with pytest.raises(TypeError, match="named_parameters"):
        viz.draw(w.sum(), model=object())


def test_node_cap_summarises_the_rest():
    x = tg.Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(1000):                 # 1000 ops + 1000 tensors + the constants
        y = y * 1.001 + 0.0
    source = viz.draw(y, max_nodes=50).source
    boxes = nodes(source)
    assert len(boxes) == 52 and boxes[-2:] == ["hidden", "legend"]
    summary = label_of(source, "hidden")
    assert "more boxes not drawn" in summary and "add" in summary and "mul" in summary
    assert ("hidden", boxes[0]) not in edges(source)
    assert any(src == "hidden" for src, _ in edges(source))


def test_node_and_edge_counts_of_an_mlp():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))
    loss = nn.MSELoss()(model(tg.randn(5, 4)), tg.randn(5, 2))
    loss.backward()
    source = viz.draw(loss, model).source
    graph = viz.graph.build(loss, model)
    assert len(nodes(source)) == len(graph.values) + len(graph.ops) + 1      # + legend
    inputs = sum(len(box.node.inputs) for box in graph.ops)
    assert len(edges(source)) == inputs + len(graph.ops)      # every input edge + op -> output
    needed = sum(sum(map(bool, box.node.needs_input_grad)) for box in graph.ops)
    assert source.count("<BR/>← ") == needed


def test_user_op_without_docstring_draws():
    class Twice(Function, register=False):
        @staticmethod
        def forward(ctx, a):
            return 2 * a

        @staticmethod
        def backward(ctx, g):
            return g * 2

    y = Twice.apply(tg.randn(3, requires_grad=True)).sum()
    y.backward()
    assert "<B>twice</B></TD></TR></TABLE>>" in viz.draw(y).source


def test_draw_rejects_non_tensors():
    with pytest.raises(TypeError, match="viz.draw: expected a Tensor, got list"):
        viz.draw([1, 2])


# ---------------------------------------------------------------- diagnostics
def test_check_flags_a_wrong_vjp_and_passes_the_right_ones(unregister):
    class BadSquare(Function):
        """out = a**2.   VJP: dL/da = g * a   (wrong on purpose: the 2 is missing)."""

        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * a

    assert "bad_square" in tg.OPS
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (BadSquare.apply(x) * 3.0).sum()
    source = viz.draw(loss, check=True).source
    bad = next(n for n in nodes(source) if "bad_square" in label_of(source, n))
    assert "✗ input #0: VJP gives" in label_of(source, bad)
    assert "color=\"#d32f2f\"" in label_of(source, bad) and "penwidth=3" in label_of(source, bad)
    good = [n for n in nodes(source) if n.startswith("op") and n != bad]
    assert good and all("✓ VJP matches finite differences" in label_of(source, n) for n in good)
    result = viz.check_node(loss.grad_fn.inputs[0].grad_fn.inputs[0].grad_fn)
    numbers = [float(v) for v in re.findall(r"-?\d+\.?\d*(?:e-?\d+)?", result.detail)[1:]]
    assert result.status == "wrong" and numbers[1] == pytest.approx(2 * numbers[0], rel=1e-3)


def test_check_reports_a_kink_instead_of_a_wrong_rule():
    x = tg.Tensor([0.0, 1.0], requires_grad=True)
    result = viz.check_node(x.relu().grad_fn)
    assert result.status == "kink" and "not differentiable here" in result.detail


def test_check_does_not_disturb_the_random_generator():
    tg.manual_seed(3)
    expected = tg.rand(5).data
    tg.manual_seed(3)
    x = tg.randn(4, requires_grad=True)
    tg.manual_seed(3)
    y = tg.cnn.dropout(x, 0.5)
    tg.manual_seed(3)
    viz.draw(y.sum(), check=True)
    assert np.array_equal(tg.rand(5).data, expected)
    assert viz.check_node(y.grad_fn).status == "skipped"


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_non_finite_values_and_gradients_are_marked_where_they_start():
    x = tg.Tensor([0.0, 1.0], requires_grad=True, name="x")
    y = x.log()                       # -inf at 0: first appears here
    z = (y * 2).sum()                 # still -inf, but not first
    source = viz.draw(z).source
    marked = [n for n in nodes(source) if "inf/nan first appear here" in label_of(source, n)]
    assert len(marked) == 1 and "log" in label_of(source, edges_to(source, marked[0]))
    z.backward()                      # d log(x)/dx = 1/x: inf at 0, made by the log op
    source = viz.draw(z).source
    flagged = [n for n in nodes(source) if "gradient becomes inf/nan here" in label_of(source, n)]
    assert len(flagged) == 1 and "<B>log</B>" in label_of(source, flagged[0])


def edges_to(source: str, node: str) -> str:
    return next(src for src, dst in edges(source) if dst == node)


def test_freed_graph_with_dropout_explains_why_edges_have_no_gradients():
    tg.manual_seed(0)
    x = tg.randn(6, requires_grad=True)
    loss = tg.cnn.dropout(x * 2, 0.5).sum()
    loss.backward()
    source = viz.draw(loss).source
    assert "viz.trace(loss) instead of loss.backward()" in source.replace("\n", " ")
    assert "<BR/>← " not in source and "<TD>grad</TD>" in source      # leaf grads still shown
    tg.manual_seed(0)
    x = tg.randn(6, requires_grad=True)
    loss = tg.cnn.dropout(x * 2, 0.5).sum()
    viz.trace(loss)
    assert "<BR/>← " in viz.draw(loss).source


def test_every_edge_shows_the_number_the_trace_sent():
    a = tg.Tensor(2.0, dtype=tg.float64, requires_grad=True, name="a")
    b = tg.Tensor(-3.0, dtype=tg.float64, requires_grad=True, name="b")
    loss = (a * b + b ** 2).tanh()
    steps = viz.trace(loss)
    source = viz.draw(loss).source
    graph = viz.graph.build(loss)
    for step in steps:
        box = graph.op_box(step.node)
        for c in step.contributions:
            label = re.search(rf"label=<(.*)> id=e_{box.id}_{c.position}\]", source).group(1)
            assert label == f"#{c.position}<BR/>← {viz.fmt.fmt_grad(c.grad)}"


def test_what_a_picture_says_about_gradients_is_true():
    import nn.functional as F
    from viz.check import check_node
    from viz.rules import node_rules, rule_for_input
    w = Tensor(3.0, requires_grad=True, name="w")
    (w * 10).backward()                                  # .grad now holds another output's
    source = viz.draw(w * w + w).source
    assert "grad 7" in source and ".grad holds 10, not this" in source    # was "grad 10"
    x = Tensor(np.ones((5, 1)), requires_grad=True)
    layer = tg.tensor(np.ones((1, 3)), requires_grad=True)
    (x @ layer).sum().backward()
    assert "summed over axes" not in viz.draw((x @ layer).sum()).source    # matmul: no broadcast
    h = x * 2
    h.register_hook(lambda g: g * 10)
    (h * h).sum().backward()
    assert "1 hook ran on this gradient" in viz.draw((h * h).sum()).source
    solve = tg.OPS["solve"]
    assert rule_for_input(solve, 0, 2).startswith("dL/dA") and rule_for_input(
        solve, 1, 2).startswith("dL/dB")
    z = tg.tensor([1000.0, 1.0], requires_grad=True)
    with np.errstate(over="ignore"):
        assert check_node(z.exp()._ctx).status == "skipped"      # inf: not marked wrong
    logits = tg.randn(3, 4, requires_grad=True)
    rules = node_rules(F.cross_entropy(logits, tg.tensor([0, 1, 2]))._ctx)
    assert [r[:5] for r in rules] == ["dL/dx"]          # no dL/dt for class indices


def test_drawing_never_calls_the_users_hooks_again():
    """A picture of an intact graph walks backward, but a gradient logger must not log it."""
    logged, module_calls = [], []
    a = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    h = a * 2
    h.register_hook(lambda g: logged.append(g.numpy().copy()))
    a.register_hook(lambda g: logged.append(g.numpy().copy()))
    y = (h * h).sum()
    y.backward(retain_graph=True)
    assert len(logged) == 2
    viz.draw(y)
    layer = nn.Linear(2, 2).double()
    layer.register_full_backward_hook(lambda module, gi, go: module_calls.append(1))
    out = layer(tg.randn(3, 2, dtype=tg.float64)).sum()
    out.backward(retain_graph=True)
    viz.draw(out, layer)
    assert len(logged) == 2 and len(module_calls) == 1
    b = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    k = b * 2
    k.register_hook(lambda g: logged.append("k"))
    viz.draw((k * k).sum())                      # backward never called
    assert len(logged) == 2
    viz.trace((k * k).sum())                     # trace IS the backward: its hooks run
    assert logged[-1] == "k" and np.array_equal(b.grad.numpy(), [8.0, 16.0])


def test_a_big_graph_draws_without_grad_warnings_and_checkpoints_are_not_marked_wrong():
    t = tg.randn(3, dtype=tg.float64, requires_grad=True)
    for _ in range(150):
        t = t * 1.001                            # more nodes than max_nodes (200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        viz.draw(t.sum())
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=tg.float64, requires_grad=True)
    w = tg.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=tg.float64, requires_grad=True)
    y = tg.utils.checkpoint.checkpoint(lambda a: (a @ w).tanh(), x, use_reentrant=False)
    result = viz.check_node(y._ctx)
    assert result.status == "skipped" and "checkpoint cannot be re-run" in result.detail
    assert "✗" not in viz.draw(y.sum(), check=True).source
