"""`animate`: one self-contained HTML file that replays backward one step per frame.

The picture is drawn once by Graphviz (so nothing moves between frames) with every
gradient as a single text line; a small script then shows, for frame k, only what
backward knows after step k: the op being processed is outlined, the edges it sent
gradients along show them, and every tensor box shows its gradient accumulated so
far ("grad ?" until the first contribution arrives). The step's trace text is shown
under the picture. Controls: previous / next / play buttons and the arrow keys.
No network, no external script: the SVG, the style and the script are inline.
"""
from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from tinygrad_edu.tensor import Tensor

from . import fmt
from .draw import Options, Picture, pipe
from .flows import Trace, observe, recorded
from .graph import Graph, build

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 1em; }}
#controls button {{ font-size: 1em; margin-right: .4em; }}
#picture {{ overflow: auto; border: 1px solid #ccc; margin: .6em 0; }}
#steptext {{ background: #f6f6f6; padding: .6em; white-space: pre-wrap; }}
g.current > polygon, g.current > path {{ stroke: #d32f2f; stroke-width: 4px; }}
g.updated polygon:first-of-type {{ stroke: #ef6c00; stroke-width: 3px; }}
g.edge.flowing > path {{ stroke: #d32f2f; stroke-width: 2.5px; }}
</style></head>
<body>
<h3>{title}</h3>
<div id="controls">
<button id="prev" type="button">&#9664; previous</button>
<button id="play" type="button">play</button>
<button id="next" type="button">next &#9654;</button>
<span id="counter"></span>
<span style="color:#666"> (arrow keys step, space plays)</span>
</div>
<div id="picture">{svg}</div>
<pre id="steptext"></pre>
<script>
const FRAMES = {frames};
let frame = 0, timer = null;
const svg = document.querySelector("#picture svg");
function gradText(group) {{
  return Array.from(group.querySelectorAll("text")).filter(t => t.textContent.startsWith("grad "));
}}
function show(k) {{
  frame = Math.max(0, Math.min(FRAMES.length - 1, k));
  const f = FRAMES[frame];
  svg.querySelectorAll("g.node").forEach(g => {{
    g.classList.toggle("current", g.id === f.current);
    g.classList.toggle("updated", f.updated.includes(g.id));
    gradText(g).forEach(t => {{ t.textContent = "grad " + (f.grads[g.id] ?? "?"); }});
  }});
  svg.querySelectorAll("g.edge").forEach(g => {{
    const known = f.edges.includes(g.id);
    g.classList.toggle("flowing", f.sent.includes(g.id));
    Array.from(g.querySelectorAll("text")).slice(1).forEach(t => {{
      t.style.visibility = known ? "visible" : "hidden"; }});
  }});
  document.getElementById("counter").textContent = "step " + frame + " / " + (FRAMES.length - 1);
  document.getElementById("steptext").textContent = f.text;
}}
function play() {{
  if (timer) {{ clearInterval(timer); timer = null; }}
  else {{
    if (frame === FRAMES.length - 1) show(0);
    timer = setInterval(() => {{
      if (frame === FRAMES.length - 1) play(); else show(frame + 1); }}, 1200);
  }}
  document.getElementById("play").textContent = timer ? "pause" : "play";
}}
document.getElementById("prev").onclick = () => show(frame - 1);
document.getElementById("next").onclick = () => show(frame + 1);
document.getElementById("play").onclick = play;
document.addEventListener("keydown", e => {{
  if (e.key === "ArrowRight") show(frame + 1);
  else if (e.key === "ArrowLeft") show(frame - 1);
  else if (e.key === " ") {{ e.preventDefault(); play(); }}
}});
show(0);
</script>
</body></html>
"""


def animate(output: Tensor, path: str | Path, model: Any = None, *, gradient: Any = None,
            max_nodes: int = 200, show_formulas: bool = True, rankdir: str = "LR",
            title: str = "backward, step by step") -> Path:
    """Write one self-contained HTML page replaying backward from `output`, one step per frame.

    Uses the steps `viz.trace(output)` recorded, else works them out without touching
    `.grad` (for a non-scalar output pass `gradient=`). Needs Graphviz's `dot` for the
    picture.
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"viz.animate: expected a Tensor, got {type(output).__name__}")
    if output._ctx is None:
        raise RuntimeError("viz.animate: the output is a leaf tensor; there is no backward to show")
    graph = build(output, model, max_nodes)
    try:
        steps = recorded(output) or observe(output, gradient, graph=graph)
        picture = Picture(graph, Options(show_formulas=show_formulas, animation=True), steps,
                          "", rankdir, cluster_modules=True, collapse=())
        svg = pipe(picture.digraph(), "svg").decode("utf-8")
        svg = svg[svg.index("<svg"):]
        frames = json.dumps(frames_of(steps, graph), ensure_ascii=False).replace("</", "<\\/")
    finally:
        graph.unlink()
    page = PAGE.format(title=escape(title), svg=svg, frames=frames)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def frames_of(steps: Trace, graph: Graph) -> list[dict]:
    """What the page shows at each frame: frame 0 is the seed, frame k follows step k."""
    grads = {graph.output.id: fmt.fmt_grad(steps[0].upstream)} if steps else {}
    frames = [{"current": None, "updated": [graph.output.id], "grads": dict(grads),
               "edges": [], "sent": [],
               "text": f"Backward starts at {graph.output.title} with dL/d{graph.output.title} = "
                       f"{fmt.fmt_grad(steps[0].upstream) if steps else '?'}."}]
    edges: list[str] = []
    for step in steps:
        box = graph.op_box(step.node)
        updated, sent = [], []
        for c in step.contributions:
            value = graph.value_box(step.node.inputs[c.position])
            if value is not None and box is not None:
                grads[value.id] = fmt.fmt_grad(c.total)
                updated.append(value.id)
                sent.append(f"e_{box.id}_{c.position}")
        edges += sent
        frames.append({"current": box.id if box else None, "updated": updated,
                       "grads": dict(grads), "edges": list(edges), "sent": sent,
                       "text": f"Step {step.index} of {len(steps)}: {step}"})
    return frames
