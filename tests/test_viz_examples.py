"""The viz lessons in examples/ run end to end (each checks its own numbers) and draw."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
LESSONS = {
    "viz_chain_rule.py": ["neuron_before.svg", "neuron_after.svg", "neuron_backward.html"],
    "viz_broadcast_fanout.py": ["fan_out.svg", "broadcast.svg"],
    "viz_conv_backward.py": ["conv_backward.svg"],
    "viz_pool_dropout.py": ["max_pool.svg", "dropout.svg"],
    "viz_vanishing_gradients.py": [],
    "viz_second_derivatives.py": ["newton_first_derivative_graph.svg"],
}


@pytest.mark.skipif(shutil.which("dot") is None,
                    reason="Graphviz `dot` is not installed (CI installs graphviz)")
@pytest.mark.parametrize("script", sorted(LESSONS))
def test_lesson_runs_and_writes_its_pictures(script, tmp_path):
    result = subprocess.run([sys.executable, str(EXAMPLES / script), str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    for name in LESSONS[script]:
        assert (tmp_path / name).stat().st_size > 1000, name
    if script == "viz_vanishing_gradients.py":
        assert "first / last layer gradient norm: sigmoid" in result.stdout
    if script == "viz_conv_backward.py":
        assert "engine gradients == the formulas == finite differences" in result.stdout
