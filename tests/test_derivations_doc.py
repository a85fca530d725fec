"""Every number in docs/derivations.md is recomputed with the library.

The page's ```numbers <example>``` blocks hold named arrays: a name on its own line, then
rows of numbers, blocks of arrays separated by blank lines. For each example the inputs
are read from the page, the outputs recomputed here, and the page's outputs compared
(printed to 4 decimals, hence the tolerance). Every array in a block must be either an
input or a checked output, so nothing on the page can go stale unnoticed.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor

DOC = Path(__file__).resolve().parents[1] / "docs" / "derivations.md"
PRINTED = 0.5e-4 * 1.01      # numbers are printed with at most 4 decimals


def parse_blocks(text: str) -> dict[str, dict[str, np.ndarray]]:
    """{example id: {array name: array}} from the ```numbers id``` fenced blocks
    (one row: a 1-D array; one number: a 0-d array)."""
    blocks = {}
    for example, body in re.findall(r"```numbers (\S+)\n(.*?)```", text, flags=re.S):
        arrays = {}
        for paragraph in re.split(r"\n\s*\n", body.strip()):
            name, *rows = paragraph.strip().splitlines()
            array = np.array([[float(v) for v in row.split()] for row in rows])
            arrays[name.strip()] = (array.reshape(()) if array.size == 1
                                    else array[0] if len(rows) == 1 else array)
        blocks[example] = arrays
    return blocks


BLOCKS = parse_blocks(DOC.read_text())


def image(a: np.ndarray, requires_grad: bool = False) -> Tensor:
    return Tensor(a.reshape(1, 1, *a.shape), dtype=np.float64, requires_grad=requires_grad)


def conv2d(page):
    x, k = image(page["X"], True), image(page["K"], True)
    g = page["G"]
    y = tg.conv2d(x, k)
    y.backward(image(g))
    g_padded = np.pad(g, 1)
    k_rotated = page["K"][::-1, ::-1]
    dx = x.grad.data[0, 0]
    # the page's two readings of the VJPs, spelled out
    assert np.allclose(dx, tg.conv2d(image(g_padded), image(k_rotated)).data[0, 0])
    assert np.allclose(dx, tg.conv_transpose2d(image(g), image(page["K"])).data[0, 0])
    assert np.isclose(k.grad.data[0, 0, 0, 0], (g * page["X"][:2, :2]).sum())
    assert np.isclose(dx[0, 0], (k_rotated * g_padded[:2, :2]).sum())
    return dict(Y=y.data[0, 0], G_padded=g_padded, K_rotated=k_rotated, dX=dx,
                dK=k.grad.data[0, 0])


def max_pool2d(page):
    x = image(page["X"], True)
    y, indices = tg.max_pool2d(x, 2, return_indices=True)
    y.backward(image(page["G"]))
    return dict(Y=y.data[0, 0], I=indices.data[0, 0], dX=x.grad.data[0, 0])


def max_pool2d_overlapping(page):
    x = image(page["X"], True)
    y = tg.max_pool2d(x, 3, stride=1)
    y.backward(image(page["G"]))
    return dict(Y=y.data[0, 0], dX=x.grad.data[0, 0])


def relu(page):
    x = Tensor(page["X"], requires_grad=True)
    y = x.relu()
    y.backward(Tensor(page["G"]))
    return dict(Y=y.data, dX=x.grad.data)


def dropout(page):
    tg.manual_seed(int(page["seed"]))
    x = Tensor(page["X"], requires_grad=True)
    y = tg.dropout(x, float(page["p"]))
    y.backward(Tensor(page["G"]))
    return dict(Y=y.data, dX=x.grad.data)


def cross_entropy(page):
    z = Tensor(page["Z"], requires_grad=True)
    target = Tensor(page["T"].astype(np.int64))
    loss = tg.cross_entropy(z, target)
    loss.backward()
    assert np.allclose(z.grad.data.sum(1), 0)          # "each row of dZ sums to zero"
    return dict(P=z.softmax(1).data, l=tg.cross_entropy(z, target, reduction="none").data,
                L=loss.data, dZ=z.grad.data)


EXAMPLES = {f.__name__: f for f in (conv2d, max_pool2d, max_pool2d_overlapping, relu,
                                    dropout, cross_entropy)}
INPUTS = {"X", "K", "G", "Z", "T", "p", "seed"}


def test_the_page_has_every_example():
    assert set(BLOCKS) == set(EXAMPLES)


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_numbers_on_the_page_are_what_the_library_computes(example):
    page = BLOCKS[example]
    computed = EXAMPLES[example](page)
    assert set(page) == (set(page) & INPUTS) | set(computed), (
        f"{example}: arrays on the page that nothing checks: "
        f"{sorted(set(page) - INPUTS - set(computed))}; missing from the page: "
        f"{sorted(set(computed) - set(page))}")
    for name, value in computed.items():
        np.testing.assert_allclose(page[name], value, atol=PRINTED, rtol=0,
                                   err_msg=f"{example}: {name} on the page is stale")


def test_parser_reads_what_is_written():
    blocks = parse_blocks("```numbers demo\nA\n 1 2\n-3 4.5\n\nb\n 7 8\n\nc\n 9\n```\n")
    np.testing.assert_array_equal(blocks["demo"]["A"], [[1, 2], [-3, 4.5]])
    np.testing.assert_array_equal(blocks["demo"]["b"], [7, 8])
    assert blocks["demo"]["c"].shape == () and blocks["demo"]["c"] == 9
