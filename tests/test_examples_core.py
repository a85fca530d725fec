"""The core examples run as a user runs them (`python examples/X.py`) and print right numbers."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NUMBER = r"([-+0-9.e]+|nan)"


def run(script: str, *args: str) -> str:
    done = subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr, done.stderr
    return done.stdout


def test_newton_finds_each_minimum_quadratically():
    out = run("newton.py")
    found = re.findall(rf"minimum of (.+): x = {NUMBER} \(exact {NUMBER}\) after (\d+) steps", out)
    assert len(found) == 4, out
    for name, x, exact, steps in found:
        assert abs(float(x) - float(exact)) < 1e-10, name
        assert int(steps) <= 10, name
    # quadratic convergence: |f'| before each step falls at least as fast as squaring
    first = out.split("minimise")[1]
    slopes = [abs(float(s)) for s in re.findall(rf"before the step = {NUMBER}", first)]
    assert slopes[5] < 1e-3 and slopes[6] < slopes[5] ** 1.5


def test_hessian_vector_product_matches_finite_differences():
    out = run("hessian_vector.py")
    errors = dict(re.findall(rf"max relative difference, (.+?): {NUMBER}", out))
    assert len(re.findall("max relative difference", out)) == 5, out
    assert float(errors["hand-written Hessian"]) < 1e-12
    assert float(errors["asymmetry of H"]) < 1e-12
    for err in re.findall(rf"finite difference: {NUMBER}", out):
        assert float(err) < 1e-6


def test_mlp_scalar_learns_two_moons_quick():
    out = run("mlp_scalar.py", "--quick")
    losses = [float(v) for v in re.findall(rf"step \d+: loss {NUMBER}", out)]
    final = re.search(rf"final: loss {NUMBER}, train accuracy {NUMBER}%", out)
    assert final, out
    assert losses[-1] < losses[0] / 3
    assert float(final.group(2)) >= 85.0
