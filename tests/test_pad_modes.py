"""pad's modes (constant, reflect, replicate, circular) and Conv2d's padding_mode.

Expected values are written by hand; gradients are checked against finite differences
and by hand; torch, when importable, is one more reference (optional)."""
from __future__ import annotations

import re

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from nn import functional as F
from tinygrad_edu import Tensor, gradcheck, gradgradcheck

MODES = ["constant", "reflect", "replicate", "circular"]


def arange(*shape: int) -> Tensor:
    return Tensor(np.arange(np.prod(shape), dtype=np.float64).reshape(shape))


def padded(shape: tuple, amounts: tuple, mode: str, **kwargs) -> np.ndarray:
    return tg.pad(arange(*shape), amounts, mode=mode, **kwargs).numpy()


# ---------------------------------------------------------------- values, by hand
def test_one_axis_each_mode():
    # rows [0 1 2 3] and [4 5 6 7], 2 before and 1 after
    expected = {
        "constant": [[-1, -1, 0, 1, 2, 3, -1], [-1, -1, 4, 5, 6, 7, -1]],
        "reflect": [[2, 1, 0, 1, 2, 3, 2], [6, 5, 4, 5, 6, 7, 6]],
        "replicate": [[0, 0, 0, 1, 2, 3, 3], [4, 4, 4, 5, 6, 7, 7]],
        "circular": [[2, 3, 0, 1, 2, 3, 0], [6, 7, 4, 5, 6, 7, 4]],
    }
    for mode, rows in expected.items():
        value = -1 if mode == "constant" else 0
        np.testing.assert_array_equal(padded((2, 4), (2, 1), mode, value=value), rows)


def test_two_axes_on_a_1x1x3x4_arange():
    # x[r, c] = 4r + c of shape (3, 4); columns padded (1 before, 2 after), rows (2, 1).
    # Output [i, j] is x[rows[i], cols[j]], with these source indices written by hand:
    sources = {
        "reflect": ([2, 1, 0, 1, 2, 1], [1, 0, 1, 2, 3, 2, 1]),
        "replicate": ([0, 0, 0, 1, 2, 2], [0, 0, 1, 2, 3, 3, 3]),
        "circular": ([1, 2, 0, 1, 2, 0], [3, 0, 1, 2, 3, 0, 1]),
    }
    for mode, (rows, cols) in sources.items():
        expected = 4 * np.array(rows)[:, None] + np.array(cols)
        np.testing.assert_array_equal(padded((1, 1, 3, 4), (1, 2, 2, 1), mode), [[expected]])
    assert padded((1, 1, 3, 4), (1, 2, 2, 1), "reflect")[0, 0, 0].tolist() == [
        9, 8, 9, 10, 11, 10, 9]                      # x[2, 1], x[2, 0], x[2, 1], ...


def test_two_axes_with_negative_amounts():
    # columns (1, -1), rows (-1, 2): circular crops first and wraps the cropped rows 1..2
    # and columns 0..2; reflect mirrors about the original edges, then crops (as torch)
    expected = {
        "constant": [[0, 4, 5, 6], [0, 8, 9, 10], [0, 0, 0, 0], [0, 0, 0, 0]],
        "reflect": [[5, 4, 5, 6], [9, 8, 9, 10], [5, 4, 5, 6], [1, 0, 1, 2]],
        "replicate": [[4, 4, 5, 6], [8, 8, 9, 10], [8, 8, 9, 10], [8, 8, 9, 10]],
        "circular": [[6, 4, 5, 6], [10, 8, 9, 10], [6, 4, 5, 6], [10, 8, 9, 10]],
    }
    for mode, rows in expected.items():
        np.testing.assert_array_equal(padded((1, 1, 3, 4), (1, -1, -1, 2), mode), [[rows]])


