"""The strong-Wolfe line search of `LBFGS(line_search_fn="strong_wolfe")`: torch's (from
minFunc, Mark Schmidt), i.e. Nocedal & Wright's algorithms 3.5 (bracket) and 3.6 (zoom) with
cubic interpolation.

Along the search line x + t d, phi(t) = f(x + t d) has the slope phi'(t) = g(x + t d) . d,
which is negative at t = 0 (d is a descent direction). A step t satisfies the strong Wolfe
conditions when

    phi(t) <= phi(0) + c1 t phi'(0)         sufficient decrease (Armijo)
    |phi'(t)| <= c2 |phi'(0)|                curvature: the slope has flattened enough

with 0 < c1 < c2 < 1 (here 1e-4 and 0.9).
"""
from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np


class Trial(NamedTuple):
    """One evaluation along the line: at x + t d the loss is f, the flat gradient g, and the
    slope phi'(t) = g . d."""
    t: float
    f: float
    g: np.ndarray
    slope: float


def cubic_minimizer(a: Trial, b: Trial, bounds: tuple[float, float] | None = None) -> float:
    """The minimizer of the cubic that interpolates phi and phi' at the two steps, clipped
    to `bounds` (default: the interval between the steps). With the steps ordered
    t1 <= t2 (Nocedal & Wright, eq. 3.59):

        d1 = phi'(t1) + phi'(t2) - 3 (phi(t1) - phi(t2)) / (t1 - t2)
        d2 = sqrt(d1**2 - phi'(t1) phi'(t2))
        t  = t2 - (t2 - t1) (phi'(t2) + d2 - d1) / (phi'(t2) - phi'(t1) + 2 d2)

    When d1**2 < phi'(t1) phi'(t2) the cubic has no minimum: the middle of `bounds`.
    On a quadratic phi the cubic is phi itself, so t is its exact minimizer.
    """
    first, second = (a, b) if a.t <= b.t else (b, a)
    low, high = bounds if bounds is not None else (first.t, second.t)
    d1 = first.slope + second.slope - 3 * (first.f - second.f) / (first.t - second.t)
    d2_square = d1 ** 2 - first.slope * second.slope
    if not d2_square >= 0:
        return (low + high) / 2
    d2 = math.sqrt(d2_square)
    t = second.t - (second.t - first.t) * (
        (second.slope + d2 - d1) / (second.slope - first.slope + 2 * d2))
    return min(max(t, low), high)


def low_and_high(bracket: list[Trial]) -> tuple[int, int]:
    """Positions of the lower and the higher end of the bracket (a tie: the first is low)."""
    return (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)


def strong_wolfe(evaluate: Callable[[float], tuple[float, np.ndarray]], d: np.ndarray,
                 start: Trial, t: float, max_ls: int = 25, c1: float = 1e-4, c2: float = 0.9,
                 tolerance_change: float = 1e-9) -> tuple[Trial, int]:
    """Search phi(t) = f(x + t d) from `start` (t = 0) with the first trial step `t`.
    `evaluate(t)` returns the loss and the flat gradient at x + t d. Returns the accepted
    trial and the number of evaluations (at most max_ls + 1).

    1. Bracket. Try t; if it breaks sufficient decrease, or (from the third trial on) is no
       lower than the previous trial, or the slope turned non-negative, a step satisfying
       the conditions lies between the previous trial and t: zoom there. If t satisfies
       both conditions, accept it. Otherwise extrapolate: the next t is the cubic
       minimizer through the last two trials, kept in [t + 0.01 (t - t_prev), 10 t].
    2. Zoom. Keep a bracket (low, high): `low` is the lowest trial that has sufficient
       decrease. Try the cubic minimizer between the two ends; when it falls within 10% of
       the bracket's length from an end twice in a row (or outside), try the point 10% in
       from that end instead. A trial that fails sufficient decrease or is not lower than
       `low` replaces `high`; otherwise it satisfies both conditions (done), or it becomes
       the new `low` (and the old `low` becomes `high` when phi rises from the trial
       towards the old `high`: slope * (t_high - t_low) >= 0). Stop when the bracket is
       so short that no coordinate changes by tolerance_change across it:
       |t_high - t_low| max|d| < tolerance_change.
    The search uses max_ls trials after the first; out of trials while bracketing, it
    returns the lower of the start and the last trial.
    """
    def trial(step: float) -> Trial:
        loss, grad = evaluate(step)
        return Trial(step, loss, grad, float(grad @ d))

    def too_high(new: Trial) -> bool:          # sufficient decrease fails
        return new.f > start.f + c1 * new.t * start.slope

    def flat_enough(new: Trial) -> bool:       # the curvature condition holds
        return abs(new.slope) <= -c2 * start.slope

    prev, new, iterations, done = start, trial(t), 0, False
    while True:
        if iterations == max_ls:
            bracket = [start, new]
            break
        overshot = too_high(new) or (iterations > 1 and new.f >= prev.f)
        if not overshot and flat_enough(new):
            bracket, done = [new], True
            break
        if overshot or new.slope >= 0:          # a good step lies between prev and new
            bracket = [prev, new]
            break
        t = cubic_minimizer(prev, new, (new.t + 0.01 * (new.t - prev.t), new.t * 10))
        prev, new, iterations = new, trial(t), iterations + 1

    low, high = low_and_high(bracket)
    d_norm, insufficient_progress = np.abs(d).max(), False
    while not done and iterations < max_ls:
        left, right = min(bracket[0].t, bracket[1].t), max(bracket[0].t, bracket[1].t)
        if (right - left) * d_norm < tolerance_change:
            break
        t = cubic_minimizer(*bracket)
        margin = 0.1 * (right - left)
        if min(right - t, t - left) < margin:             # close to an end of the bracket
            if insufficient_progress or t >= right or t <= left:
                t = right - margin if abs(t - right) < abs(t - left) else left + margin
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        new, iterations = trial(t), iterations + 1
        if too_high(new) or new.f >= bracket[low].f:
            bracket[high] = new
            low, high = low_and_high(bracket)
        else:
            done = flat_enough(new)
            if not done and new.slope * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = new
    return bracket[low], iterations + 1
