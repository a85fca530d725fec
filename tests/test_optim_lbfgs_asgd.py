"""LBFGS and ASGD. LBFGS: closed-form runs (a round bowl in two iterations, the exact
minimizer of a parabola from the line search's cubic), the iterates of a dense-matrix BFGS
written out in the test, the strong Wolfe conditions at every step on Rosenbrock, each
stopping rule with the closure calls counted, flattening, state_dict, errors. ASGD: first
steps by hand, the averaging, maximize, state_dict, errors. Then (when torch is installed)
every point each optimizer evaluates, against torch's."""
from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from nn.optim import ASGD, LBFGS
from nn.optim.line_search import Trial, cubic_minimizer

RNG = np.random.default_rng(0)
N = 6
Q, _ = np.linalg.qr(RNG.normal(size=(N, N)))
A = Q @ np.diag(np.linspace(1.0, 10.0, N)) @ Q.T          # SPD, eigenvalues 1 .. 10
B = RNG.normal(size=N)
Z = RNG.normal(size=(20, N))                               # logistic regression data
LABELS = (RNG.random(20) < 0.5).astype(float)


def quadratic(x, lib=tg):
    """0.5 x^T A x - b^T x: gradient A x - b, minimum at A^-1 b."""
    return 0.5 * (x * (lib.tensor(A) @ x)).sum() - (lib.tensor(B) * x).sum()


def logistic(x, lib=tg):
    """Mean logistic loss of the linear model Z x, plus 0.01 |x|^2 (smooth, convex)."""
    z = lib.tensor(Z) @ x
    return (lib.log(1 + lib.exp(z)) - lib.tensor(LABELS) * z).mean() + 0.01 * (x * x).sum()


def rosenbrock(x, lib=tg):
    """(1 - x0)^2 + 100 (x1 - x0^2)^2: minimum 0 at (1, 1), along a curved narrow valley."""
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def parabola(c):
    """c (x - 3)^2 on a 1-element x: gradient 2 c (x - 3)."""
    return lambda x, lib=tg: (c * (x - 3.0) ** 2).sum()


def recorder(optimizer, params, loss_fn, lib=tg):
    """A closure for optimizer.step and the list of the points it was called at (all the
    parameters flattened)."""
    points = []

    def closure():
        optimizer.zero_grad()
        loss = loss_fn(*params, lib=lib)
        loss.backward()
        points.append(np.concatenate([np.array(p.detach().numpy()).reshape(-1)
                                      for p in params]))
        return loss
    return closure, points


def start(x0) -> tg.Tensor:
    return tg.Tensor(np.array(x0, dtype=np.float64), requires_grad=True)


# ------------------------------------------------------------------ LBFGS: closed forms
def test_round_bowl_is_solved_in_two_iterations():
    # f = c/2 |x|^2 - b.x. Iteration 1: d = -g0, t = min(1, 1/|g0|_1). Iteration 2: y = c s,
    # so H_diag = y.s / y.y = 1/c and the two-loop recursion gives d = -g1 / c: Newton's
    # step, x2 = x1 - (c x1 - b) / c = b / c. The third call sees g = 0 and stops the step.
    c, b, x0 = 4.0, np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.2, -0.1])

    def bowl(x, lib=tg):
        return (c / 2 * x * x - tg.tensor(b) * x).sum()

    x = start(x0)
    optimizer = LBFGS([x])
    closure, points = recorder(optimizer, [x], bowl)
    loss = optimizer.step(closure)
    g0 = c * x0 - b
    np.testing.assert_allclose(points[1], x0 - min(1, 1 / np.abs(g0).sum()) * g0, rtol=1e-15)
    np.testing.assert_allclose(x.numpy(), b / c, rtol=1e-14)
    assert len(points) == 3 and math.isclose(float(loss), c / 2 * x0 @ x0 - b @ x0,
                                             rel_tol=1e-15)    # the loss where it started
    state = optimizer.state[x]
    assert state["n_iter"] == 2 and state["func_evals"] == 3 and state["t"] == 1
    assert math.isclose(state["H_diag"], 1 / c, rel_tol=1e-14)