@pytest.mark.parametrize("mode, amounts, expected", [
    ("circular", (-1, 2), [1, 2, 3, 1, 2]),         # torch: crop to [1 2 3], then wrap it
    ("circular", (2, -1), [1, 2, 0, 1, 2]),
    ("circular", (-2, -2), []),
    ("reflect", (-1, 2), [1, 2, 3, 2, 1]),
    ("reflect", (-1, 3), [1, 2, 3, 2, 1, 0]),       # mirrors about the uncropped edge
    ("reflect", (2, -2), [2, 1, 0, 1]),
    ("reflect", (-3, 0), [3]),
    ("replicate", (-1, 2), [1, 2, 3, 3, 3]),
    ("replicate", (2, -3), [0, 0, 0]),
    ("replicate", (-4, 1), [3]),                    # repeats the uncropped last element
    ("constant", (-1, 2), [1, 2, 3, 9, 9]),
    ("constant", (-2, -2), []),
])
def test_one_axis_negative_amounts(mode, amounts, expected):
    kwargs = {"value": 9} if mode == "constant" else {}
    out = padded((1, 1, 4), amounts, mode, **kwargs)
    assert out.shape == (1, 1, len(expected))
    np.testing.assert_array_equal(out[0, 0], expected)


def test_three_axes():
    # x[d, h, w] = 6d + 3h + w of shape (2, 2, 3); columns (1, 1), rows (1, 0), depth (0, 1)
    expected = {
        "reflect": [[[4, 3, 4, 5, 4], [1, 0, 1, 2, 1], [4, 3, 4, 5, 4]],
                    [[10, 9, 10, 11, 10], [7, 6, 7, 8, 7], [10, 9, 10, 11, 10]],
                    [[4, 3, 4, 5, 4], [1, 0, 1, 2, 1], [4, 3, 4, 5, 4]]],
        "replicate": [[[0, 0, 1, 2, 2], [0, 0, 1, 2, 2], [3, 3, 4, 5, 5]],
                      [[6, 6, 7, 8, 8], [6, 6, 7, 8, 8], [9, 9, 10, 11, 11]],
                      [[6, 6, 7, 8, 8], [6, 6, 7, 8, 8], [9, 9, 10, 11, 11]]],
        "circular": [[[5, 3, 4, 5, 3], [2, 0, 1, 2, 0], [5, 3, 4, 5, 3]],
                     [[11, 9, 10, 11, 9], [8, 6, 7, 8, 6], [11, 9, 10, 11, 9]],
                     [[5, 3, 4, 5, 3], [2, 0, 1, 2, 0], [5, 3, 4, 5, 3]]],
    }
    for mode, volume in expected.items():
        np.testing.assert_array_equal(padded((1, 1, 2, 2, 3), (1, 1, 1, 0, 0, 1), mode),
                                      [[volume]])
        np.testing.assert_array_equal(padded((1, 2, 2, 3), (1, 1, 1, 0, 0, 1), mode), [volume])


def test_zero_amounts_and_value_zero_leave_the_input():
    x = arange(2, 3, 4)
    for mode in MODES:
        np.testing.assert_array_equal(tg.pad(x, (0, 0, 0, 0), mode=mode, value=0).numpy(),
                                      x.numpy())


def test_dtype_is_kept():
    x = Tensor(np.arange(6, dtype=np.float32).reshape(1, 2, 3))
    for mode in MODES:
        assert tg.pad(x, (1, 2), mode=mode).dtype == np.float32


# ---------------------------------------------------------------- gradients
@pytest.mark.parametrize("mode, amounts, expected", [
    # out = g-weighted copies of x = [a b c d] padded (2, 1); g = [1 2 4 8 16 32 64]
    ("constant", (2, 1), [4, 8, 16, 32]),           # out = 0 0 a b c d 0
    ("reflect", (2, 1), [4, 2 + 8, 1 + 16 + 64, 32]),   # out = c b a b c d c
    ("replicate", (2, 1), [1 + 2 + 4, 8, 16, 32 + 64]),  # out = a a a b c d d
    ("circular", (2, 1), [4 + 64, 8, 1 + 16, 2 + 32]),   # out = c d a b c d a
])
def test_each_output_sends_its_gradient_to_the_element_it_copies(mode, amounts, expected):
    x = Tensor(np.zeros((1, 1, 4)), requires_grad=True)
    out = tg.pad(x, amounts, mode=mode)
    out.backward(Tensor(2.0 ** np.arange(7).reshape(1, 1, 7)))
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], expected)


