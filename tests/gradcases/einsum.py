"""Gradient-check cases for the Einsum primitive (its VJP is again an einsum, with a delta
for each repeated letter and an expand for the letters only one operand has)."""
from __future__ import annotations

import numpy as np

from tinygrad_edu.linear_algebra_more import einsum

from . import GradCase
from .core import constant, inputs, r

CASES: list[GradCase] = []
_RNG = np.random.default_rng(20240807)

EQUATIONS = {  # id: (equation, operand shapes)
    "matmul": ("ij,jk->ik", [(2, 3), (3, 4)]),
    "bmm": ("bij,bjk->bik", [(2, 2, 3), (2, 3, 1)]),
    "outer": ("i,j->ij", [(3,), (2,)]),
    "dot": ("i,i->", [(4,), (4,)]),
    "three": ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    "trace": ("ii->", [(3, 3)]),
    "diagonal": ("ii->i", [(3, 3)]),
    "batch-diagonal": ("bii->bi", [(2, 3, 3)]),
    "triple": ("iii->i", [(2, 2, 2)]),
    "repeated-kept-elsewhere": ("ii,i->i", [(3, 3), (3,)]),
    "two-repeats": ("iijj->ij", [(2, 2, 3, 3)]),
    "transpose": ("ij->ji", [(2, 3)]),
    "sum-all": ("ijk->", [(2, 1, 3)]),
    "sum-lone": ("ij,j->", [(2, 3), (3,)]),
    "lone-kept-order": ("ijk,j->kj", [(2, 3, 2), (3,)]),
    "implicit": ("ba", [(2, 3)]),
    "implicit-matmul": ("ij,jk", [(2, 3), (3, 2)]),
    "ellipsis": ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),
    "ellipsis-sum": ("...i->i", [(2, 3, 2)]),
    "ellipsis-implicit": ("b...a", [(2, 4, 3)]),
    "ellipsis-empty": ("...ij->ji", [(2, 3)]),
    "broadcast-letter": ("ij,jk->ik", [(2, 1), (3, 2)]),
    "broadcast-both": ("i,i->i", [(1,), (3,)]),
    "broadcast-repeated": ("ii,i->", [(1, 1), (3,)]),
    "0d": (",i->i", [(), (3,)]),
    "0d-alone": ("->", [()]),
    "size1": ("ij,jk->ik", [(1, 1), (1, 3)]),
    "empty-contracted": ("ij,jk->ik", [(2, 0), (0, 3)]),
    "empty-kept": ("ij,jk->ik", [(0, 2), (2, 3)]),
}
for sid, (equation, shapes) in EQUATIONS.items():
    CASES.append(GradCase(
        op="einsum", id=f"einsum-{sid}",
        fn=lambda *ops, equation=equation: einsum(equation, *ops),
        inputs=inputs(*[r(*shape, seed=i + 1) for i, shape in enumerate(shapes)])))

for i in range(3):   # random contractions of two operands over random letters
    letters = "abcd"
    a = "".join(_RNG.permutation(list(letters))[:int(_RNG.integers(1, 4))])
    b = "".join(_RNG.permutation(list(letters))[:int(_RNG.integers(1, 4))])
    out = "".join(c for c in letters if c in a + b and ((c in a) != (c in b) or _RNG.random() < 0.3))
    sizes = {c: int(_RNG.integers(1, 4)) for c in letters}
    shapes = [tuple(sizes[c] for c in t) for t in (a, b)]
    equation = f"{a},{b}->{out}"
    CASES.append(GradCase(
        op="einsum", id=f"einsum-rand{i}-{equation}",
        fn=lambda x, y, equation=equation: einsum(equation, x, y),
        inputs=inputs(r(*shapes[0], seed=10 + i), r(*shapes[1], seed=20 + i))))

CASES += [
    GradCase(op="einsum", id="einsum-same-tensor-twice",
             fn=lambda a: einsum("ij,ij->i", a, a), inputs=inputs(r(2, 3, seed=5))),
    GradCase(op="einsum", id="einsum-one-input-constant",
             fn=lambda a, b: einsum("ij,jk->ik", a, b), inputs=inputs(constant(2, 3), r(3, 2))),
    GradCase(op="einsum", id="einsum-sublist",
             fn=lambda a, b: einsum(a, [0, 1], b, [1, 2], [0, 2]),
             inputs=inputs(r(2, 3, seed=1), r(3, 2, seed=2))),
    GradCase(op="einsum", id="einsum-times-input",
             fn=lambda a: einsum("ii->i", a) * a[0], inputs=inputs(r(3, 3, seed=6))),
]
