"""viz.animate in a real headless browser: pressing next moves the highlight and the gradients.

Needs Debian's `chromium` and `chromium-driver` and the `selenium` package (the
`browser` extra); skipped with the reason when one is missing.
"""
from __future__ import annotations

import shutil
import tempfile

import pytest

import tinygrad_edu as tg
import viz

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
if shutil.which("dot") is None:
    pytest.skip("Graphviz `dot` is not installed (CI installs graphviz)", allow_module_level=True)
if CHROMIUM is None or DRIVER is None:
    pytest.skip("chromium and chromedriver are not installed (CI: apt-get install chromium "
                "chromium-driver)", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed "
                                "(pip install 'tinygrad_edu[browser]')")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

STATE = """
const current = document.querySelector("#picture g.node.current");
const grads = {};
document.querySelectorAll("#picture g.node").forEach(g => {
  const t = Array.from(g.querySelectorAll("text")).find(t => t.textContent.startsWith("grad "));
  if (t) grads[g.id] = t.textContent;
});
const shown = Array.from(document.querySelectorAll("#picture g.edge"))
  .filter(g => Array.from(g.querySelectorAll("text")).slice(1)
                    .some(t => t.style.visibility === "visible"))
  .map(g => g.id);
return {current: current ? current.id : null, grads: grads, edges: shown,
        counter: document.getElementById("counter").textContent,
        text: document.getElementById("steptext").textContent};
"""


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={tempfile.mkdtemp()}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def test_next_previous_and_arrow_keys_follow_the_trace(tmp_path, browser):
    a = tg.Tensor(2.0, dtype=tg.float64, requires_grad=True, name="a")
    b = tg.Tensor(-3.0, dtype=tg.float64, requires_grad=True, name="b")
    loss = a * b + b ** 2                     # dL/da = -3; dL/db = 2 (from a*b) - 6 (from b**2)
    path = viz.animate(loss, tmp_path / "backward.html")
    steps = viz.trace(loss)
    graph = viz.graph.build(loss)
    ids = {v.title: v.id for v in graph.values}

    browser.get(path.as_uri())
    state = browser.execute_script(STATE)
    assert state["current"] is None and state["counter"] == "step 0 / 3"
    assert state["grads"][ids["loss"]] == "grad 1" and state["grads"][ids["a"]] == "grad ?"
    assert state["edges"] == [] and "Backward starts at loss" in state["text"]

    totals: dict = {ids["loss"]: "grad 1"}
    for k, step in enumerate(steps, start=1):
        browser.find_element(By.ID, "next").click()
        state = browser.execute_script(STATE)
        box = graph.op_box(step.node)
        assert state["current"] == box.id, f"step {k}"
        assert state["counter"] == f"step {k} / 3"
        assert state["text"] == f"Step {k} of 3: {step}"
        for c in step.contributions:
            target = graph.value_box(step.node.inputs[c.position])
            totals[target.id] = "grad " + viz.fmt.fmt_grad(c.total)
            assert f"e_{box.id}_{c.position}" in state["edges"]
        assert {i: state["grads"][i] for i in totals} == totals
    assert state["grads"][ids["a"]] == "grad -3" and state["grads"][ids["b"]] == "grad -4"

    browser.find_element(By.ID, "prev").click()
    assert browser.execute_script(STATE)["counter"] == "step 2 / 3"
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_LEFT)
    state = browser.execute_script(STATE)
    assert state["counter"] == "step 1 / 3" and state["current"] == graph.op_box(steps[0].node).id
    body.send_keys(Keys.ARROW_RIGHT)
    assert browser.execute_script(STATE)["current"] == graph.op_box(steps[1].node).id