def dense_bfgs(x0, iterations, history_size, grad_tolerance):
    """The same iteration with H formed as a matrix: start from H0 = gamma I
    (gamma = y.s / y.y of the newest pair), apply the BFGS update
    H = (I - rho s y^T) H (I - rho y s^T) + rho s s^T for each kept pair, oldest first,
    and step x = x - t H g (t = min(1, 1/|g|_1) the first time, 1 after). Returns the
    points x0, x1, ... until max|g| <= grad_tolerance."""
    x, points, pairs, gamma, eye = x0.copy(), [x0.copy()], [], 1.0, np.eye(len(x0))
    g = A @ x - B
    d, t = -g, min(1.0, 1.0 / np.abs(g).sum())              # the first iteration
    for _ in range(iterations):
        x = x + t * d
        points.append(x.copy())
        s, y, g = t * d, A @ x - B - g, A @ x - B
        if np.abs(g).max() <= grad_tolerance:
            return points
        if y @ s > 1e-10:
            pairs, gamma = (pairs + [(s, y)])[-history_size:], (y @ s) / (y @ y)
        H = gamma * eye
        for s_i, y_i in pairs:
            V = eye - np.outer(y_i, s_i) / (y_i @ s_i)
            H = V.T @ H @ V + np.outer(s_i, s_i) / (y_i @ s_i)
        d, t = -H @ g, 1.0
    raise AssertionError("the reference did not converge")


@pytest.mark.parametrize("history_size", [100, 2])
def test_quadratic_follows_dense_bfgs_to_the_solution(history_size):
    # history_size 100 keeps every pair (BFGS with a rescaled start); 2 drops old ones
    x0 = np.random.default_rng(1).normal(size=N)
    expected = dense_bfgs(x0, 200, history_size, grad_tolerance=1e-11)
    x = start(x0)
    optimizer = LBFGS([x], max_iter=200, max_eval=400, tolerance_grad=1e-11,
                      tolerance_change=0.0, history_size=history_size)
    closure, points = recorder(optimizer, [x], quadratic)
    optimizer.step(closure)
    assert len(points) == len(expected) == optimizer.state[x]["n_iter"] + 1
    scale = np.abs(expected).max()
    np.testing.assert_allclose(points, expected, rtol=0, atol=1e-11 * scale)
    # |x - x*| <= |A x - b| / lambda_min = |g| <= sqrt(N) 1e-11
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(A, B), rtol=0, atol=3e-11)
    assert 2 <= len(optimizer.state[x]["old_dirs"]) <= history_size


def test_cubic_minimizer_by_hand():
    # phi = t^3 - 3t: phi(0) = 0, phi'(0) = -3, phi(2) = 2, phi'(2) = 9; minimum at t = 1
    a, b = Trial(0.0, 0.0, None, -3.0), Trial(2.0, 2.0, None, 9.0)
    assert cubic_minimizer(a, b) == cubic_minimizer(b, a) == 1.0
    assert cubic_minimizer(a, b, bounds=(1.5, 3.0)) == 1.5                # clipped
    # phi = t^3 + t has no minimum: at -1 and 1, d1 = 8 - 6 = 2 and d1^2 - 4 * 4 < 0
    a, b = Trial(-1.0, -2.0, None, 4.0), Trial(1.0, 2.0, None, 4.0)
    assert cubic_minimizer(a, b) == 0.0 and cubic_minimizer(a, b, bounds=(2.0, 5.0)) == 3.5


