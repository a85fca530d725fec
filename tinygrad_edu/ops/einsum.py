"""Einstein summation: one primitive whose VJP is again an einsum.

`normalize` turns torch's equation forms (implicit output, '...', spaces) into one
explicit equation of single letters, e.g. '...ij,...jk' for operands of 3 and 2 dims
becomes 'Aij,jk->Aik', and checks it against the operands' shapes. `Einsum` then only
ever sees explicit equations, and its VJP builds new ones from them.
"""
from __future__ import annotations

import string
from typing import Sequence

import numpy as np

from ..function import Function
from .movement import Expand, Reshape

LETTERS = string.ascii_uppercase + string.ascii_lowercase   # in ASCII (sorting) order


class Einsum(Function):
    """out = einsum(equation, A_0, ..., A_{n-1}) for an explicit equation 'ij,jk->ik':
    every combination of the letters is one term, the product of the operands'
    elements it names, and the letters missing from the output are summed over.

    VJP: dL/dA_k = einsum(g and the other operands -> subscripts of A_k).

    Why: out[o] = sum over the letters not in o of prod_j A_j[s_j]. An element A_k[s]
    appears in the terms of every out[o] that agrees with it on the shared letters, with
    the product of the other operands as its coefficient, so
        dL/dA_k[s] = sum over the letters not in s of g[o] * prod_{j != k} A_j[s_j],
    which is the einsum of g (subscripts o) with the other operands, whose output
    subscripts are s. For 'ij,jk->ik': dL/dA = einsum('ik,jk->ij', g, B) = g @ B^T.
    Two cases need more than that, because an einsum output cannot repeat a letter and
    cannot name a letter that no operand has:
      - a repeated letter in A_k ('ii->' is the trace, 'ii->i' the diagonal): only the
        elements A_k[i, i] are used, and A_k[i, i] = sum_i' A_k[i, i'] delta[i, i']. So
        rename the second i to a new letter i' and put the identity delta (an eye, a
        constant) among the operands: the gradient is einsum(g, ..., delta -> ii'), zero
        off the diagonal; for the trace it is g * I, for the diagonal diag(g).
      - a letter of A_k found nowhere else ('ij->i' sums j away): every element along
        it got the same gradient, so the einsum leaves it out and g is expanded along it.
        So is a letter that has size 1 wherever else it appears (broadcast against A_k).
    A letter of size 1 in A_k that broadcasts against size n elsewhere gets a gradient of
    size n there, which the engine sums back to 1 (as for every broadcast input).
    The VJP is an Einsum (plus a reshape and an expand), so it differentiates again.
    Saves the operands (nothing for a single operand: its VJP needs only g).
    """

    @staticmethod
    def forward(ctx, *arrays, equation):
        ctx.in_shapes = [a.shape for a in arrays]
        if len(arrays) > 1:
            ctx.save_for_backward(*arrays)
        # optimize picks a contraction order and hands pairs to BLAS (tensordot)
        return np.einsum(equation, *arrays, optimize=len(arrays) > 1)

    @staticmethod
    def backward(ctx, g):
        terms, out = split(ctx.options["equation"])
        operands = ctx.saved_tensors if len(terms) > 1 else (None,)
        return tuple(
            operand_grad(g, out, terms, operands, ctx.in_shapes, k) if need else None
            for k, need in enumerate(ctx.needs_input_grad))


def operand_grad(g, out: str, terms: list[str], operands: Sequence, shapes: list[tuple],
                 k: int):
    """dL/dA_k (see Einsum): einsum(g, the other operands, a delta per repeated letter of
    A_k -> A_k's letters, the second of a repeated pair renamed), expanded along the letters
    that only A_k has."""
    free = [c for c in LETTERS if c not in out and not any(c in t for t in terms)]
    renamed, deltas = "", []                      # deltas: (letter, new letter, size)
    for letter, size in zip(terms[k], shapes[k]):
        if letter in renamed:
            new = free.pop()
            deltas.append((letter, new, size))
            letter = new
        renamed += letter
    inputs = [out] + [t for j, t in enumerate(terms) if j != k] + [a + b for a, b, _ in deltas]
    kept = "".join(c for c in renamed if any(c in t for t in inputs))
    others = [operands[j] for j in range(len(terms)) if j != k]
    eyes = [np.eye(n, dtype=g.dtype) for _, _, n in deltas]      # constants (apply wraps them)
    grad = Einsum.apply(g, *others, *eyes, equation=",".join(inputs) + "->" + kept)
    if kept != renamed:                  # the letters only A_k has: size 1 for now
        sizes = iter(grad.shape)
        grad = Reshape.apply(grad, shape=tuple(next(sizes) if c in kept else 1
                                               for c in renamed))
    # ... expanded to A_k's sizes, like a letter that has size 1 wherever else it appears
    # (where A_k's size is 1 and the gradient's n, the engine sums it back instead)
    full = tuple(n if n != 1 else m for m, n in zip(grad.shape, shapes[k]))
    return grad if full == grad.shape else Expand.apply(grad, shape=full)


