"""Printing as torch prints: the expected strings are torch 2.13's output for the same
tensors (copied from it), so these tests need no torch; the last one compares with torch
itself on random tensors when it is installed."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import printing


@pytest.fixture(autouse=True)
def default_options():
    tg.set_printoptions(profile="default")
    yield
    tg.set_printoptions(profile="default")


def test_rows_fill_the_line_width_and_wrap_as_torch():
    assert repr(tg.arange(30.0) / 7) == (
        "tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n"
        "        1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n"
        "        2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143,\n"
        "        3.8571, 4.0000, 4.1429])")
    tg.set_printoptions(linewidth=40)
    assert repr(tg.arange(10.0) / 7) == (
        "tensor([0.0000, 0.1429, 0.2857, 0.4286,\n"
        "        0.5714, 0.7143, 0.8571, 1.0000,\n"
        "        1.1429, 1.2857])")


def test_summary_shows_edge_items_of_every_long_axis():
    assert repr(tg.arange(2000)) == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"
    assert repr(tg.arange(3000).reshape(10, 30, 10)) == "\n".join([
        "tensor([[[   0,    1,    2,  ...,    7,    8,    9],",
        "         [  10,   11,   12,  ...,   17,   18,   19],",
        "         [  20,   21,   22,  ...,   27,   28,   29],",
        "         ...,",
        "         [ 270,  271,  272,  ...,  277,  278,  279],",
        "         [ 280,  281,  282,  ...,  287,  288,  289],",
        "         [ 290,  291,  292,  ...,  297,  298,  299]],",
        "",
        "        [[ 300,  301,  302,  ...,  307,  308,  309],",
        "         [ 310,  311,  312,  ...,  317,  318,  319],",
        "         [ 320,  321,  322,  ...,  327,  328,  329],",
        "         ...,",
        "         [ 570,  571,  572,  ...,  577,  578,  579],",
        "         [ 580,  581,  582,  ...,  587,  588,  589],",
        "         [ 590,  591,  592,  ...,  597,  598,  599]],",
        "",
        "        [[ 600,  601,  602,  ...,  607,  608,  609],",
        "         [ 610,  611,  612,  ...,  617,  618,  619],",
        "         [ 620,  621,  622,  ...,  627,  628,  629],",
        "         ...,",
        "         [ 870,  871,  872,  ...,  877,  878,  879],",
        "         [ 880,  881,  882,  ...,  887,  888,  889],",
        "         [ 890,  891,  892,  ...,  897,  898,  899]],",
        "",
        "        ...,",
        "",
        "        [[2100, 2101, 2102,  ..., 2107, 2108, 2109],",
        "         [2110, 2111, 2112,  ..., 2117, 2118, 2119],",
        "         [2120, 2121, 2122,  ..., 2127, 2128, 2129],",
        "         ...,",
        "         [2370, 2371, 2372,  ..., 2377, 2378, 2379],",
        "         [2380, 2381, 2382,  ..., 2387, 2388, 2389],",
        "         [2390, 2391, 2392,  ..., 2397, 2398, 2399]],",
        "",
        "        [[2400, 2401, 2402,  ..., 2407, 2408, 2409],",
        "         [2410, 2411, 2412,  ..., 2417, 2418, 2419],",
        "         [2420, 2421, 2422,  ..., 2427, 2428, 2429],",
        "         ...,",
        "         [2670, 2671, 2672,  ..., 2677, 2678, 2679],",
        "         [2680, 2681, 2682,  ..., 2687, 2688, 2689],",
        "         [2690, 2691, 2692,  ..., 2697, 2698, 2699]],",
        "",
        "        [[2700, 2701, 2702,  ..., 2707, 2708, 2709],",
        "         [2710, 2711, 2712,  ..., 2717, 2718, 2719],",
        "         [2720, 2721, 2722,  ..., 2727, 2728, 2729],",
        "         ...,",
        "         [2970, 2971, 2972,  ..., 2977, 2978, 2979],",
        "         [2980, 2981, 2982,  ..., 2987, 2988, 2989],",
        "         [2990, 2991, 2992,  ..., 2997, 2998, 2999]]])"])


def test_number_formats_and_padding():
    assert repr(tg.tensor([1.5, float("nan"), -float("inf")])) == \
        "tensor([1.5000,    nan,   -inf])"
    assert repr(tg.tensor([0.0, float("nan"), float("inf")])) == "tensor([0., nan, inf])"
    assert repr(tg.tensor([1e-5, 1.0])) == "tensor([1.0000e-05, 1.0000e+00])"
    assert repr(tg.tensor([1e300, 1e-300], dtype=tg.float64)) == \
        "tensor([1.0000e+300, 1.0000e-300], dtype=float64)"
    assert repr(tg.tensor(-0.0)) == "tensor(-0.)"
    assert repr(tg.tensor([[-112.0, 4.0]])) == "tensor([[-112.,    4.]])"


def test_set_printoptions_as_torch_docstring():
    tg.set_printoptions(precision=2)
    assert repr(tg.tensor([1.12345])) == "tensor([1.12])"
    tg.set_printoptions(threshold=5)
    assert repr(tg.arange(10)) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    tg.set_printoptions(profile="default")
    assert repr(tg.tensor([1.12345])) == "tensor([1.1235])"
    assert repr(tg.arange(10)) == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"


def test_scientific_notation_switches_on_the_ratio_as_torch():
    # 3100.27.../3.10027... is 1000 plus one ulp, where 1000 * 3.10027... rounds to above it
    ratio_edge = tg.tensor([3.1002716426910872, 3100.2716426910874], dtype=tg.float64)
    assert repr(ratio_edge) == "tensor([3.1003e+00, 3.1003e+03], dtype=torch.float64)" \
        .replace("torch.", "")


def test_sci_mode_is_forced_until_the_next_call_without_it():
    tg.set_printoptions(sci_mode=True)
    assert repr(tg.tensor([0.5, 1.0])) == "tensor([5.0000e-01, 1.0000e+00])"
    assert repr(tg.tensor([1.0, 2.0])) == "tensor([1.0000e+00, 2.0000e+00])"
    tg.set_printoptions(precision=2)                 # torch: sci_mode back to automatic
    assert repr(tg.tensor([0.5, 1.0])) == "tensor([0.50, 1.00])"
    tg.set_printoptions(sci_mode=False)
    assert repr(tg.tensor([1e-5, 1.0])) == "tensor([0.00, 1.00])"        # precision stays
    assert repr(tg.tensor([1e10, 1.0])) == "tensor([10000000000.,           1.])"


def test_profiles_and_edgeitems_zero():
    tg.set_printoptions(profile="short")
    assert printing.current_options().precision == 2
    assert repr(tg.arange(12.0).reshape(3, 4) / 3) == (
        "tensor([[0.00, 0.33, 0.67, 1.00],\n"
        "        [1.33, 1.67, 2.00, 2.33],\n"
        "        [2.67, 3.00, 3.33, 3.67]])")
    tg.set_printoptions(profile="full")
    assert "..." not in repr(tg.arange(5000))
    tg.set_printoptions(profile="default", edgeitems=0, threshold=10)
    assert repr(tg.arange(20.0).reshape(4, 5)) == "tensor([...], size=(4, 5))"
    assert repr(tg.tensor([1.5])) == "tensor([1.5000], size=(1,))"   # torch adds the size
    assert repr(tg.tensor([])) == "tensor([])"


def test_extras_wrap_at_the_line_width():
    tg.set_printoptions(linewidth=30)
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.],\n       requires_grad=True)"
    tg.set_printoptions(profile="default")                       # torch: each extra by itself
    assert repr(tg.arange(9, dtype=tg.float64).add(0.5).requires_grad_()) == (
        "tensor([0.5000, 1.5000, 2.5000, 3.5000, 4.5000, 5.5000, 6.5000, 7.5000, 8.5000],\n"
        "       dtype=float64, requires_grad=True)")


@pytest.mark.parametrize("options", [
    {"precision": -1}, {"linewidth": 0}, {"edgeitems": "3"}, {"threshold": True},
    {"profile": "long"}])
def test_bad_options_are_refused_naming_the_option(options):
    name = next(iter(options))
    with pytest.raises(ValueError, match=f"set_printoptions: {name}"):
        tg.set_printoptions(**options)
    with pytest.raises(TypeError, match="set_printoptions: sci_mode must be True, False"):
        tg.set_printoptions(sci_mode=1)


def test_matches_torch_on_random_tensors_and_options():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    settings = [{"profile": "default"}, {"precision": 2}, {"sci_mode": True},
                {"sci_mode": False}, {"threshold": 5}, {"profile": "short"},
                {"profile": "default", "linewidth": 40},
                {"profile": "default", "edgeitems": 1, "threshold": 10, "linewidth": 20}]
    try:
        for options in settings:
            torch.set_printoptions(**options)
            tg.set_printoptions(**options)
            for _ in range(60):
                shape = tuple(int(n) for n in rng.integers(0, 9, rng.integers(0, 4)))
                values = rng.standard_normal(shape) * 10.0 ** rng.integers(-8, 12)
                kind = rng.integers(0, 4)
                if kind == 1:
                    values = np.round(values)
                elif kind == 2:
                    values = rng.integers(-1000, 1000, shape)
                elif kind == 3 and values.size:
                    values.flat[rng.integers(values.size)] = rng.choice([np.nan, np.inf, 0.0])
                values = np.asarray(values)
                if values.dtype == np.float64:
                    values = values.astype(np.float32)
                ours, theirs = repr(tg.tensor(values)), repr(torch.tensor(values))
                if "dtype=" in theirs:          # "torch.int64" is longer: wraps differently
                    ours, theirs = (text.replace("torch.", "").replace(",\n       dtype", ", dtype")
                                    for text in (ours, theirs))
                assert ours == theirs, (options, values)
    finally:
        torch.set_printoptions(profile="default")
