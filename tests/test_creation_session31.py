"""Session 31 fixes to tensor creation and save/load, against torch 2.13's behaviour
(torch's results written out as literals; the optional check compares with torch itself)."""
import io

import numpy as np
import pytest

import tinygrad_edu as tg

FILLS = [  # (fill value, the dtype torch.full gives it)
    (True, np.bool_), (2, np.int64), (0.5, np.float32), (np.float64(0.5), np.float32),
    (np.float32(0.5), np.float32), (np.float16(1.5), np.float32), (np.int32(2), np.int64),
    (np.uint8(3), np.int64), (tg.tensor(0.5, dtype=tg.float64), np.float32),
    (tg.tensor(2, dtype=tg.int32), np.int64), (tg.tensor(True), np.bool_),
]


@pytest.mark.parametrize("fill, dtype", FILLS)
def test_full_dtype_follows_the_kind_of_the_fill_value(fill, dtype):
    x = tg.full((2,), fill)
    assert x.dtype == dtype and x.tolist() == [fill.item() if hasattr(fill, "item") else fill] * 2


def test_full_of_a_numpy_float_works_with_float32_weights():
    assert (tg.full((2, 3), np.log(2.0)) @ tg.randn(3, 2)).dtype == np.float32


def test_full_float_fill_follows_the_default_dtype():
    tg.set_default_dtype(tg.float64)
    try:
        assert tg.full((2,), np.float32(0.5)).dtype == np.float64
    finally:
        tg.set_default_dtype(tg.float32)


@pytest.mark.parametrize("make", [tg.FloatTensor, tg.LongTensor, tg.DoubleTensor])
def test_legacy_constructor_reads_a_size_as_a_shape(make):
    x = make(tg.zeros(2, 3).size())
    assert x.shape == (2, 3) and x.dtype == make.legacy_dtype
    assert make(tg.Size([])).shape == ()
    assert make((2, 3)).tolist() == [2, 3]          # a plain tuple is data, as in torch
    assert tg.zeros(1).new(tg.Size([2, 3])).shape == (2, 3)


@pytest.mark.parametrize("draw, op", [
    (lambda: tg.rand(2, dtype=tg.int64), "rand"), (lambda: tg.randn(2, dtype=tg.int32), "randn"),
    (lambda: tg.rand(2, dtype=tg.bool), "rand"),
    (lambda: tg.rand_like(tg.ones(2, dtype=tg.int64)), "rand"),
    (lambda: tg.randn_like(tg.ones(2, dtype=tg.bool)), "randn")])
def test_random_floats_refuse_an_integer_dtype(draw, op):
    with pytest.raises(TypeError, match=f"{op}: dtype must be a floating point dtype"):
        draw()


@pytest.mark.parametrize("call, message", [
    (lambda: tg.arange("3"), "arange: end must be a real number"),
    (lambda: tg.arange(0, None), "arange: end must be a real number"),
    (lambda: tg.arange(0, 3, None), "arange: step must be a real number"),
    (lambda: tg.arange(tg.tensor([3])), "arange: end must be a real number or a 0-d tensor"),
    (lambda: tg.linspace(0, 1, 2.0), "linspace: steps must be an int"),
    (lambda: tg.linspace(0, 1, None), "linspace: steps must be an int"),
    (lambda: tg.linspace(0, 1, True), "linspace: steps must be an int"),
    (lambda: tg.linspace("a", 1, 3), "linspace: start must be a real number"),
    (lambda: tg.linspace(tg.tensor([0.]), 1, 3), "linspace: start must be a real number"),
    (lambda: tg.logspace(0, 1, 2.5), "logspace: steps must be an int"),
    (lambda: tg.logspace(0, None, 3), "logspace: end must be a real number"),
    (lambda: tg.logspace(0, 1, 3, base="a"), "logspace: base must be a real number")])
def test_range_factories_check_their_argument_types(call, message):
    with pytest.raises(TypeError, match=message):
        call()


def test_range_factories_still_take_numpy_scalars_and_0d_tensors():
    assert tg.arange(tg.tensor(3)).tolist() == [0, 1, 2]
    assert tg.arange(True).tolist() == [0]                   # torch: tensor([0])
    assert tg.linspace(tg.tensor(0.), np.float64(1), tg.tensor(3)).tolist() == [0, 0.5, 1]
    assert tg.logspace(0, 2, np.int64(3), base=tg.tensor(10.)).tolist() == [1, 10, 100]
    with pytest.raises(ValueError, match="linspace: steps must be non-negative"):
        tg.linspace(0, 1, -1)


def test_a_tensor_of_sizes_is_refused_by_the_factory():
    with pytest.raises(TypeError, match=r"ones: a size must be a sequence of ints.*tolist"):
        tg.ones(tg.tensor([2, 3]))
    assert tg.ones((tg.tensor(2), 3)).shape == (2, 3)        # 0-d int tensors are sizes
    assert tg.ones(tg.tensor(2)).shape == (2,)


@pytest.mark.parametrize("call, op", [
    (lambda: tg.zeros(True), "zeros"), (lambda: tg.zeros(False), "zeros"),
    (lambda: tg.ones((2, True)), "ones"), (lambda: tg.rand(True), "rand"),
    (lambda: tg.full(True, 1.0), "full"), (lambda: tg.eye(True), "eye")])
def test_a_bool_size_is_refused(call, op):
    with pytest.raises(TypeError, match=f"{op}: a size must be a sequence of ints"):
        call()


def test_randint_size_must_be_a_tuple():
    with pytest.raises(TypeError, match="randint: size is required, as a tuple of ints"):
        tg.randint(5, size=3)
    assert tg.randint(5, size=[3]).shape == (3,)


def test_load_reads_the_first_of_two_saves_then_the_second():
    buffer = io.BytesIO()
    tg.save(tg.zeros(2), buffer)
    tg.save({"w": tg.ones(2)}, buffer)
    buffer.seek(0)
    assert tg.load(buffer).tolist() == [0, 0]                 # torch: tensor([0., 0.])
    assert tg.load(buffer)["w"].tolist() == [1, 1]


def test_load_skips_end_record_bytes_inside_the_array_data():
    data = np.frombuffer(b"PK\x05\x06" + bytes(40), dtype=np.uint8)
    buffer = io.BytesIO()
    tg.save(tg.tensor(data), buffer)
    tg.save(tg.ones(1), buffer)
    buffer.seek(0)
    assert tg.load(buffer).tolist() == data.tolist()


def test_matches_torch():
    torch = pytest.importorskip("torch")
    for fill, dtype in FILLS:
        value = torch.tensor(fill.item()).to(getattr(torch, str(fill.dtype))) if isinstance(
            fill, tg.Tensor) else fill
        assert str(torch.full((2,), value).dtype) == f"torch.{np.dtype(dtype).name}"
    assert torch.FloatTensor(torch.Size([2, 3])).shape == (2, 3)
    assert torch.FloatTensor((2, 3)).tolist() == [2, 3]
    assert torch.ones((torch.tensor(2), 3)).shape == (2, 3)
    for call in (lambda: torch.zeros(True), lambda: torch.randint(5, size=3),
                 lambda: torch.ones(torch.tensor([2, 3])), lambda: torch.linspace(0, 1, 2.0)):
        with pytest.raises(TypeError):
            call()
    buffer = io.BytesIO()
    torch.save(torch.zeros(2), buffer)
    torch.save(torch.ones(2), buffer)
    buffer.seek(0)
    assert torch.load(buffer).tolist() == [0, 0]