def test_line_search_zooms_to_the_minimizer_of_a_parabola():
    # f = (x - 3)^2 from 0: g0 = -6, d = 6, phi'(0) = g.d = -36; lr = 10 makes the first
    # trial t = 10/6 (x = 10, f = 49 > 9): bracket [0, 10/6]. The cubic through
    # phi(0) = 9, phi'(0) = -36, phi(10/6) = 49, phi'(10/6) = 14 * 6 = 84 is phi itself,
    # so the zoom tries its minimizer t = 1/2, x = 3: g = 0, accepted; the step stops.
    x = start([0.0])
    optimizer = LBFGS([x], lr=10, line_search_fn="strong_wolfe")
    closure, points = recorder(optimizer, [x], parabola(1.0))
    optimizer.step(closure)
    np.testing.assert_allclose(np.ravel(points), [0.0, 10.0, 3.0], rtol=1e-14)
    np.testing.assert_allclose(x.numpy(), [3.0], rtol=1e-14)
    state = optimizer.state[x]
    assert math.isclose(state["t"], 0.5, rel_tol=1e-14)
    assert state["func_evals"] == 3 and state["n_iter"] == 1


@pytest.mark.parametrize("max_eval,expected", [(25, [0.0, 0.01, 0.1, 1.0]),
                                               (2, [0.0, 0.01, 0.1])])
def test_line_search_extrapolates_tenfold(max_eval, expected):
    # lr = 0.01: the first trial x = t d = 0.01 is too short (phi' = -5.98 * 6, not yet
    # 0.9 * 36 in size), and the cubic's minimizer (x = 3) lies beyond 10 t: the trials go
    # x = 0.01, 0.1, 1; at x = 1, |phi'| = 24 <= 32.4: accepted. With max_eval = 2 the
    # line search may try 2 - 1 = 1 more point: it keeps the lower of x = 0 and x = 0.1.
    x = start([0.0])
    optimizer = LBFGS([x], lr=0.01, max_iter=1, max_eval=max_eval,
                      line_search_fn="strong_wolfe")
    closure, points = recorder(optimizer, [x], parabola(1.0))
    optimizer.step(closure)
    np.testing.assert_allclose(np.ravel(points), expected, rtol=1e-13)
    np.testing.assert_allclose(x.numpy(), expected[-1:], rtol=1e-13)
    assert optimizer.state[x]["func_evals"] == len(expected)


def test_rosenbrock_converges_and_every_step_is_strong_wolfe():
    x = start([-1.5, 2.0])
    optimizer = LBFGS([x], max_iter=1, max_eval=25, line_search_fn="strong_wolfe")
    calls, starts, moves = [], [], []            # (x, f, g) at every call; where steps start

    def closure():
        optimizer.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        calls.append((x.numpy().copy(), float(loss), x.grad.numpy().copy()))
        return loss

    for _ in range(100):
        first = len(calls)
        optimizer.step(closure)
        starts.append(calls[first])
        if np.array_equal(x.numpy(), starts[-1][0]):
            break                       # a step that stopped before moving
        moves.append((optimizer.state[x]["d"].copy(), optimizer.state[x]["t"]))
    assert 30 <= len(starts) <= 60 and starts[-1][1] < 1e-9
    assert starts[-1][2] @ optimizer.state[x]["d"] > -1e-9      # g.d > -tolerance_change
    np.testing.assert_allclose(x.numpy(), [1.0, 1.0], rtol=0, atol=1e-5)
    for (x_k, f_k, g_k), (x_next, f_next, g_next), (d, t) in zip(starts, starts[1:], moves):
        np.testing.assert_allclose(x_next, x_k + t * d, rtol=1e-15, atol=1e-15)
        assert f_next <= f_k + 1e-4 * t * (g_k @ d)              # sufficient decrease
        assert abs(g_next @ d) <= 0.9 * abs(g_k @ d)             # curvature
    y = start([-1.5, 2.0])                    # 20 iterations a step, tighter tolerances
    optimizer = LBFGS([y], tolerance_grad=1e-12, tolerance_change=1e-20,
                      line_search_fn="strong_wolfe")
    closure, points = recorder(optimizer, [y], rosenbrock)
    for _ in range(3):
        optimizer.step(closure)
    np.testing.assert_allclose(y.numpy(), [1.0, 1.0], rtol=0, atol=1e-9)


