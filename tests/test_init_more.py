"""nn.init beyond the basics: trunc_normal_, orthogonal_, eye_, dirac_, sparse_, the `generator=`
keyword and the refusal of integer tensors. The core tests check exact properties with numpy
alone (formulas of the truncated normal, Q^T Q = I, values written from the definitions); the
optional ones, when torch is importable, compare with torch.nn.init."""
from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from nn import init
from tinygrad_edu.random import generator as shared_generator

# every init that draws random numbers, with the arguments it needs besides the tensor
RANDOM = {"uniform_": (), "normal_": (), "trunc_normal_": (), "xavier_uniform_": (),
          "xavier_normal_": (), "kaiming_uniform_": (), "kaiming_normal_": (),
          "orthogonal_": (), "sparse_": (0.5,)}
DETERMINISTIC = {"zeros_": (), "ones_": (), "constant_": (3,), "eye_": ()}


def fill(name: str, tensor: tg.Tensor, **kwargs) -> np.ndarray:
    return getattr(init, name)(tensor, *RANDOM.get(name, DETERMINISTIC.get(name, ())),
                               **kwargs).numpy()


# ---------------------------------------------------------------- trunc_normal_

def phi(x: float) -> float:
    return 0.0 if math.isinf(x) else math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def truncated_cdf(x: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """The CDF of N(0, 1) conditioned on [alpha, beta], from the tail the interval lies in so
    that far tails keep their digits."""
    erfc = np.vectorize(math.erfc)
    if alpha + beta > 0:                  # right: through the survival function erfc(x/√2)/2
        s = lambda t: erfc(np.asarray(t) / math.sqrt(2)) / 2  # noqa: E731
        return (s(alpha) - s(x)) / (s(alpha) - s(beta))
    cdf = lambda t: erfc(-np.asarray(t) / math.sqrt(2)) / 2  # noqa: E731
    return (cdf(x) - cdf(alpha)) / (cdf(beta) - cdf(alpha))


def truncated_moments(mean: float, std: float, a: float, b: float) -> tuple[float, float]:
    """Mean and std of N(mean, std**2) conditioned on [a, b] (the textbook formulas)."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    if alpha + beta > 0:
        mass = (math.erfc(alpha / math.sqrt(2)) - math.erfc(beta / math.sqrt(2))) / 2
    else:
        mass = (math.erfc(-beta / math.sqrt(2)) - math.erfc(-alpha / math.sqrt(2))) / 2
    x_phi = lambda x: 0.0 if math.isinf(x) else x * phi(x)  # noqa: E731
    d = (phi(alpha) - phi(beta)) / mass
    var = 1 + (x_phi(alpha) - x_phi(beta)) / mass - d * d
    return mean + std * d, std * math.sqrt(var)


TRUNC_CASES = [(0.0, 1.0, -2.0, 2.0),           # torch's defaults
               (0.5, 2.0, -1.0, 3.0),           # asymmetric
               (0.0, 1.0, 0.0, math.inf),       # half-normal
               (0.0, 1.0, -math.inf, math.inf),  # no truncation at all
               (10.0, 1.0, -2.0, 2.0),          # mean 8 std to the right of [a, b]
               (0.0, 1.0, 8.0, 9.0),            # far in the right tail
               (0.0, 1.0, 0.3, 0.31),           # narrow
               (0.0, 100.0, -0.1, 0.1)]         # nearly uniform


@pytest.mark.parametrize("mean, std, a, b", TRUNC_CASES)
def test_trunc_normal_has_the_truncated_normals_mean_std_and_cdf(mean, std, a, b):
    tg.manual_seed(0)
    w = init.trunc_normal_(tg.zeros(200_000, dtype="float64"), mean, std, a, b).numpy()
    assert w.min() >= a and w.max() <= b
    expected_mean, expected_std = truncated_moments(mean, std, a, b)
    n = w.size
    assert abs(w.mean() - expected_mean) < 5 * expected_std / math.sqrt(n)
    assert w.std() == pytest.approx(expected_std, rel=5 / math.sqrt(n))
    # Kolmogorov-Smirnov against the exact CDF on a subsample (0.001 level: 1.95 / sqrt(m))
    sample = np.sort(w[:20_000])
    m = sample.size
    cdf = truncated_cdf((sample - mean) / std, (a - mean) / std, (b - mean) / std)
    ks = max((np.arange(1, m + 1) / m - cdf).max(), (cdf - np.arange(m) / m).max())
    assert ks < 1.95 / math.sqrt(m)


def test_trunc_normal_stays_inside_its_bounds_in_float32():
    tg.manual_seed(1)
    for a, b in ((-2.0, 2.0), (0.1, 0.3), (-1e-3, 1e-3)):
        w = init.trunc_normal_(tg.zeros(300, 300), mean=0.05, std=1.0, a=a, b=b).numpy()
        assert w.dtype == np.float32
        assert w.min() >= np.float32(a) and w.max() <= np.float32(b)
    assert init.trunc_normal_(tg.zeros(4), a=1.5, b=1.5).tolist() == [1.5] * 4


@pytest.mark.parametrize("kwargs", [dict(a=2.0, b=-2.0), dict(std=0.0), dict(std=-1.0),
                                    dict(mean=math.nan), dict(a=math.nan), dict(std=math.inf)])
def test_trunc_normal_refuses_bad_arguments(kwargs):
    with pytest.raises(ValueError, match=r"^trunc_normal_: expects a finite mean, 0 < std"):
        init.trunc_normal_(tg.zeros(3), **kwargs)


# ---------------------------------------------------------------- orthogonal_

@pytest.mark.parametrize("shape", [(20, 7), (7, 20), (6, 6), (8, 3, 3, 3), (64, 3, 2, 2), (9, 1)])
@pytest.mark.parametrize("dtype, tol", [("float32", 1e-6), ("float64", 1e-12)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape, dtype, tol):
    tg.manual_seed(0)
    for gain in (1.0, 3.0):
        w = init.orthogonal_(tg.zeros(*shape, dtype=dtype), gain=gain).numpy()
        assert w.dtype == dtype and w.shape == shape
        m = w.reshape(shape[0], -1).astype(np.float64) / gain     # (rows, numel // rows)
        gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m   # the shorter side
        assert np.abs(gram - np.eye(len(gram))).max() < tol


def test_orthogonal_is_haar_distributed():
    """Uniform on O(3): every entry has mean 0 and variance 1/3, and det = +-1 equally often.
    Without the sign correction numpy's QR gives Q[0, 0] < 0 every time."""
    rng = np.random.default_rng(0)
    qs = np.stack([init.orthogonal_(tg.zeros(3, 3, dtype="float64"), generator=rng).numpy()
                   for _ in range(3000)])
    se = math.sqrt(1 / 3 / len(qs))
    assert np.abs(qs.mean(0)).max() < 4.5 * se
    assert np.abs((qs ** 2).mean(0) - 1 / 3).max() < 0.03
    assert abs(np.linalg.det(qs).mean()) < 4.5 / math.sqrt(len(qs))


def test_orthogonal_needs_two_dimensions_and_leaves_empty_tensors_alone():
    for shape in ((), (5,)):
        with pytest.raises(ValueError, match=r"^orthogonal_: only tensors with 2 or more "
                                             r"dimensions are supported"):
            init.orthogonal_(tg.zeros(*shape))
    assert init.orthogonal_(tg.zeros(0, 3)).shape == (0, 3)


# ---------------------------------------------------------------- eye_ and dirac_

@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (0, 2)])
@pytest.mark.parametrize("dtype", ["float32", "float64", np.int64])
def test_eye_is_the_identity(shape, dtype):
    w = tg.full(shape, 7.0).to(dtype)
    assert init.eye_(w) is w
    assert w.dtype == dtype and np.array_equal(w.numpy(), np.eye(*shape))