GRAD_CASES = {        # (shape, pad) per mode: amounts 0, 1, the largest allowed, negative
    "constant": [((3, 4), (0, 3)), ((2, 3, 5), (-2, 1)), ((2, 4, 3), (-1, 2, 2, -1))],
    "reflect": [((3, 4), (0, 3)), ((2, 3, 5), (4, -2)), ((1, 2, 3, 4), (1, 3, 2, 0)),
                ((2, 4, 3), (-1, 2, 2, -1)), ((1, 1, 2, 3, 3), (2, 1, 0, 1, 1, -1)),
                ((2, 3, 3, 3), (1, 1, -1, 1, 2, 0))],
    "replicate": [((3, 4), (0, 5)), ((2, 3, 5), (4, -2)), ((1, 2, 3, 4), (1, 2, 2, 0)),
                  ((2, 4, 3), (-3, 2, 2, -1)), ((1, 1, 2, 3, 3), (2, 1, 0, 1, 1, -1)),
                  ((2, 3, 3, 3), (1, 1, -1, 1, 2, 0))],
    "circular": [((3, 4), (0, 4)), ((2, 3, 5), (-2, 3)), ((1, 2, 3, 4), (4, 1, 3, 0)),
                 ((2, 4, 3), (-1, 2, 2, -1)), ((1, 1, 2, 3, 3), (3, 0, 1, 1, -1, 1)),
                 ((2, 3, 3, 3), (1, 1, -1, 1, 2, 0))],
}
GRAD_PARAMS = [pytest.param(mode, shape, amounts, id=f"{mode}-{shape}-{amounts}")
               for mode, cases in GRAD_CASES.items() for shape, amounts in cases]


@pytest.mark.parametrize("mode, shape, amounts", GRAD_PARAMS)
def test_gradcheck(mode, shape, amounts):
    x = Tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda x: tg.pad(x, amounts, mode=mode), [x])


@pytest.mark.parametrize("mode, shape, amounts", GRAD_PARAMS)
def test_gradgradcheck(mode, shape, amounts):
    x = Tensor(np.random.default_rng(1).standard_normal(shape), requires_grad=True)
    assert gradgradcheck(lambda x: tg.pad(x, amounts, mode=mode) ** 2, [x])


# ---------------------------------------------------------------- errors
def suffix(mode: str, amounts: tuple, shape: tuple) -> str:
    """The end of every pad error: mode, pad tuple and input shape."""
    return re.escape(f"(mode {mode!r}, pad {amounts}, input shape {shape})")