# ------------------------------------------------------------------ LBFGS: stopping rules
@pytest.mark.parametrize("c,x0,options,calls,x_end,n_iter", [
    # at the minimum: max|g| = 0 <= tolerance_grad before any iteration
    (1.0, 3.0, {}, 1, 3.0, 0),
    # g0 = -6, t = 1/6, x1 = 1 where g = -4, max|g| <= 5
    (1.0, 0.0, dict(tolerance_grad=5.0), 2, 1.0, 1),
    # the same move: max|t d| = 1 <= 1.5 (the loss fell by 5: not that rule)
    (1.0, 0.0, dict(tolerance_change=1.5), 2, 1.0, 1),
    # c = 0.16: g0 = -0.96, t = min(1, 1/0.96) = 1, x1 = 0.96, max|t d| = 0.96 > 0.85,
    # g.d = -0.9216 < -0.85, but the loss fell by 1.44 - 0.16 * 2.04^2 = 0.774 < 0.85
    (0.16, 0.0, dict(tolerance_change=0.85), 2, 0.96, 1),
    # c = 0.01: g0 = -0.06, t = 1, g.d = -0.0036 > -0.01: stop before moving
    (0.01, 0.0, dict(tolerance_change=0.01), 1, 0.0, 1),
])
def test_each_tolerance_stops_where_it_should(c, x0, options, calls, x_end, n_iter):
    x = start([x0])
    optimizer = LBFGS([x], **options)
    closure, points = recorder(optimizer, [x], parabola(c))
    optimizer.step(closure)
    assert len(points) == calls == optimizer.state[x]["func_evals"]
    np.testing.assert_allclose(x.numpy(), [x_end], rtol=1e-14)
    assert optimizer.state[x]["n_iter"] == n_iter


@pytest.mark.parametrize("max_iter,max_eval,calls,n_iter", [
    (3, 10, 3, 3),       # each iteration calls the closure once, except the step's last one
    (20, 4, 4, 3),       # the third iteration's call is the fourth: stop
    (3, None, 3, 2),     # max_eval defaults to max_iter * 5 // 4 = 3, as torch: it stops first
])
def test_max_iter_and_max_eval_count_closure_calls(max_iter, max_eval, calls, n_iter):
    x = start(np.zeros(N))
    optimizer = LBFGS([x], max_iter=max_iter, max_eval=max_eval)
    closure, points = recorder(optimizer, [x], quadratic)
    optimizer.step(closure)
    assert len(points) == calls == optimizer.state[x]["func_evals"]
    assert optimizer.state[x]["n_iter"] == n_iter
    optimizer.step(closure)                           # the next step counts afresh
    assert len(points) == 2 * calls and optimizer.state[x]["n_iter"] == 2 * n_iter


# ------------------------------------------------------------------ LBFGS: parameters, state
def split(v):
    return v[:6].reshape(2, 3), v[6:8], v[8]


def three_part_loss(w, b, s, lib=tg):
    out = lib.tensor(Z[:5, :3]) @ w.T + b - s
    return lib.log(1 + out * out).sum() + 0.1 * (w * w).sum() + (s - 0.5) ** 2


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_several_parameters_move_as_one_flat_vector(line_search_fn):
    v0 = np.random.default_rng(2).normal(size=9)
    parts = [start(p) for p in split(v0)]
    optimizer = LBFGS(parts, max_iter=6, history_size=3, line_search_fn=line_search_fn)
    closure, points = recorder(optimizer, parts, three_part_loss)
    flat = start(v0)
    reference = LBFGS([flat], max_iter=6, history_size=3, line_search_fn=line_search_fn)
    flat_closure, flat_points = recorder(reference, [flat],
                                         lambda v, lib: three_part_loss(*split(v)))
    for _ in range(3):
        optimizer.step(closure)
        reference.step(flat_closure)
    np.testing.assert_array_equal(points, flat_points)
    np.testing.assert_array_equal(np.concatenate([p.numpy().reshape(-1) for p in parts]),
                                  flat.numpy())
    assert optimizer.state[parts[0]]["d"].shape == (9,) and list(optimizer.state) == [parts[0]]


