"""LBFGS: limited-memory BFGS, a quasi-Newton method for full-batch problems whose loss the
closure can evaluate several times per step (neural style transfer, small smooth fits)."""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from tinygrad_edu import Tensor, enable_grad, versions

from .line_search import Trial, strong_wolfe
from .optimizer import Optimizer, check_non_negative


class LBFGS(Optimizer):
    """torch.optim.LBFGS (Nocedal 1980; Liu & Nocedal 1989; the loop of minFunc). All the
    parameters together are one vector x, their gradients one vector g (flattened in order;
    a parameter without a gradient counts as zeros). `step(closure)` runs up to max_iter
    iterations of

        d = -g                          the very first iteration (state n_iter == 1)
        d = -H g                        later: H is the inverse-Hessian estimate built from
                                        the last history_size pairs (s, y) (`two_loop`)
        stop if g . d > -tolerance_change           (d is not a descent direction)
        t = min(1, 1 / sum|g|) * lr     the very first iteration (a cautious first step)
        t = lr                          later (the quasi-Newton step has the right length)
        x = x + t d                     line_search_fn None: a fixed step, then f and g at
                                        the new x (except in the step's last iteration);
                                        "strong_wolfe": t from `strong_wolfe`, starting there
        s = t d,  y = g_new - g         the pair for the next iteration (`remember`)

    stopping early once max|g| <= tolerance_grad, max|t d| <= tolerance_change,
    |f_new - f| < tolerance_change, or max_eval closure calls in this step (the line search
    may make one more). The first of these is also checked before the first iteration.

    The state lives on the first parameter, as torch: func_evals and n_iter (counts over all
    steps), d and t (the last direction and step length), old_dirs (the y's), old_stps (the
    s's), ro (the 1 / y.s), H_diag (gamma, H0 = gamma I), prev_flat_grad and prev_loss (g and
    f where the last iteration started), al (scratch of the two-loop recursion). A later
    step continues from it, with the same memory. Scalars (g.d, y.s, t, ...) are Python
    floats; torch keeps some as 0-d tensors of the parameters' dtype, so with float32
    parameters it rounds them to float32.

    closure() must clear the gradients, compute the loss, call backward and return the
    loss; it runs with gradients enabled. Steps are added to the parameters in place, so a
    closure that changes them itself (clamps an image to [0, 1], say) keeps its change.
    Memory: about 2 history_size + 4 vectors the size of all the parameters.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        check_non_negative("LBFGS", lr=lr, tolerance_grad=tolerance_grad,
                           tolerance_change=tolerance_change)
        counts = dict(max_iter=max_iter, max_eval=max_eval, history_size=history_size)
        bad = [f"{key}={value!r}" for key, value in counts.items()
               if not (isinstance(value, int) and value >= 1)]
        if bad:
            raise ValueError(f"LBFGS: max_iter, max_eval and history_size must be integers "
                             f">= 1, got {', '.join(bad)}")
        check_line_search(line_search_fn)
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size,
                                      line_search_fn=line_search_fn))

    def add_param_group(self, group: dict) -> None:
        """Only the first group: L-BFGS treats all its parameters as one vector."""
        if self.param_groups:
            raise ValueError("LBFGS: supports a single parameter group (it optimizes all the "
                             "parameters as one vector, with one set of options); pass all "
                             "the parameters in one list")
        super().add_param_group(group)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run up to max_iter iterations (see the class docstring). Returns the loss of the
        closure's first call, at the parameters the step started from."""
        if closure is None:
            raise TypeError("LBFGS.step needs a closure: a function that clears the "
                            "gradients, computes the loss, calls backward() and returns the "
                            "loss (L-BFGS evaluates it several times per step)")
        group = self.param_groups[0]
        params, lr = group["params"], group["lr"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        check_line_search(group["line_search_fn"])
        state = self.state.setdefault(params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        def evaluate() -> tuple[Any, np.ndarray]:
            with enable_grad():
                loss = closure()
            if loss is None:
                raise TypeError("LBFGS: the closure returned None; it must return the loss")
            return loss, flat_grad(params)

        first_loss, g = evaluate()
        loss, evals = float(first_loss), 1
        state["func_evals"] += 1
        if np.abs(g).max() <= tolerance_grad:
            return first_loss
        d, t, prev_g = state.get("d"), state.get("t"), state.get("prev_flat_grad")
        dirs, steps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag, prev_loss = state.get("H_diag"), state.get("prev_loss")

        for n_iter in range(1, max_iter + 1):
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, dirs, steps, ro, h_diag = -g, [], [], [], 1.0
            else:
                dirs, steps, ro, h_diag = remember(dirs, steps, ro, h_diag, y=g - prev_g,
                                                   s=d * t, history_size=group["history_size"])
                d, al = two_loop(g, dirs, steps, ro, h_diag)
                state["al"] = al + [None] * (group["history_size"] - len(al))
            prev_g, prev_loss = g, loss
            t = min(1.0, 1.0 / float(np.abs(g).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(g @ d)
            if gtd > -tolerance_change:
                break

            new_evals = 0
            if group["line_search_fn"] == "strong_wolfe":
                start = [p.data.copy() for p in params]

                def along_line(step: float) -> tuple[float, np.ndarray]:
                    """f and g at x + step d; the parameters go back to x."""
                    add_to_params(params, step, d)
                    value, grad = evaluate()
                    set_params(params, start)
                    return float(value), grad

                accepted, new_evals = strong_wolfe(along_line, d, Trial(0.0, loss, g, gtd), t,
                                                   max_ls=max_eval - evals)
                loss, g, t = accepted.f, accepted.g, accepted.t
                add_to_params(params, t, d)
            else:
                add_to_params(params, t, d)
                if n_iter != max_iter:
                    value, g = evaluate()
                    loss, new_evals = float(value), 1
            evals += new_evals
            state["func_evals"] += new_evals
            if (n_iter == max_iter or evals >= max_eval or np.abs(g).max() <= tolerance_grad
                    or np.abs(d * t).max() <= tolerance_change
                    or abs(loss - prev_loss) < tolerance_change):
                break

        state.update(d=d, t=t, old_dirs=dirs, old_stps=steps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_g, prev_loss=prev_loss)
        return first_loss

    def _saved_state(self) -> dict:
        """As `Optimizer.state_dict`; the history lists are copied too."""
        saved = super()._saved_state()
        for entry in saved["state"].values():
            for key, value in entry.items():
                if isinstance(value, list):
                    entry[key] = [v.copy() if isinstance(v, np.ndarray) else v for v in value]
        return saved

    def _restore(self, state_dict: dict) -> None:
        """As `Optimizer.load_state_dict`. The state's vectors (d, prev_flat_grad, the
        history) are all the parameters flattened: their length is checked against it."""
        super()._restore({**state_dict, "state": {}})             # the options
        entry = {str(k): v for k, v in state_dict["state"].items()}.get("0")
        if entry is not None:
            params = self.param_groups[0]["params"]
            size = sum(p.data.size for p in params)
            dtype = np.result_type(*(p.dtype for p in params))
            self.state[params[0]] = {key: _flat_state(value, key, size, dtype)
                                     for key, value in entry.items()}


def check_line_search(name: str | None) -> None:
    """The line searches torch knows: none (fixed steps) or "strong_wolfe"."""
    if name not in (None, "strong_wolfe"):
        raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {name!r}")


def remember(dirs: list, steps: list, ro: list, h_diag: float, y: np.ndarray,
             s: np.ndarray, history_size: int) -> tuple[list, list, list, float]:
    """The memory after a move s = x_new - x with gradient change y = g_new - g.

    The pair is kept only when y . s > 1e-10 (the curvature along s is positive, so H stays
    positive definite); then the oldest pair goes if history_size are kept, 1 / y.s joins
    ro, and gamma = y.s / y.y (the inverse curvature along s: H0 = gamma I has the scale of
    the inverse Hessian). New lists: a saved state never changes."""
    ys = float(y @ s)
    if ys > 1e-10:
        drop = 1 if len(dirs) == history_size else 0
        dirs, steps, ro = dirs[drop:] + [y], steps[drop:] + [s], ro[drop:] + [1.0 / ys]
        h_diag = ys / float(y @ y)
    return dirs, steps, ro, h_diag


def two_loop(g: np.ndarray, dirs: list, steps: list, ro: list,
             h_diag: float) -> tuple[np.ndarray, list[float]]:
    """d = -H g without forming H (Nocedal & Wright, algorithm 7.4). H is BFGS's
    inverse-Hessian estimate: start from H0 = h_diag I and, for each kept pair (s_i, y_i),
    oldest first, with rho_i = 1 / (y_i . s_i),

        H = (I - rho_i s_i y_i^T) H (I - rho_i y_i s_i^T) + rho_i s_i s_i^T

    (the smallest change of H with H y_i = s_i: the secant equation). Unrolled:

        q = -g
        for i newest .. oldest:   a_i = rho_i s_i . q,   q = q - a_i y_i
        r = h_diag q
        for i oldest .. newest:   b_i = rho_i y_i . r,   r = r + (a_i - b_i) s_i
        d = r

    Returns d and the a_i."""
    q = -g
    al = [0.0] * len(dirs)
    for i in reversed(range(len(dirs))):
        al[i] = float(steps[i] @ q) * ro[i]
        q -= al[i] * dirs[i]
    r = q * h_diag
    for i in range(len(dirs)):
        beta = float(dirs[i] @ r) * ro[i]
        r += (al[i] - beta) * steps[i]
    return r, al


def flat_grad(params: list[Tensor]) -> np.ndarray:
    """All the gradients as one new vector, in parameter order (zeros where none)."""
    return np.concatenate([np.zeros(p.data.size, p.dtype) if p.grad is None
                           else p.grad.data.reshape(-1) for p in params])


def add_to_params(params: list[Tensor], t: float, d: np.ndarray) -> None:
    """x = x + t d in place, d cut into the parameters' shapes."""
    offset = 0
    for p in params:
        p.data += t * d[offset:offset + p.data.size].reshape(p.shape)
        versions.mark_changed(p.data)          # a graph that saved p must not use it
        offset += p.data.size


def set_params(params: list[Tensor], values: list[np.ndarray]) -> None:
    """Write saved values back into the parameters, in place."""
    for p, value in zip(params, values):
        p.data[...] = value
        versions.mark_changed(p.data)


def _flat_state(value: Any, key: str, size: int, dtype: np.dtype) -> Any:
    """A saved state entry: vectors (alone or in lists) copied with the right length;
    numbers (torch saves H_diag, al and ro as 0-d tensors) as Python floats."""
    if isinstance(value, (list, tuple)):
        return [_flat_state(v, key, size, dtype) for v in value]
    if isinstance(value, Tensor):
        value = value.data
    if not isinstance(value, np.ndarray):
        return value
    if value.ndim == 0:
        return float(value)
    if value.shape != (size,):
        raise ValueError(f"LBFGS.load_state_dict: state {key!r} holds a vector of shape "
                         f"{value.shape}; the parameters have {size} elements in all")
    return np.array(value, dtype=dtype)