def test_eye_is_2d_only():
    for shape in ((3,), (2, 2, 2)):
        with pytest.raises(ValueError, match=r"^eye_: only tensors with 2 dimensions"):
            init.eye_(tg.zeros(*shape))


def dirac_by_the_definition(shape: tuple, groups: int) -> np.ndarray:
    expected = np.zeros(shape)
    per_group = shape[0] // groups
    for g in range(groups if expected.size else 0):     # (torch: IndexError on (2, 2, 0, 3))
        for d in range(min(per_group, shape[1])):
            expected[(g * per_group + d, d) + tuple(k // 2 for k in shape[2:])] = 1
    return expected


DIRAC_CASES = [((4, 4, 3), 1), ((6, 4, 3, 3), 1), ((4, 6, 3, 3), 1), ((2, 2, 4, 4), 1),
               ((8, 2, 3, 5), 2), ((6, 1, 3, 3), 3), ((4, 3, 3, 2, 5), 1), ((6, 2, 3, 3, 3), 3),
               ((0, 2, 3), 1), ((2, 0, 3, 3), 1), ((2, 2, 0, 3), 1)]


@pytest.mark.parametrize("shape, groups", DIRAC_CASES)
def test_dirac_values(shape, groups):
    w = tg.full(shape, 5.0)
    assert init.dirac_(w, groups) is w
    assert np.array_equal(w.numpy(), dirac_by_the_definition(shape, groups))


def test_dirac_convolution_passes_its_input_through():
    x = tg.Tensor(np.random.default_rng(0).normal(size=(2, 4, 5, 6)))
    same = init.dirac_(tg.zeros(4, 4, 3, 3, dtype="float64"))
    assert np.array_equal(tg.conv2d(x, same, padding=1).numpy(), x.numpy())
    wider = init.dirac_(tg.zeros(6, 4, 5, 3, dtype="float64"))    # 2 extra channels stay 0
    out = tg.conv2d(x, wider, padding=(2, 1)).numpy()
    assert np.array_equal(out[:, :4], x.numpy()) and not out[:, 4:].any()
    grouped = init.dirac_(tg.zeros(4, 2, 3, 3, dtype="float64"), groups=2)
    assert np.array_equal(tg.conv2d(x, grouped, padding=1, groups=2).numpy(), x.numpy())


def test_dirac_errors():
    for shape in ((3, 3), (1, 1, 1, 1, 1, 1)):
        with pytest.raises(ValueError, match=r"^dirac_: only tensors with 3, 4 or 5 dimensions"):
            init.dirac_(tg.zeros(*shape))
    for groups in (2, 0, -1):
        with pytest.raises(ValueError, match=r"^dirac_: dim 0 \(3\) must be divisible by groups"):
            init.dirac_(tg.zeros(3, 2, 3), groups=groups)


# ---------------------------------------------------------------- sparse_

@pytest.mark.parametrize("rows, sparsity, zeros", [(10, 0.25, 3), (10, 0.21, 3), (10, 0.3, 3),
                                                    (7, 0.0, 0), (7, 1.0, 7), (1, 0.5, 1)])
def test_sparse_zeroes_ceil_of_sparsity_rows_in_every_column(rows, sparsity, zeros):
    tg.manual_seed(0)
    w = init.sparse_(tg.zeros(rows, 50, dtype="float64"), sparsity).numpy()
    assert ((w == 0).sum(0) == zeros).all()


def test_sparse_values_and_positions():
    tg.manual_seed(0)
    w = init.sparse_(tg.zeros(10, 20_000, dtype="float64"), 0.3, std=0.02).numpy()
    assert w[w != 0].std() == pytest.approx(0.02, rel=0.01)
    per_row = (w == 0).sum(1)                          # each row is zeroed with probability 0.3
    assert np.abs(per_row - 6000).max() < 5 * math.sqrt(20_000 * 0.3 * 0.7)
    assert init.sparse_(tg.zeros(0, 3), 0.5).shape == (0, 3)


def test_sparse_errors():
    for shape in ((4,), (2, 2, 2)):
        with pytest.raises(ValueError, match=r"^sparse_: only tensors with 2 dimensions"):
            init.sparse_(tg.zeros(*shape), 0.5)
    for kwargs in (dict(sparsity=-0.1), dict(sparsity=1.5), dict(sparsity=0.5, std=-1.0)):
        with pytest.raises(ValueError, match=r"^sparse_: expects 0 <= sparsity <= 1 and std"):
            init.sparse_(tg.zeros(3, 3), **kwargs)


# ---------------------------------------------------------------- all of them

@pytest.mark.parametrize("name", RANDOM)
def test_random_inits_are_reproducible_with_manual_seed_or_a_generator(name):
    draws = []
    for seed in (7, 7, 8):
        tg.manual_seed(seed)
        draws.append(fill(name, tg.zeros(6, 4)))
    assert np.array_equal(draws[0], draws[1]) and not np.array_equal(draws[0], draws[2])
    state = shared_generator().bit_generator.state
    own = [fill(name, tg.zeros(6, 4), generator=np.random.default_rng(s)) for s in (5, 5, 6)]
    assert shared_generator().bit_generator.state == state     # the shared one is untouched
    assert np.array_equal(own[0], own[1]) and not np.array_equal(own[0], own[2])
    with pytest.raises(TypeError, match=rf"^{name}: generator must be a tinygrad_edu.Generator"):
        fill(name, tg.zeros(6, 4), generator=5)


@pytest.mark.parametrize("name", RANDOM)
def test_random_inits_refuse_integer_and_bool_tensors(name):
    for dtype in (np.int64, np.int32, np.bool_):
        w = tg.Tensor(np.zeros((6, 4), dtype))
        with pytest.raises(TypeError, match=rf"^{name}: expected a floating point tensor, "
                                            rf"got dtype {np.dtype(dtype)}"):
            fill(name, w)
        assert not w.numpy().any()
    assert fill(name, tg.Tensor(np.zeros((0, 4), np.int64))).shape == (0, 4)   # nothing to fill
    if name not in ("uniform_", "normal_", "trunc_normal_"):    # the shape is checked first
        with pytest.raises(ValueError, match="dimensions"):
            fill(name, tg.Tensor(np.zeros(4, np.int64)))


@pytest.mark.parametrize("name", list(DETERMINISTIC) + ["dirac_"])
def test_deterministic_inits_fill_integer_tensors(name):
    shape = (4, 4, 3) if name == "dirac_" else (3, 4)
    w = tg.Tensor(np.full(shape, 9, np.int64))
    assert getattr(init, name)(w, *DETERMINISTIC.get(name, ())) is w and w.dtype == np.int64
    assert 9 not in w.numpy()


def test_uniform_and_normal_argument_errors():
    with pytest.raises(ValueError, match=r"^uniform_: expects a <= b, got a=2.0, b=1.0"):
        init.uniform_(tg.zeros(3), 2.0, 1.0)
    with pytest.raises(ValueError, match=r"^normal_: expects std >= 0, got -1.0"):
        init.normal_(tg.zeros(3), 0.0, -1.0)


@pytest.mark.parametrize("name", ["trunc_normal_", "orthogonal_", "sparse_", "eye_"])
def test_fills_a_parameter_in_place_without_recording(name):
    p = nn.Parameter(tg.zeros(5, 3))
    data = p.data
    assert getattr(init, name)(p, *RANDOM.get(name, ())) is p
    assert p.data is data and p.requires_grad and p.grad_fn is None and p.numpy().any()


# ---------------------------------------------------------------- against torch (optional)

ALL = list(RANDOM) + list(DETERMINISTIC) + ["dirac_"]


@pytest.mark.parametrize("name", ALL)
def test_signature_and_integer_refusal_match_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = (inspect.signature(getattr(m, name)).parameters
                    for m in (init, torch.nn.init))
    assert [(p.name, p.default) for p in ours.values()] == \
        [(p.name, p.default) for p in theirs.values()]
    shape = (4, 4, 3) if name == "dirac_" else (6, 4)
    args = RANDOM.get(name, DETERMINISTIC.get(name, ()))
    for dtype in (np.int64, np.bool_):
        try:
            getattr(torch.nn.init, name)(torch.from_numpy(np.zeros(shape, dtype)), *args)
            torch_raises = False
        except (RuntimeError, NotImplementedError):
            torch_raises = True
        try:
            getattr(init, name)(tg.Tensor(np.zeros(shape, dtype)), *args)
            we_raise = False
        except TypeError:
            we_raise = True
        assert we_raise == torch_raises


@pytest.mark.parametrize("shape, groups", [(s, g) for s, g in DIRAC_CASES if 0 not in s[2:]])
def test_eye_and_dirac_equal_torchs(shape, groups):
    torch = pytest.importorskip("torch")
    assert np.array_equal(init.dirac_(tg.zeros(*shape), groups).numpy(),
                          torch.nn.init.dirac_(torch.empty(shape), groups).numpy())
    assert np.array_equal(init.eye_(tg.zeros(*shape[:2])).numpy(),
                          torch.nn.init.eye_(torch.empty(shape[:2])).numpy())


def two_sample_ks(x: np.ndarray, y: np.ndarray) -> float:
    grid = np.sort(np.concatenate([x, y]))
    return np.abs(np.searchsorted(np.sort(x), grid, "right") / x.size
                  - np.searchsorted(np.sort(y), grid, "right") / y.size).max()


@pytest.mark.parametrize("mean, std, a, b", [(0.0, 1.0, -2.0, 2.0), (0.5, 2.0, -1.0, 3.0),
                                             (0.0, 1.0, 0.0, math.inf), (1.0, 0.5, 0.9, 1.2)])
def test_trunc_normal_samples_like_torchs(mean, std, a, b):
    """Where torch's inverse-CDF draws are accurate (mean near [a, b]), the two samples pass a
    two-sample Kolmogorov-Smirnov test at the 0.001 level."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tg.manual_seed(0)
    n = 20_000
    theirs = torch.nn.init.trunc_normal_(torch.empty(n, dtype=torch.float64), mean, std, a, b)
    ours = init.trunc_normal_(tg.zeros(n, dtype="float64"), mean, std, a, b).numpy()
    assert two_sample_ks(ours, theirs.numpy()) < 1.95 * math.sqrt(2 / n)


def test_orthogonal_and_sparse_sample_like_torchs():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    n = 800
    for shape in ((3, 3), (4, 2, 1, 1)):
        theirs = np.stack([torch.nn.init.orthogonal_(torch.empty(shape, dtype=torch.float64))
                           .numpy() for _ in range(n)]).reshape(n, -1)
        ours = np.stack([init.orthogonal_(tg.zeros(*shape, dtype="float64"), generator=rng)
                         .numpy() for _ in range(n)]).reshape(n, -1)
        for entry in range(ours.shape[1]):               # each entry has torch's distribution
            assert two_sample_ks(ours[:, entry], theirs[:, entry]) < 1.95 * math.sqrt(2 / n)
    for rows, sparsity in ((10, 0.25), (10, 0.21), (7, 1.0), (5, 0.0), (100, 0.333)):
        theirs = torch.nn.init.sparse_(torch.empty(rows, 30, dtype=torch.float64), sparsity)
        ours = init.sparse_(tg.zeros(rows, 30, dtype="float64"), sparsity, generator=rng)
        assert np.array_equal((ours.numpy() == 0).sum(0), (theirs.numpy() == 0).sum(0))