def test_a_parameter_without_gradient_counts_as_zeros_and_stays():
    x, unused = start([0.0]), start([7.0, 8.0])
    optimizer = LBFGS([unused, x], line_search_fn="strong_wolfe")
    closure, points = recorder(optimizer, [x], parabola(1.0))
    optimizer.step(closure)
    np.testing.assert_allclose(x.numpy(), [3.0], rtol=1e-12)
    assert unused.numpy().tolist() == [7.0, 8.0] and unused.grad is None
    assert optimizer.state[unused]["prev_flat_grad"].shape == (3,)


def test_state_dict_roundtrip_then_continue(tmp_path):
    v0 = np.random.default_rng(3).normal(size=9)

    def make():
        parts = [start(p) for p in split(v0)]
        optimizer = LBFGS(parts, max_iter=4, history_size=2, line_search_fn="strong_wolfe")
        return parts, optimizer, recorder(optimizer, parts, three_part_loss)

    parts, optimizer, (closure, points) = make()
    for _ in range(2):
        optimizer.step(closure)
    saved = optimizer.state_dict()
    assert saved["state"][0].keys() == {"func_evals", "n_iter", "d", "t", "old_dirs",
                                          "old_stps", "ro", "H_diag", "prev_flat_grad",
                                          "prev_loss", "al"}
    assert len(saved["state"][0]["old_dirs"]) == 2 and len(saved["state"][0]["al"]) == 2
    tg.save(saved, tmp_path / "lbfgs.npz")
    for array in saved["state"][0]["old_dirs"] + [saved["state"][0]["d"]]:
        array[...] = 7.0                                       # copies: no effect
    resumed_parts, resumed, (resumed_closure, resumed_points) = make()
    for p, q in zip(resumed_parts, parts):
        p.data[...] = q.numpy()
    resumed.load_state_dict(tg.load(tmp_path / "lbfgs.npz"))
    for _ in range(2):
        optimizer.step(closure)
        resumed.step(resumed_closure)
    np.testing.assert_array_equal(resumed_points, points[-len(resumed_points):])
    for p, q in zip(resumed_parts, parts):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    assert resumed.state[resumed_parts[0]]["n_iter"] == optimizer.state[parts[0]]["n_iter"]
    smaller = LBFGS([start(np.zeros((2, 3))), start([0.0]), start([0.0])])   # 8 elements
    with pytest.raises(ValueError, match=r"LBFGS.load_state_dict: state 'd' holds a vector "
                                         r"of shape \(9,\); the parameters have 8 elements"):
        smaller.load_state_dict(optimizer.state_dict())


def test_errors_are_clear():
    x, y = start([1.0]), start([2.0])
    with pytest.raises(ValueError, match="LBFGS: supports a single parameter group"):
        LBFGS([{"params": [x]}, {"params": [y]}])
    optimizer = LBFGS([x])
    with pytest.raises(ValueError, match="LBFGS: supports a single parameter group"):
        optimizer.add_param_group({"params": [y]})
    with pytest.raises(TypeError, match=r"LBFGS.step needs a closure: a function that clears"):
        optimizer.step()
    with pytest.raises(TypeError, match="LBFGS: the closure returned None"):
        optimizer.step(lambda: None)
    with pytest.raises(ValueError, match="LBFGS: line_search_fn must be None or "
                                         "'strong_wolfe', got 'wolfe'"):
        LBFGS([x], line_search_fn="wolfe")
    optimizer.param_groups[0]["line_search_fn"] = "backtracking"
    with pytest.raises(ValueError, match="got 'backtracking'"):
        optimizer.step(lambda: (x * x).sum())
    with pytest.raises(ValueError, match="LBFGS: lr.* must be >= 0, got lr=-1"):
        LBFGS([x], lr=-1)
    with pytest.raises(ValueError, match=r"integers >= 1, got max_iter=0, history_size=0"):
        LBFGS([x], max_iter=0, max_eval=5, history_size=0)