@pytest.mark.parametrize("mode, amounts, shape, kwargs, text", [
    ("wrap", (1, 1), (1, 1, 4), {},
     "unknown mode 'wrap'; expected one of 'constant', 'reflect', 'replicate', 'circular'"),
    ("constant", (1,), (3, 4), {}, r"the pad tuple needs an even length of at most 2 \* 2"),
    ("constant", (1,) * 6, (3, 4), {}, r"the pad tuple needs an even length"),
    ("reflect", (1, 1), (1, 1, 4), {"value": 1.5},
     "padding mode 'reflect' doesn't take in value argument, got value=1.5"),
    ("circular", (1, 1), (1, 1, 4), {"value": -1}, "doesn't take in value argument"),
    ("reflect", (1, 1), (4,), {}, "mode 'reflect' pads the last 1, 2 or 3 dimensions of a "
     "tensor with 1 or 2 more dimensions; 2 amounts do not fit 1 dimensions"),
    ("replicate", (1, 1), (1, 1, 1, 4), {}, "2 amounts do not fit 4 dimensions"),
    ("circular", (1, 1, 1, 1), (2, 1, 1, 3, 4), {}, "4 amounts do not fit 5 dimensions"),
    ("reflect", (1,) * 8, (1,) * 5, {}, "8 amounts do not fit 5 dimensions"),
    ("replicate", (), (2, 3), {}, "0 amounts do not fit 2 dimensions"),
    ("reflect", (4, 0), (1, 1, 4), {},
     "reflect needs each amount smaller than the size 4 of dimension 2"),
    ("reflect", (1, 3, 0, 5), (1, 2, 6), {}, "smaller than the size 2 of dimension 1"),
    ("reflect", (0, 0), (1, 2, 0), {}, "smaller than the size 0 of dimension 2"),
    ("circular", (5, 0), (1, 1, 4), {}, "circular wraps around at most once: each amount "
     r"must be at most the size 4 of dimension 2 \(after cropping\)"),
    ("circular", (-1, 4), (1, 1, 4), {}, "at most the size 3 of dimension 2"),
    ("replicate", (1, 1), (1, 1, 0), {}, "replicate needs a non-empty dimension 2"),
    ("replicate", (0, 0, 1, 0), (1, 0, 3), {}, "replicate needs a non-empty dimension 1"),
    ("constant", (-3, -2), (1, 1, 4), {},
     "the negative amounts crop dimension 2 of size 4 below 0"),
    ("constant", (-4, 5), (1, 1, 3), {}, "crop dimension 2 of size 3 below 0"),
    ("circular", (-3, -2), (1, 1, 4), {}, "crop dimension 2 of size 4 below 0"),
    ("reflect", (-5, 0), (1, 1, 4), {}, "crop dimension 2 of size 4 below 0"),
    ("replicate", (0, 0, -2, -3), (1, 4, 2), {}, "crop dimension 1 of size 4 below 0"),
    ("replicate", (-4, 0), (1, 1, 4), {}, "leave every padded dimension empty"),   # as torch
    ("reflect", (-1, -1, -1, -1), (1, 2, 2), {}, "leave every padded dimension empty"),
])
def test_errors(mode, amounts, shape, kwargs, text):
    with pytest.raises(ValueError, match=f"^pad: .*{text}.*{suffix(mode, amounts, shape)}$"):
        tg.pad(Tensor(np.ones(shape)), amounts, mode=mode, **kwargs)


def test_largest_allowed_amounts_and_empty_results_are_not_errors():
    x = Tensor(np.ones((1, 1, 4)))
    assert tg.pad(x, (3, 3), mode="reflect").shape == (1, 1, 10)
    assert tg.pad(x, (4, 4), mode="circular").shape == (1, 1, 12)
    assert tg.pad(x, (-1, 3), mode="circular").shape == (1, 1, 6)
    for mode in ("constant", "circular"):       # a crop to size 0 is allowed, as torch
        assert tg.pad(x, (-4, 0), mode=mode).shape == (1, 1, 0)
    for mode in ("reflect", "replicate"):       # while another padded dimension is kept
        assert tg.pad(Tensor(np.ones((1, 4, 4))), (-4, 0, 0, 0), mode=mode).shape == (1, 4, 0)
    assert tg.pad(x, (0, 0), mode="circular").shape == (1, 1, 4)
    assert tg.pad(Tensor(np.ones((1, 1, 0))), (0, 0), mode="circular").shape == (1, 1, 0)


# ---------------------------------------------------------------- nn.Conv2d(padding_mode=...)
def identity_conv(padding_mode: str, padding=1) -> nn.Conv2d:
    """A 1x1 convolution with weight 1 and no bias: its output is the padded input."""
    conv = nn.Conv2d(1, 1, 1, padding=padding, bias=False, padding_mode=padding_mode).double()
    conv.weight.data[...] = 1.0
    return conv