def split(equation: str) -> tuple[list[str], str]:
    """'ij,jk->ik' -> (['ij', 'jk'], 'ik') for an explicit equation."""
    inputs, out = equation.split("->")
    return inputs.split(","), out


def normalize(equation: str, shapes: Sequence[tuple]) -> str:
    """torch's einsum equation for operands of these shapes as an explicit equation of
    letters: '...' becomes one new letter per dimension it covers (right-aligned, as
    numpy broadcasting), and without '->' the output is the '...' dimensions followed by
    the letters that appear once, sorted (uppercase first). Errors follow torch's checks."""
    equation = equation.replace(" ", "")
    if equation.count("->") > 1:
        raise ValueError(f"einsum: the equation {equation!r} has more than one '->'")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: the equation {equation!r} has {len(terms)} operand(s) but "
                         f"{len(shapes)} were given")
    for term in terms + ([rhs] if arrow else []):
        _check_term(term, equation)
    covered = [len(shape) - len(term.replace("...", "")) for term, shape in zip(terms, shapes)]
    for i, (term, shape, n) in enumerate(zip(terms, shapes, covered)):
        if n < 0 or (n and "..." not in term):
            raise ValueError(f"einsum: operand {i} has {len(shape)} dimensions (shape "
                             f"{tuple(shape)}) but the subscripts {term!r} name "
                             f"{len(term.replace('...', ''))}" + ("" if "..." in term else
                                                                  " and there is no '...'"))
    unused = [c for c in LETTERS if c not in equation]
    dots = unused[:max(covered, default=0)]
    if len(dots) < max(covered, default=0):
        raise ValueError(f"einsum: '...' covers more dimensions than there are letters left "
                         f"(52 letters in all) in {equation!r}")
    terms = [t.replace("...", "".join(dots[len(dots) - n:])) for t, n in zip(terms, covered)]
    if arrow:
        out = rhs.replace("...", "".join(dots))
        for c in out:
            if out.count(c) > 1:
                raise ValueError(f"einsum: output subscript {c} appears more than once in "
                                 f"{equation!r}")
            if not any(c in t for t in terms):
                raise ValueError(f"einsum: output subscript {c} does not appear in any "
                                 f"operand's subscripts in {equation!r}")
    else:
        letters = "".join(terms)
        out = "".join(dots) + "".join(sorted(c for c in set(letters) - set(dots)
                                             if letters.count(c) == 1))
    _check_sizes(terms, shapes, set(dots))
    return ",".join(terms) + "->" + out


def _check_term(term: str, equation: str) -> None:
    if term.count("...") > 1 or "." in term.replace("...", ""):
        raise ValueError(f"einsum: {term!r} in {equation!r}: '.' may only appear as one "
                         "'...' per operand")
    bad = [c for c in term.replace("...", "") if c not in LETTERS]
    if bad:
        raise ValueError(f"einsum: invalid subscript {bad[0]!r} in {equation!r}; subscripts "
                         "must be letters in [a-zA-Z]")


def _check_sizes(terms: list[str], shapes: Sequence[tuple], dots: set) -> None:
    """A letter repeated within an operand needs one size; across operands the sizes must
    be equal or 1 (broadcast)."""
    seen: dict[str, int] = {}
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        own: dict[str, int] = {}
        for c, n in zip(term, shape):
            name = "a dimension covered by '...'" if c in dots else f"subscript {c}"
            if own.setdefault(c, n) != n:
                raise ValueError(f"einsum: {name} is repeated in operand {i} (shape "
                                 f"{tuple(shape)}) with different sizes {own[c]} and {n}")
            if seen.setdefault(c, n) != n and 1 not in (seen[c], n):
                raise ValueError(f"einsum: {name} has size {n} in operand {i} (shape "
                                 f"{tuple(shape)}), which does not broadcast with size "
                                 f"{seen[c]} in an operand before it")
            if seen[c] == 1:
                seen[c] = n