def test_style_transfer_loop_with_a_clamping_closure():
    # PyTorch's neural-style tutorial: optimize the image itself, clamp it to [0, 1] inside
    # the closure, count the calls, loop on step(closure). The loss is a round bowl: from
    # the clamped start, two iterations reach the target (see the first test); the later
    # steps find g = 0 at their first call and return
    rng = np.random.default_rng(1)
    target = tg.tensor(rng.uniform(0.1, 0.9, size=(1, 3, 4, 4)).astype(np.float32))
    image = tg.tensor(rng.uniform(-0.5, 1.5, size=(1, 3, 4, 4)).astype(np.float32),
                      requires_grad=True)
    optimizer = LBFGS([image])
    run = [0]
    while run[0] <= 10:
        def closure():
            with tg.no_grad():
                image.clamp_(0, 1)
            optimizer.zero_grad()
            loss = ((image - target) ** 2).mean()
            loss.backward()
            run[0] += 1
            return loss
        optimizer.step(closure)
    assert run[0] == 11 == optimizer.state[image]["func_evals"]
    assert optimizer.state[image]["n_iter"] == 2 and image.dtype == np.float32
    # float32: the step stops once max|g| = max|image - target| / 24 <= tolerance_grad = 1e-7
    np.testing.assert_allclose(image.numpy(), target.numpy(), rtol=0, atol=2.4e-6)


# ------------------------------------------------------------------ ASGD
P0, A2, B2 = [1.0, -2.0], np.array([3.0, 0.5]), np.array([0.1, -0.2])  # sum(A2 p^2/2 + B2 p)


def asgd_step(p, optimizer, sign=1.0):
    optimizer.zero_grad()
    (sign * (tg.tensor(A2) * p * p / 2 + tg.tensor(B2) * p).sum()).backward()
    optimizer.step()


def asgd_run(steps, sign=1.0, **options):
    """(p, ax, eta, mu) after each of `steps` steps from P0, and the optimizer."""
    p = start(P0)
    optimizer = ASGD([p], **options)
    history = []
    for _ in range(steps):
        asgd_step(p, optimizer, sign)
        state = optimizer.state[p]
        history.append((p.numpy().copy(), state["ax"].copy(), state["eta"], state["mu"]))
    return history, optimizer


def test_asgd_first_step_by_hand():
    # g = [3.1, -1.2]; eta = lr = 0.1: p = p (1 - 0.01 * 0.1) - 0.1 g = [0.689, -1.878];
    # mu = 1 so ax = p; then eta = 0.1 / (1 + 0.01 * 0.1 * 1)^0.75, mu = 1 / max(1, 1 - 1e6)
    (p, ax, eta, mu), = asgd_run(1, lr=0.1, lambd=0.01)[0]
    np.testing.assert_allclose(p, [0.689, -1.878], rtol=1e-15)
    np.testing.assert_array_equal(ax, p)
    assert eta == 0.1 / 1.001 ** 0.75 and mu == 1


def test_asgd_rule_and_average_by_hand():
    lr, lambd, alpha, t0, wd = 0.1, 0.05, 0.6, 2, 0.2
    history, optimizer = asgd_run(8, lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=wd)
    ps, eta, mu = list(P0), lr, 1.0
    for t, (p, ax, got_eta, got_mu) in enumerate(history, start=1):
        grads = [a * x + b + wd * x for a, b, x in zip(A2, B2, ps)]
        ps = [x * (1 - lambd * eta) - eta * g for x, g in zip(ps, grads)]
        eta, mu = lr / (1 + lambd * lr * t) ** alpha, 1 / max(1, t - t0)
        np.testing.assert_allclose(p, ps, rtol=1e-14)
        assert math.isclose(got_eta, eta, rel_tol=1e-15) and got_mu == mu
    # ax = p up to step t0 + 2 = 4, then the mean of p_4 ... p_t
    iterates = np.array([p for p, *_ in history])
    for t in range(1, 9):
        np.testing.assert_allclose(history[t - 1][1], iterates[min(t, 4) - 1:t].mean(axis=0),
                                   rtol=1e-14)
    assert optimizer.state[optimizer.param_groups[0]["params"][0]]["step"] == 8


