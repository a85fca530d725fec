"""The Python examples in README.md run, in order, and print what the README says they print."""
import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples_run(tmp_path, monkeypatch):
    if shutil.which("dot") is None:
        pytest.skip("the README's viz example renders with Graphviz's `dot`, which is not installed")
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 4
    namespace: dict = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)
    assert "tensor(-3.) tensor(-4.)" in printed.getvalue()
    assert namespace["loss"].item() < 2.3          # the CNN loop trained one epoch from ~ln 10
    assert (tmp_path / "neuron.svg").stat().st_size > 1000
    assert "<script>" in (tmp_path / "backward.html").read_text()
    assert namespace["tg"].gradcheck(namespace["Cube"].apply, [namespace["x"]])


def test_readme_starts_with_the_two_commands():
    lines = [line for line in README.read_text().splitlines() if line.startswith("pip install")]
    assert lines[0].split("#")[0].strip() == 'pip install -e ".[demo]" && python examples/train_cnn.py'
    assert lines[1].split("#")[0].strip() == 'pip install -e ".[dev]" && python -m pytest -q'
    ci = (README.parent / ".ci" / "run").read_text()
    assert '\npip install -e ".[dev]" && python -m pytest -q\n' in ci
