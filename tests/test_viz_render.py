"""viz.render / animate / grad_flow: files written with the real Graphviz, and without it."""
from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
import viz

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz `dot` is not installed (CI installs graphviz)")
SVG = "{http://www.w3.org/2000/svg}"


def product():
    a = tg.Tensor(2.0, dtype=tg.float64, requires_grad=True, name="a")
    b = tg.Tensor(-3.0, dtype=tg.float64, requires_grad=True, name="b")
    return a * b + b ** 2, a, b          # dL/da = b = -3, dL/db = a + 2b = -4


def svg_texts(path) -> list[str]:
    root = ET.parse(path).getroot()
    return [t.text for t in root.iter(SVG + "text") if t.text]


@needs_dot
def test_render_svg_has_the_labels_of_the_picture(tmp_path):
    loss, a, b = product()
    loss.backward()
    path = viz.render(loss, tmp_path / "pics" / "graph.svg")
    assert path == tmp_path / "pics" / "graph.svg"
    texts = svg_texts(path)
    for expected in ("loss", "a", "b", "data 2", "grad -3", "grad -4", "dL/da = g * b",
                     "pow_scalar exponent=2", "← -6", "← 2"):
        assert expected in texts, expected
    root = ET.parse(path).getroot()
    ids = {g.get("id") for g in root.iter(SVG + "g")}
    assert {"t0", "op0", "legend", "e_op0_0"} <= ids


@needs_dot
def test_render_png_and_pdf_from_suffix_or_format(tmp_path):
    loss, _, _ = product()
    assert viz.render(loss, tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert viz.render(loss, tmp_path / "g.out", format="pdf").read_bytes()[:5] == b"%PDF-"
    with pytest.raises(ValueError, match="cannot tell the format"):
        viz.render(loss, tmp_path / "noext")


def test_without_dot_one_clear_error_but_dot_source_still_builds(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))          # no `dot` anywhere on PATH
    loss, _, _ = product()
    assert viz.draw(loss).source.startswith("digraph {")
    with pytest.raises(viz.GraphvizNotInstalled) as error:
        viz.render(loss, tmp_path / "g.svg")
    message = str(error.value)
    assert "Graphviz `dot` program, which was not found" in message
    assert "apt-get install graphviz" in message and "brew install graphviz" in message
    assert error.value.__cause__ is None and error.value.__suppress_context__
    with pytest.raises(viz.GraphvizNotInstalled):
        viz.animate(loss, tmp_path / "a.html")
    assert not (tmp_path / "g.svg").exists()


# ---------------------------------------------------------------- animate
def frames_in(html: str) -> list:
    return json.loads(re.search(r"const FRAMES = (.*);\n", html).group(1).replace("<\\/", "</"))


@needs_dot
def test_animation_is_one_self_contained_page_with_one_frame_per_step(tmp_path):
    loss, a, b = product()
    path = viz.animate(loss, tmp_path / "backward.html")
    html = path.read_text(encoding="utf-8")
    assert a.grad is None                                  # animate does not run backward for you
    assert "<svg" in html and "<?xml" not in html
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html)
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html
    frames = frames_in(html)
    steps = viz.trace(loss)
    assert len(frames) == len(steps) + 1
    assert frames[0]["current"] is None and frames[0]["grads"] == {"t0": "1"}
    box = viz.graph.build(loss)
    assert [f["current"] for f in frames[1:]] == [box.op_box(s.node).id for s in steps]
    last = frames[-1]["grads"]
    a_id = next(v.id for v in box.values if v.title == "a")
    b_id = next(v.id for v in box.values if v.title == "b")
    assert last[a_id] == "-3" and last[b_id] == "-4"
    assert frames[-1]["text"].startswith(f"Step 3 of 3: {steps[-1]}")


# ---------------------------------------------------------------- grad_flow
def trained_mlp():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 1))
    nn.MSELoss()(model(tg.randn(8, 3)), tg.randn(8, 1)).backward()
    return model


def test_grad_flow_numbers_are_the_gradient_norms():
    model = trained_mlp()
    flow = viz.grad_flow(model)
    assert list(flow) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for name, p in model.named_parameters():
        assert flow[name] == pytest.approx(float(np.linalg.norm(p.grad.data)))
    table = str(flow).splitlines()
    assert table[0].split() == ["parameter", "grad", "norm"] and table[2].startswith("0.weight")
    with pytest.raises(RuntimeError, match="call loss.backward"):
        viz.grad_flow(nn.Linear(2, 2))


def test_grad_flow_chart_with_matplotlib(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "flow.png"
    viz.grad_flow(trained_mlp(), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_grad_flow_without_matplotlib_prints_the_table(tmp_path, monkeypatch, capsys):
    import builtins
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("no matplotlib here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    flow = viz.grad_flow(trained_mlp(), tmp_path / "flow.png")
    out = capsys.readouterr().out
    assert str(flow) in out and "install matplotlib" in out
    assert not (tmp_path / "flow.png").exists()


@needs_dot
def test_subsampled_heatmap_renders(tmp_path):
    """A tensor too big for its cells gets a note row under the heatmap; dot must accept it."""
    x = tg.randn(2, 40, requires_grad=True)
    path = viz.render((x * 2).sum(), str(tmp_path / "big.svg"))
    assert "showing columns 1 in 3" in open(path).read()