def test_asgd_state_dict_keeps_the_average(tmp_path):
    """(maximize, the round trip of the step count and the errors every optimizer shares:
    tests/test_optim_more.py, where ASGD is one of ALL)"""
    up, optimizer = asgd_run(5, sign=-1.0, maximize=True, lr=0.05, lambd=0.1, t0=1,
                             weight_decay=0.1)
    saved = optimizer.state_dict()
    assert list(saved["state"][0]) == ["step", "eta", "mu", "ax"]
    tg.save(saved, tmp_path / "asgd.npz")
    p, q = optimizer.param_groups[0]["params"][0], start(up[-1][0])
    resumed = ASGD([q])
    resumed.load_state_dict(tg.load(tmp_path / "asgd.npz"))
    for _ in range(3):
        asgd_step(p, optimizer, sign=-1.0)
        asgd_step(q, resumed, sign=-1.0)
    np.testing.assert_array_equal(q.numpy(), p.numpy())
    np.testing.assert_array_equal(resumed.state[q]["ax"], optimizer.state[p]["ax"])


# ------------------------------------------------------------------ torch
@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("loss_fn,x0,rtol", [
    # the matrix-vector products (OpenBLAS against torch's BLAS) and exp/log sum and round
    # in their own order: last-bit differences, which the strong-Wolfe cubic interpolation
    # (a quotient of differences of nearby values) amplifies to ~1e-11 of the scale on an
    # AMD EPYC with AVX2 (1e-12 held on the earlier AVX-512 machines)
    (quadratic, RNG.normal(size=N), 1e-10),
    (logistic, RNG.normal(size=N), 1e-10),
    # torch adds t d with fused multiply-adds (one rounding, numpy has two): last-bit
    # differences, which the narrow curved valley amplifies (with torch's plain kernels,
    # ATEN_CPU_CAPABILITY=default, every point agrees to the last bit)
    (rosenbrock, np.array([-1.5, 2.0]), 1e-8),
], ids=["quadratic", "logistic", "rosenbrock"])
def test_lbfgs_matches_torch(loss_fn, x0, rtol, line_search_fn):
    torch = pytest.importorskip("torch")
    runs = {}
    for lib in (tg, torch):
        x = lib.tensor(x0.copy(), requires_grad=True)
        cls = LBFGS if lib is tg else torch.optim.LBFGS
        optimizer = cls([x], lr=1 if line_search_fn else 0.5, max_iter=6, history_size=3,
                        line_search_fn=line_search_fn)
        closure, points = recorder(optimizer, [x], loss_fn, lib=lib)
        after_steps = []
        for _ in range(4):
            loss = float(optimizer.step(closure).detach())
            state = optimizer.state[x]
            after_steps.append(dict(
                n_iter=state["n_iter"], func_evals=state["func_evals"],
                losses=[loss, float(state["prev_loss"])], H_diag=float(state["H_diag"]),
                t=float(state["t"]), move=float(state["t"]) * np.array(state["d"].tolist())))
        runs[lib] = np.array(points), after_steps
    (ours, mine), (theirs, reference) = runs[tg], runs[torch]
    scale = np.abs(theirs).max()
    assert ours.shape == theirs.shape and mine[-1]["n_iter"] > 3   # more iterations than pairs
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=rtol * scale)
    for a, b in zip(mine, reference):
        assert (a["n_iter"], a["func_evals"]) == (b["n_iter"], b["func_evals"])
        np.testing.assert_allclose(a["losses"], b["losses"], rtol=rtol)
        np.testing.assert_allclose(a["move"], b["move"], rtol=0, atol=rtol * scale)
    # H_diag = y.s / y.y and t compared where they are well conditioned, after the first
    # step (near the minimum, y and s are differences of nearly equal vectors)
    for key in ("H_diag", "t"):
        assert math.isclose(mine[0][key], reference[0][key], rel_tol=1e-12)