def test_conv2d_padding_mode_pads_the_input_by_hand():
    x = arange(1, 1, 2, 3)                           # [[0 1 2], [3 4 5]]
    expected = {
        "zeros": [[0, 0, 0, 0, 0], [0, 0, 1, 2, 0], [0, 3, 4, 5, 0], [0, 0, 0, 0, 0]],
        "reflect": [[4, 3, 4, 5, 4], [1, 0, 1, 2, 1], [4, 3, 4, 5, 4], [1, 0, 1, 2, 1]],
        "replicate": [[0, 0, 1, 2, 2], [0, 0, 1, 2, 2], [3, 3, 4, 5, 5], [3, 3, 4, 5, 5]],
        "circular": [[5, 3, 4, 5, 3], [2, 0, 1, 2, 0], [5, 3, 4, 5, 3], [2, 0, 1, 2, 0]],
    }
    for mode, rows in expected.items():
        np.testing.assert_array_equal(identity_conv(mode)(x).numpy(), [[rows]])
    # padding (rows 0, columns 2): pad (left, right, top, bottom) = (2, 2, 0, 0)
    np.testing.assert_array_equal(identity_conv("circular", (0, 2))(x).numpy(),
                                  [[[[1, 2, 0, 1, 2, 0, 1], [4, 5, 3, 4, 5, 3, 4]]]])


@pytest.mark.parametrize("padding_mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("options, amounts", [
    (dict(kernel_size=3, padding=1), (1, 1, 1, 1)),
    (dict(kernel_size=(3, 2), padding=(2, 1), stride=(2, 1), groups=2), (1, 1, 2, 2)),
    # 'same': total d*(k-1) per axis, the smaller half first: rows 1 -> (0, 1),
    # columns 2*(4-1) = 6 -> (3, 3)
    (dict(kernel_size=(2, 4), padding="same", dilation=(1, 2)), (3, 3, 0, 1)),
    (dict(kernel_size=(3, 4), padding="same"), (1, 2, 1, 1)),
    (dict(kernel_size=3, padding="valid"), (0, 0, 0, 0)),
])
def test_conv2d_padding_mode_is_pad_then_conv2d(padding_mode, options, amounts):
    tg.manual_seed(0)
    conv = nn.Conv2d(4, 6, padding_mode=padding_mode, **options).double()
    x = Tensor(np.random.default_rng(0).standard_normal((2, 4, 5, 7)))
    explicit = F.conv2d(F.pad(x, amounts, mode=padding_mode), conv.weight, conv.bias,
                        conv.stride, 0, conv.dilation, conv.groups)
    np.testing.assert_allclose(conv(x).numpy(), explicit.numpy(), rtol=1e-12, atol=1e-12)
    unbatched = conv(x[0])
    np.testing.assert_allclose(unbatched.numpy(), explicit.numpy()[0], rtol=1e-12, atol=1e-12)
    if amounts != (0, 0, 0, 0):                      # and the mode matters
        conv.padding_mode = "zeros"
        assert not np.allclose(conv(x).numpy(), explicit.numpy())


def test_conv2d_padding_mode_repr():
    assert repr(nn.Conv2d(1, 2, 3)) == "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))"
    assert repr(nn.Conv2d(1, 2, 3, padding=1, bias=False, padding_mode="reflect")) == (
        "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False, "
        "padding_mode=reflect)")
    assert repr(nn.Conv2d(1, 2, 3, padding="same", padding_mode="circular")).endswith(
        "padding=same, padding_mode=circular)")
    assert nn.Conv2d(1, 2, 3).padding_mode == "zeros"


def test_conv2d_padding_mode_errors():
    with pytest.raises(ValueError, match=re.escape(
            "Conv2d: padding_mode must be one of 'zeros', 'reflect', 'replicate', "
            "'circular', got 'zero'")):
        nn.Conv2d(1, 2, 3, padding_mode="zero")
    for mode in ["reflect", "replicate", "circular", "bogus"]:
        with pytest.raises(ValueError, match=re.escape(
                'Only "zeros" padding mode is supported for ConvTranspose2d, got '
                f"padding_mode={mode!r}")):
            nn.ConvTranspose2d(1, 2, 3, padding_mode=mode)
    assert nn.ConvTranspose2d(1, 2, 3, padding_mode="zeros").padding_mode == "zeros"
    too_small = nn.Conv2d(1, 1, 3, padding=2, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"^Conv2d: padding=\(2, 2\) with padding_mode='reflect' .*"
                                         r"\(pad: reflect needs each amount smaller"):
        too_small(Tensor(np.ones((1, 1, 2, 5), dtype=np.float32)))


@pytest.mark.parametrize("padding_mode", ["reflect", "replicate", "circular"])
def test_conv2d_padding_mode_gradcheck(padding_mode):
    tg.manual_seed(0)
    conv = nn.Conv2d(2, 3, (2, 3), padding="same", dilation=(2, 1),
                     padding_mode=padding_mode).double()
    x = Tensor(np.random.default_rng(0).standard_normal((2, 2, 4, 4)), requires_grad=True)
    assert gradcheck(lambda x, w, b: conv(x), [x, conv.weight, conv.bias])


# ---------------------------------------------------------------- against torch (optional)
def allowed(mode: str, shape: tuple, amounts: tuple) -> bool:
    """pad's rules on the amounts, restated (for shapes without empty axes)."""
    for i in range(len(amounts) // 2):
        n, lo, hi = shape[-1 - i], amounts[2 * i], amounts[2 * i + 1]
        cropped = n + min(lo, 0) + min(hi, 0)
        kept = n + lo + hi if mode in ("reflect", "replicate") else cropped
        if kept < 0 or (mode == "reflect" and max(lo, hi) >= n) \
                or (mode == "circular" and max(lo, hi) > cropped):
            return False
    # reflect and replicate keep something of a crop (torch refuses an empty result)
    sizes = [shape[-1 - i] + amounts[2 * i] + amounts[2 * i + 1] for i in range(len(amounts) // 2)]
    return not (mode in ("reflect", "replicate") and min(amounts) < 0 and not any(sizes))


def test_pad_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    compared = {mode: 0 for mode in MODES}
    while min(compared.values()) < 60:
        mode = MODES[rng.integers(4)]
        k = int(rng.integers(1, 4))
        shape = tuple(int(n) for n in rng.integers(1, 5, k + int(rng.integers(1, 3))))
        amounts = tuple(int(p) for p in rng.integers(-4, 5, 2 * k))
        x_np = rng.standard_normal(shape)
        x = Tensor(x_np, requires_grad=True)
        if not allowed(mode, shape, amounts):
            with pytest.raises(ValueError, match="^pad: "):
                tg.pad(x, amounts, mode=mode)
            continue
        out = tg.pad(x, amounts, mode=mode)
        x_t = torch.tensor(x_np, requires_grad=True)
        expected = torch.nn.functional.pad(x_t, amounts, mode=mode)
        np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
        g = rng.standard_normal(out.shape)
        expected.backward(torch.tensor(g))
        out.backward(Tensor(g))
        np.testing.assert_allclose(x.grad.numpy(), x_t.grad.numpy(), rtol=1e-12, atol=1e-12)
        compared[mode] += 1


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv2d_padding_mode_matches_torch(padding_mode):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((2, 4, 6, 7))
    for options in [dict(kernel_size=3, padding=1), dict(kernel_size=(2, 4), padding="same",
                                                         dilation=(2, 1)),
                    dict(kernel_size=(3, 2), padding=(2, 1), stride=2, groups=2)]:
        ours = nn.Conv2d(4, 6, padding_mode=padding_mode, **options).double()
        theirs = torch.nn.Conv2d(4, 6, padding_mode=padding_mode, **options).double()
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(ours.weight.numpy()))
            theirs.bias.copy_(torch.from_numpy(ours.bias.numpy()))
        assert repr(ours) == repr(theirs)
        np.testing.assert_allclose(ours(Tensor(x_np)).numpy(),
                                   theirs(torch.from_numpy(x_np)).detach().numpy(),
                                   rtol=1e-10, atol=1e-12)


def test_pad_amounts_must_be_ints_and_an_empty_pad_copies():
    with pytest.raises(TypeError, match=r"pad: the amounts must be ints, got \(1.5, 1\)"):
        tg.pad(arange(3), (1.5, 1))
    x = Tensor(np.array(2.0))
    y = tg.pad(x, ())
    assert y is not x and y.item() == 2.0
