"""shape_more.py, joining.py, indexed.py and discrete.py: values against numpy (or a slow
loop where numpy has no such function), first and second derivatives by finite
differences in float64 (repeated indices, size-1 and empty dims included), the errors,
and the in-place forms. Only the tests at the end use torch (skipped without it).
"""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck, gradgradcheck
from tinygrad_edu import discrete as dc
from tinygrad_edu import indexed as ix
from tinygrad_edu import joining as jn
from tinygrad_edu import shape_more as sm

RNG = np.random.default_rng(0)


def rand(*shape: int, requires_grad: bool = True) -> Tensor:
    return Tensor(RNG.standard_normal(shape), requires_grad=requires_grad)


def ints(data) -> Tensor:
    return Tensor(np.asarray(data, dtype=np.int64))


def check_grads(fn, *inputs: Tensor) -> None:
    """First and second derivatives of fn against central differences."""
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def same(result: Tensor, expected) -> None:
    expected = np.asarray(expected)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    np.testing.assert_array_equal(result.data, expected)


A = np.arange(24.0).reshape(2, 3, 4)


# ================================================================ shape_more.py
def test_narrow_values():
    x = Tensor(A)
    same(x.narrow(2, 1, 2), A[:, :, 1:3])
    same(sm.narrow(x, -1, -3, 3), A[..., 1:4])
    same(x.narrow(0, ints(1), 1), A[1:2])                 # a 0-d tensor start
    same(x.narrow(1, 3, 0), A[:, 3:3])
    assert np.shares_memory(x.narrow(1, 0, 2).data, x.data)   # a view, as torch


@pytest.mark.parametrize("args, error, message", [
    ((1, 4, 1), IndexError, r"narrow: start 4 is out of range for dimension 1 of size 3"),
    ((1, -4, 1), IndexError, r"expected -3 <= start <= 3"),
    ((1, 2, 2), ValueError, r"narrow: start \(2\) \+ length \(2\) exceeds the size 3 of "
                            r"dimension 1 \(input shape \(2, 3, 4\)\)"),
    ((1, 0, -1), ValueError, "narrow: length must be non-negative"),
    ((3, 0, 1), IndexError, "narrow: dimension 3 is out of range"),
])
def test_narrow_errors(args, error, message):
    with pytest.raises(error, match=message):
        Tensor(A).narrow(*args)
    with pytest.raises(ValueError, match="narrow: cannot be applied to a 0-d tensor"):
        Tensor(1.0).narrow(0, 0, 1)
    with pytest.raises(IndexError, match="select: cannot be applied to a 0-d tensor"):
        Tensor(1.0).select(0, 0)


@pytest.mark.parametrize("source, destination", [
    (0, 2), (-1, 0), ((0, 1), (2, 0)), ((2, 0), (0, 1)), ((), ()), ((0, 1, 2), (2, 1, 0))])
def test_movedim_and_moveaxis_as_numpy(source, destination):
    expected = np.moveaxis(A, source, destination)
    same(Tensor(A).movedim(source, destination), expected)
    same(sm.moveaxis(Tensor(A), source, destination), expected)
    same(Tensor(A).moveaxis(source, destination), expected)


def test_movedim_errors_and_0d():
    x = Tensor(A)
    with pytest.raises(ValueError, match=r"movedim: repeated dim in source \(0, 0\)"):
        x.movedim((0, 0), (1, 2))
    with pytest.raises(ValueError, match=r"movedim: repeated dim in destination \(1, 1\)"):
        x.movedim((0, 2), (1, -2))
    with pytest.raises(ValueError, match="must name as many dims"):
        x.movedim((0,), (1, 0))
    with pytest.raises(IndexError, match="movedim: dimension 3 is out of range"):
        x.movedim(3, 0)
    same(sm.movedim(Tensor(2.0), 0, -1), 2.0)


def test_swapdims_and_swapaxes():
    same(Tensor(A).swapdims(0, 2), np.swapaxes(A, 0, 2))
    same(sm.swapdims(Tensor(A), -1, 1), np.swapaxes(A, -1, 1))
    same(sm.swapaxes(Tensor(A), 0, 1), np.swapaxes(A, 0, 1))
    with pytest.raises(IndexError, match="swapaxes: dimension 3 is out of range"):
        sm.swapaxes(Tensor(A), 0, 3)
    with pytest.raises(IndexError, match="swapdims: dimension -4 is out of range"):
        Tensor(A).swapdims(-4, 0)


@pytest.mark.parametrize("dims", [(2,), (2, 1), (1, 2, 1), (2, 1, 1, 3), (0, 2), ()])
def test_tile_as_numpy(dims):
    x = Tensor(A[0])
    same(x.tile(dims), np.tile(A[0], dims))
    same(sm.tile(x, dims), np.tile(A[0], dims))
    if dims:
        same(x.tile(*dims), np.tile(A[0], dims))


def test_tile_copies_and_refuses_negative_sizes():
    x = Tensor(A[0])
    assert not np.shares_memory(x.tile(()).data, x.data)
    same(Tensor(3.0).tile(()), 3.0)
    with pytest.raises(ValueError, match=r"tile: dims must be non-negative, got \(-1,\)"):
        x.tile(-1)


@pytest.mark.parametrize("repeats, dim", [
    (2, None), (2, 1), (0, 0), ([1, 0, 3], 1), ([2], 2), ([3, 1], 0), (np.int32(2), -1)])
def test_repeat_interleave_as_numpy(repeats, dim):
    r = repeats if isinstance(repeats, (int, np.integer)) else ints(repeats)
    expected = np.repeat(A, repeats, axis=dim)
    same(Tensor(A).repeat_interleave(r, dim), expected)
    same(sm.repeat_interleave(Tensor(A), r, dim=dim, output_size=expected.shape[dim or 0]),
         expected)


def test_repeat_interleave_of_repeats_alone_and_0d():
    same(sm.repeat_interleave(ints([1, 0, 3])), [0, 2, 2, 2])
    same(Tensor(3.0).repeat_interleave(2), [3.0, 3.0])


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.repeat_interleave(-1), ValueError, "repeat_interleave: repeats must be non-neg"),
    (lambda x: x.repeat_interleave(ints([1, 2]), 1), ValueError,
     "repeat_interleave: 2 repeats for a dimension of size 3"),
    (lambda x: x.repeat_interleave(ints([[1]]), 1), ValueError,
     r"repeats must be 0-d or 1-D, got shape \(1, 1\)"),
    (lambda x: x.repeat_interleave(Tensor([1.0]), 1), TypeError,
     "repeats must be an int or an integer tensor, got dtype float32"),
    (lambda x: x.repeat_interleave(2, 0, output_size=5), ValueError,
     "output_size=5 but the repeats add up to 4"),
    (lambda x: x.repeat_interleave(2, 3), IndexError, "repeat_interleave: dimension 3"),
    (lambda x: Tensor(1.0).repeat_interleave(2, 0), IndexError,
     "repeat_interleave: a 0-d tensor has no dimension"),
])
def test_repeat_interleave_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(A))


def test_reshape_as_and_unflatten():
    same(Tensor(A).reshape_as(Tensor(np.zeros((4, 6)))), A.reshape(4, 6))
    same(Tensor(A).unflatten(2, (2, 2)), A.reshape(2, 3, 2, 2))
    same(sm.unflatten(Tensor(A), -1, [-1, 1]), A.reshape(2, 3, 4, 1))
    same(Tensor(A).unflatten(0, (2,)), A)
    with pytest.raises(ValueError, match=r"unflatten: sizes \(3, 2\) do not multiply up to the "
                                         r"size 4 of dimension 2 \(input shape \(2, 3, 4\)\)"):
        Tensor(A).unflatten(2, (3, 2))
    with pytest.raises(ValueError, match="unflatten: sizes must be non-empty"):
        Tensor(A).unflatten(1, ())
    with pytest.raises(ValueError, match=r"unflatten: sizes \(-1, -1\)"):
        Tensor(A).unflatten(2, (-1, -1))
    with pytest.raises(ValueError, match="unflatten: a 0-d tensor"):
        Tensor(1.0).unflatten(0, (1,))


@pytest.mark.parametrize("name", ["flipud", "fliplr"])
def test_flipud_fliplr(name):
    same(getattr(Tensor(A), name)(), getattr(np, name)(A))
    assert not np.shares_memory(getattr(sm, name)(Tensor(A)).data, A)
    with pytest.raises(ValueError, match=rf"{name}: input must be at least"):
        getattr(Tensor(1.0) if name == "flipud" else Tensor([1.0]), name)()


@pytest.mark.parametrize("k, dims", [(1, (0, 1)), (-1, (0, 1)), (2, (1, 0)), (3, (2, 0)),
                                     (4, (0, 2)), (5, (-1, -2)), (0, (0, 1))])
def test_rot90_as_numpy(k, dims):
    same(Tensor(A).rot90(k, dims), np.rot90(A, k, dims))
    same(sm.rot90(Tensor(A), k=k, dims=list(dims)), np.rot90(A, k, dims))


@pytest.mark.parametrize("x, dims, message", [
    (A, (0,), r"rot90: expected 2 rotation dims, got dims=\(0,\)"),
    (A[0, 0], (0, 1), r"rot90: expected at least 2 dimensions, got shape \(4,\)"),
    (A, (0, -3), r"rot90: the rotation dims must differ, got dims=\(0, -3\)"),
])
def test_rot90_errors(x, dims, message):
    with pytest.raises(ValueError, match=message):
        Tensor(x).rot90(1, dims)
    with pytest.raises(IndexError, match="rot90: dimension 3 is out of range"):
        Tensor(A).rot90(1, (0, 3))


@pytest.mark.parametrize("array", [
    A, A.transpose(2, 0, 1), A[:, ::2], np.broadcast_to(A[0, 0], (3, 4)), np.array(2.0),
    np.zeros((0, 3)), A.astype(np.int32), np.ones(3, bool)])
def test_layout_questions_as_numpy(array):
    x = Tensor._from_node(array, None)
    assert x.stride() == tuple(s // array.itemsize for s in array.strides)
    assert all(x.stride(d) == x.stride()[d] for d in range(-x.ndim, x.ndim))
    assert x.is_contiguous() == array.flags.c_contiguous
    assert x.element_size() == array.itemsize and x.nelement() == array.size
    assert x.is_floating_point() == sm.is_floating_point(x) == (array.dtype.kind == "f")


def test_layout_answers_by_hand():
    x = Tensor(np.zeros((2, 3), np.float32))
    assert x.stride() == (3, 1) and x.T.stride() == (1, 3) and x.expand(4, 2, 3).stride() == (
        0, 3, 1)
    assert x.is_contiguous() and not x.T.is_contiguous() and x.T.contiguous().is_contiguous()
    assert x.element_size() == 4 and x.double().element_size() == 8
    with pytest.raises(IndexError, match="stride: a 0-d tensor has no dimension 0"):
        Tensor(1.0).stride(0)
    with pytest.raises(IndexError, match="stride: dimension 2 is out of range"):
        x.stride(2)


# ================================================================ joining.py
V, M, C = np.array([1.0, 2.0]), np.arange(4.0).reshape(2, 2), np.arange(8.0).reshape(2, 2, 2)


@pytest.mark.parametrize("name, arrays", [
    ("hstack", [V, V[:1], np.array(3.0)]), ("hstack", [M, M[:, :1]]), ("hstack", [C, C]),
    ("vstack", [V, M, np.array([5.0, 6.0])]), ("vstack", [np.array(1.0), np.array(2.0)]),
    ("row_stack", [V, V]), ("dstack", [V, V]), ("dstack", [M, C]),
    ("dstack", [np.array(1.0)]), ("column_stack", [V, M, np.array([7.0, 8.0])]),
    ("column_stack", [np.array(1.0), np.array(2.0)]), ("column_stack", [M, M]),
])
def test_stacks_as_numpy(name, arrays):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)       # numpy's row_stack
        expected = getattr(np, name)(arrays)
    same(getattr(jn, name)([Tensor(a) for a in arrays]), expected)
    same(getattr(jn, name)(tuple(Tensor(a) for a in arrays)), expected)


def test_concat_concatenate_and_atleast():
    same(jn.concat([Tensor(M), Tensor(M)], dim=1), np.concatenate([M, M], 1))
    same(jn.concatenate([Tensor(M), Tensor(M)], axis=-2), np.concatenate([M, M], 0))
    same(jn.concat([Tensor(V), Tensor(np.array([1, 2]))]), [1.0, 2.0, 1.0, 2.0])  # promoted
    for n in (1, 2, 3):
        atleast = getattr(jn, f"atleast_{n}d")
        for array in (np.array(1.0), V, M, C):
            same(atleast(Tensor(array)), getattr(np, f"atleast_{n}d")(array))
        pair = atleast(Tensor(V), Tensor(M))
        assert isinstance(pair, tuple) and [p.shape for p in pair] == [
            getattr(np, f"atleast_{n}d")(a).shape for a in (V, M)]
        assert isinstance(atleast([Tensor(V)]), tuple)


@pytest.mark.parametrize("call, error, message", [
    (lambda: jn.hstack([Tensor(V), Tensor(M)]), ValueError,
     r"hstack: cat: shapes \(2,\) and \(2, 2\) differ"),
    (lambda: jn.vstack([Tensor(V), Tensor(np.ones(3))]), ValueError, "vstack: cat: shapes"),
    (lambda: jn.hstack([]), ValueError, "hstack: expected a non-empty list of tensors"),
    (lambda: jn.dstack(Tensor(M)), TypeError,
     "dstack: expected a list or tuple of tensors, got Tensor"),
    (lambda: jn.column_stack([Tensor(C), Tensor(V)]), ValueError, "column_stack: cat"),
    (lambda: tg.cat(None), TypeError, "cat: expected a list or tuple of tensors, got NoneType"),
    (lambda: tg.cat(Tensor(M)), TypeError, "cat: expected a list or tuple of tensors, got "
     "Tensor"),                                    # (was an IndexError from its rows)
    (lambda: tg.stack(Tensor(V)), TypeError, "stack: expected a list or tuple of tensors, "
     "got Tensor"),                                # (was the tensor again, from its rows)
    (lambda: tg.stack(()), ValueError, "stack: expected a non-empty list of tensors"),
    (lambda: jn.concat([Tensor(V)], dim=1), IndexError,
     "concat: cat: dimension 1 is out of range"),
    (lambda: jn.concatenate([Tensor(V), Tensor(M)]), ValueError, "concatenate: cat"),
])
def test_joining_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("spec, dim", [
    (3, 0), (1, 1), (5, 1), (4, 2), ([1, 3], 2), ([3, 1], 2), ([-2, 9], 2), ([-9], 2),
    ([], 0), ([0, 0, 4], -1)])
def test_tensor_split_as_numpy_array_split(spec, dim):
    expected = np.array_split(A, spec, axis=dim)
    for parts in (Tensor(A).tensor_split(spec, dim), jn.tensor_split(Tensor(A), spec, dim=dim),
                  Tensor(A).tensor_split(ints(spec), dim)):
        assert len(parts) == len(expected)
        for part, array in zip(parts, expected):
            same(part, array)


def test_tensor_split_errors():
    with pytest.raises(ValueError, match="tensor_split: the number of sections must be positive"):
        Tensor(A).tensor_split(0)
    with pytest.raises(ValueError, match="tensor_split: expected at least a 1-dimensional"):
        Tensor(1.0).tensor_split(1)
    with pytest.raises(TypeError, match=r"must be a 0-d or 1-D integer tensor, got float32 of "
                                        r"shape \(1,\)"):
        Tensor(A).tensor_split(Tensor([1.0]))
    with pytest.raises(TypeError, match=r"must be a 0-d or 1-D integer tensor, got int64"):
        Tensor(A).tensor_split(ints([[1]]))
    with pytest.raises(TypeError):
        Tensor(A).tensor_split([1.5])


@pytest.mark.parametrize("shapes", [
    ((2, 1), (3,)), ((5, 1, 4), (3, 1), ()), ((0,), (1,)), ((2, 3),), ()])
def test_broadcast_shapes_and_tensors_as_numpy(shapes):
    expected = np.broadcast_shapes(*shapes)
    result = jn.broadcast_shapes(*shapes)
    assert result == expected and isinstance(result, tg.Size)
    arrays = [RNG.standard_normal(s) for s in shapes]
    outs = jn.broadcast_tensors(*[Tensor(a) for a in arrays])
    assert len(outs) == len(arrays)
    for out, array in zip(outs, np.broadcast_arrays(*arrays)):
        same(out, array)


def test_broadcast_errors():
    assert jn.broadcast_shapes(2, (3, 1)) == (3, 2)
    with pytest.raises(ValueError, match=r"broadcast_shapes: shapes \[\(2,\), \(3,\)\] do not "
                                         "broadcast"):
        jn.broadcast_shapes((2,), (3,))
    with pytest.raises(ValueError, match="broadcast_shapes: sizes must be non-negative"):
        jn.broadcast_shapes((-1,), (3,))
    with pytest.raises(ValueError, match=r"broadcast_tensors: shapes \[\(2,\), \(3,\)\]"):
        jn.broadcast_tensors(Tensor(V), Tensor(np.ones(3)))
    with pytest.raises(TypeError, match=r"broadcast_tensors: expected Tensors .*\['list'\]"):
        jn.broadcast_tensors([Tensor(V)])


@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("arrays", [
    [V, np.arange(3.0)], [V, np.arange(3.0), np.arange(4.0)], [V], [np.array(5.0), V],
    [V, np.zeros(0)]])
def test_meshgrid_as_numpy(indexing, arrays):
    expected = np.meshgrid(*arrays, indexing=indexing)
    result = jn.meshgrid(*[Tensor(a) for a in arrays], indexing=indexing)
    assert len(result) == len(expected)
    for out, array in zip(result, expected):
        same(out, array)
    for out, array in zip(jn.meshgrid([Tensor(a) for a in arrays], indexing=indexing), expected):
        same(out, array)


def test_meshgrid_default_is_ij_with_torchs_warning():
    with pytest.warns(UserWarning, match="meshgrid: in an upcoming release, it will be "
                                         "required to pass the indexing argument"):
        grid = jn.meshgrid(Tensor(V), Tensor(np.arange(3.0)))
    assert [g.shape for g in grid] == [(2, 3), (2, 3)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jn.meshgrid(Tensor(V), indexing="ij")


@pytest.mark.parametrize("tensors, indexing, message", [
    ([Tensor(V), Tensor([1, 2])], "ij", "meshgrid: expects 0-d or 1-D tensors of one dtype"),
    ([Tensor(M)], "ij", "meshgrid: expects 0-d or 1-D tensors"),
    ([], "ij", "meshgrid: expected a non-empty list"),
    ([Tensor(V)], "yx", "meshgrid: indexing must be 'ij' or 'xy', got 'yx'"),
])
def test_meshgrid_errors(tensors, indexing, message):
    with pytest.raises(ValueError, match=message):
        jn.meshgrid(*tensors, indexing=indexing)


# ================================================================ indexed.py: values
def scatter_reference(x, dim, index, src, how="replace"):
    """The loop of torch's documentation: out[index[i][j][k]][j][k] = src[i][j][k] (dim 0),
    visiting index in row-major order, so the last write to a position stays."""
    out = np.array(x, copy=True)
    for pos in np.ndindex(index.shape):
        target = list(pos)
        target[dim] = index[pos]
        value = src[pos] if isinstance(src, np.ndarray) else src
        if how == "replace":
            out[tuple(target)] = value
        elif how == "add":
            out[tuple(target)] += value
        else:
            out[tuple(target)] *= value
    return out


def random_index(shape, size, seed):
    """Random positions in [0, size): with more entries than positions, some repeat."""
    return np.random.default_rng(seed).integers(0, size, shape)


@pytest.mark.parametrize("x_shape, dim, index_shape, src_shape", [
    ((3, 4), 0, (5, 4), (5, 4)),              # more entries than rows: repeats
    ((3, 4), 1, (2, 3), (3, 5)),              # index smaller than input and than src
    ((2, 3, 4), -1, (2, 3, 6), (2, 3, 6)),
    ((2, 3, 4), 1, (1, 1, 1), (2, 2, 2)),
    ((4,), 0, (9,), (9,)),
])
@pytest.mark.parametrize("how", ["replace", "add"])
def test_scatter_and_scatter_add_against_the_loop(x_shape, dim, index_shape, src_shape, how):
    x, src = RNG.standard_normal(x_shape), RNG.standard_normal(src_shape)
    index = random_index(index_shape, x_shape[dim], seed=len(index_shape))
    expected = scatter_reference(x, dim % len(x_shape), index, src, how)
    if how == "replace":
        results = [Tensor(x).scatter(dim, ints(index), Tensor(src)),
                   ix.scatter(Tensor(x), dim, index, src=Tensor(src))]
    else:
        results = [Tensor(x).scatter_add(dim, ints(index), Tensor(src)),
                   ix.scatter_add(Tensor(x), dim, ints(index), Tensor(src)),
                   Tensor(x).scatter(dim, ints(index), Tensor(src), reduce="add")]
    for result in results:
        np.testing.assert_allclose(result.data, expected, rtol=1e-15)


def test_scatter_value_and_reduce_against_the_loop():
    x, index = RNG.standard_normal((3, 4)), random_index((4, 4), 3, seed=5)
    for how, reduce in (("replace", None), ("add", "add"), ("multiply", "multiply")):
        expected = scatter_reference(x, 0, index, 1.5, how)
        np.testing.assert_allclose(Tensor(x).scatter(0, ints(index), 1.5, reduce=reduce).data,
                                   expected, rtol=1e-15)
        np.testing.assert_allclose(ix.scatter(Tensor(x), 0, ints(index), value=1.5,
                                              reduce=reduce).data, expected, rtol=1e-15)
    src = RNG.standard_normal((4, 4))
    np.testing.assert_allclose(Tensor(x).scatter(0, ints(index), Tensor(src),
                                                 reduce="multiply").data,
                               scatter_reference(x, 0, index, src, "multiply"), rtol=1e-15)


def test_scatter_by_hand_repeats_keep_the_last_and_dtypes():
    x = Tensor(np.zeros((2, 3)))
    src = Tensor(np.array([[1.0, 2, 3], [4, 5, 6]]))
    same(x.scatter(0, ints([[1, 1, 1], [1, 0, 1]]), src), [[0, 5, 0], [4, 2, 6]])
    same(x.scatter_add(0, ints([[1, 1, 1], [1, 0, 1]]), src), [[0, 5, 0], [5, 2, 9]])
    same(Tensor([[1, 2], [3, 4]]).scatter(1, ints([[0], [0]]), 7.9), [[7, 2], [7, 4]])  # int
    same(Tensor(3.0).scatter(0, ints(0), Tensor(5.0)), 5.0)                    # 0-d as 1-D
    same(Tensor([3.0, 4.0]).scatter(0, ints(1), Tensor(5.0)), [3.0, 5.0])
    same(x.scatter(0, Tensor(np.array([[1]], np.int32)), 1.0), [[0, 0, 0], [1, 0, 0]])
    empty = x.scatter(0, ints(np.zeros((0,), int)), 9.0)            # nothing to write
    same(empty, np.zeros((2, 3)))
    assert not np.shares_memory(empty.data, x.data)


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.scatter(0, ints([[2, 0, 0]]), 1.0), IndexError,
     r"scatter: index 2 is out of bounds for dimension 0 with size 2 \(input shape \(2, 3\)\)"),
    (lambda x: x.scatter(0, ints([[-1, 0, 0]]), 1.0), IndexError, "scatter: index -1 is out"),
    (lambda x: x.scatter_add(0, ints([[0, 1, 1, 0]]), Tensor(np.ones((2, 4)))), ValueError,
     r"scatter_add: index shape \(1, 4\) must be no larger than input shape \(2, 3\) apart "
     r"from dimension 0, and no larger than src shape \(2, 4\)"),
    (lambda x: x.scatter(1, ints([[0, 1]]), Tensor(np.ones((1, 1)))), ValueError,
     r"no larger than src shape \(1, 1\)"),
    (lambda x: x.scatter(0, ints([0]), 1.0), ValueError,
     r"scatter: index, input must have as many dims, got index \(1,\), input \(2, 3\)"),
    (lambda x: x.scatter(0, ints([[0]]), Tensor(np.ones(1))), ValueError,
     r"scatter: index, input and src must have as many dims"),
    (lambda x: x.scatter(0, ints([[0]]), Tensor([[1.0]])), TypeError,
     "scatter: src must have input's dtype float64, got float32"),
    (lambda x: x.scatter(0, Tensor([[0.0]]), 1.0), TypeError,
     "scatter: index must be an integer tensor, got dtype float32"),
    (lambda x: x.scatter(0, ints([[0]])), TypeError, "scatter: give exactly one of src"),
    (lambda x: x.scatter(0, ints([[0]]), 1.0, reduce="mean"), ValueError,
     "scatter: reduce must be 'add' or 'multiply', got 'mean'"),
    (lambda x: x.scatter(2, ints([[0]]), 1.0), IndexError, "scatter: dimension 2 is out"),
])
def test_scatter_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(np.zeros((2, 3))))


def test_scatter_multiply_refuses_to_be_recorded():
    x = rand(2, 3)
    with pytest.raises(RuntimeError, match="scatter: reduce='multiply' has no gradient"):
        x.scatter(0, ints([[0, 1, 0]]), 2.0, reduce="multiply")
    with tg.no_grad():
        same(x.scatter(0, ints([[0, 0, 0]]), 2.0, reduce="multiply"),
             np.concatenate([2 * x.data[:1], x.data[1:]]))


def index_reference(x, dim, index, source, how):
    """out[..., index[i], ...] (op)= source[..., i, ...] along dim, i in order."""
    out = np.array(x, copy=True)
    moved = np.moveaxis(out, dim, 0)                    # a view: writes go to out
    for i, j in enumerate(np.atleast_1d(index)):
        if how == "fill":
            moved[j] = source
        elif how == "add":
            moved[j] += np.moveaxis(source, dim, 0)[i]
        else:
            moved[j] = np.moveaxis(source, dim, 0)[i]
    return out


@pytest.mark.parametrize("dim, index", [(0, [1, 1, 0]), (1, [2]), (-1, [0, 3, 3, 1]),
                                        (1, []), (2, 1)])
def test_index_add_copy_fill_against_the_loop(dim, index):
    x = RNG.standard_normal((2, 3, 4))
    idx = np.asarray(index, dtype=np.int64)
    shape = list(x.shape)
    shape[dim] = idx.size
    source = RNG.standard_normal(shape)
    added = Tensor(x).index_add(dim, ints(idx), Tensor(source), alpha=-2)
    np.testing.assert_allclose(added.data, index_reference(x, dim, idx, -2 * source, "add"),
                               rtol=1e-15)
    same(ix.index_copy(Tensor(x), dim, ints(idx), Tensor(source)),
         index_reference(x, dim, idx, source, "copy"))
    same(Tensor(x).index_fill(dim, ints(idx), -7.0), index_reference(x, dim, idx, -7.0, "fill"))


def test_index_ops_by_hand():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    same(x.index_add(1, ints([0, 0]), Tensor(np.ones((2, 2))), alpha=2), [[4, 1, 2], [7, 4, 5]])
    same(x.index_copy(1, ints([0, 0]), Tensor(np.array([[10.0, 11], [12, 13]]))),
         [[11, 1, 2], [13, 4, 5]])                                    # the last copy stays
    same(x.index_fill(1, ints([-1, 0]), -1), [[-1, 1, -1], [-1, 4, -1]])  # negative counts back
    same(Tensor([[1, 2], [3, 4]]).index_add(0, ints([1]), Tensor([[1, 1]]), alpha=2.5),
         [[1, 2], [5, 6]])                                            # int: truncated, as torch
    same(Tensor(3.0).index_add(0, ints(0), Tensor(1.0)), 4.0)
    same(Tensor(3.0).index_fill(0, ints(0), 1.0), 1.0)


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.index_add(1, ints([3]), Tensor(np.ones((2, 1)))), IndexError,
     "index_add: index 3 is out of bounds for dimension 1 with size 3"),
    (lambda x: x.index_add(1, ints([-1]), Tensor(np.ones((2, 1)))), IndexError,
     "index_add: index -1 is out of bounds"),
    (lambda x: x.index_add(1, ints([0, 1]), Tensor(np.ones((2, 1)))), ValueError,
     r"index_add: source must have shape \(2, 2\) \(input shape \(2, 3\) with dimension 1 of "
     r"size len\(index\) = 2\), got \(2, 1\)"),
    (lambda x: x.index_copy(1, ints([[0]]), Tensor(np.ones((2, 1)))), ValueError,
     r"index_copy: index must be 0-d or 1-D, got shape \(1, 1\)"),
    (lambda x: x.index_copy(1, ints([0]), Tensor(np.ones((2, 1), np.float32))), TypeError,
     "index_copy: source must have input's dtype float64, got float32"),
    (lambda x: x.index_add(0, Tensor([0.0]), Tensor(np.ones((1, 3)))), TypeError,
     "index_add: index must be an integer tensor"),
    (lambda x: x.index_fill(1, ints([3]), 0.0), IndexError,
     r"index_fill: index 3 is out of range for dimension 1 of input shape \(2, 3\) of size 3 "
     r"\(expected -3 <= index < 3\)"),
    (lambda x: x.index_fill(1, ints([[0]]), 0.0), ValueError, "index_fill: index must be 0-d"),
    (lambda x: x.index_fill(1, ints([0]), Tensor([1.0])), ValueError,
     "index_fill: value must be a number or a 0-d tensor"),
    (lambda x: x.index_fill(2, ints([0]), 1.0), IndexError, "index_fill: dimension 2"),
])
def test_index_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(np.zeros((2, 3))))


def test_take_and_masked_select_as_numpy():
    index = np.array([[0, 23], [-1, -24], [5, 5]])
    same(Tensor(A).take(ints(index)), np.take(A.reshape(-1), index))
    same(ix.take(Tensor(A), ints(7)), A.reshape(-1)[7])
    same(Tensor(3.0).take(ints([0, 0])), [3.0, 3.0])
    same(Tensor(A).take(ints(np.zeros((0, 2), int))), np.zeros((0, 2)))
    mask = RNG.random((3, 4)) > 0.5
    same(Tensor(A).masked_select(Tensor(mask)), np.broadcast_to(A, A.shape)[np.broadcast_to(
        mask, A.shape)])
    same(ix.masked_select(Tensor(V), Tensor(np.array([[True, False], [True, True]]))),
         [1.0, 1.0, 2.0])                                            # the mask broadcasts input
    same(Tensor(2.0).masked_select(Tensor(True)), [2.0])
    with pytest.raises(IndexError, match=r"take: index 24 is out of range for input of shape "
                                         r"\(2, 3, 4\) read as 1-D of size 24"):
        Tensor(A).take(ints([24]))
    with pytest.raises(IndexError, match="take: index -25"):
        Tensor(A).take(ints([-25]))
    with pytest.raises(TypeError, match="masked_select: mask must be a bool tensor"):
        Tensor(A).masked_select(ints([1, 0, 1, 0]))
    with pytest.raises(ValueError, match=r"masked_select: mask of shape \(3,\) does not "
                                         r"broadcast with input of shape \(2, 3, 4\)"):
        Tensor(A).masked_select(Tensor([True, False, True]))


@pytest.mark.parametrize("offset, dim1, dim2", [
    (0, 0, 1), (1, 2, 0), (-1, -1, -2), (2, 1, 2), (10, 0, 2), (-3, 2, 1)])
def test_diagonal_as_numpy(offset, dim1, dim2):
    expected = np.diagonal(A, offset, dim1, dim2)
    same(Tensor(A).diagonal(offset, dim1, dim2), expected)
    same(ix.diagonal(Tensor(A), offset=offset, dim1=dim1, dim2=dim2), expected)


def diag_embed_reference(x, offset, dim1, dim2):
    """Zeros with out[..., i, i + offset] = x[..., i] in dims (dim1, dim2), element by element."""
    n = x.shape[-1] + abs(offset)
    out = np.zeros(x.shape[:-1] + (n, n))
    for pos in np.ndindex(x.shape):
        i = pos[-1] + max(-offset, 0)
        out[pos[:-1] + (i, i + offset)] = x[pos]
    return np.moveaxis(out, (-2, -1), (dim1, dim2))


@pytest.mark.parametrize("shape, offset, dim1, dim2", [
    ((3,), 0, -2, -1), ((3,), 1, 0, 1), ((2, 3), -1, 2, 0), ((2, 3), 2, 0, 2), ((2, 1), 0, 1, 2),
    ((2, 0), 1, 0, 1)])
def test_diag_embed_against_the_loop(shape, offset, dim1, dim2):
    x = RNG.standard_normal(shape)
    same(ix.diag_embed(Tensor(x), offset, dim1, dim2), diag_embed_reference(x, offset, dim1, dim2))
    same(Tensor(x).diag_embed(offset, dim1, dim2).diagonal(offset, dim1, dim2), x)  # inverse


@pytest.mark.parametrize("array, k", [(V, 0), (V, 1), (V, -2), (M, 0), (M, 1), (M, -1),
                                      (A[0], 2), (A[0], -5), (np.zeros(0), 0)])
def test_diag_and_trace_as_numpy(array, k):
    same(Tensor(array).diag(k), np.diag(array, k))
    same(ix.diag(Tensor(array), diagonal=k), np.diag(array, k))
    if array.ndim == 2:
        assert ix.trace(Tensor(array)).item() == np.trace(array)


def test_trace_dtypes_and_diagonal_errors():
    assert Tensor(np.array([[1, 2], [3, 4]], np.int32)).trace().dtype == np.int64
    same(Tensor(np.zeros((0, 3))).trace(), 0.0)
    with pytest.raises(TypeError, match="trace: not implemented for bool"):
        Tensor(np.ones((2, 2), bool)).trace()
    with pytest.raises(ValueError, match=r"trace: expects a matrix, got shape \(2, 3, 4\)"):
        Tensor(A).trace()
    with pytest.raises(ValueError, match=r"diag: expects a 1-D or 2-D tensor, got shape \(\)"):
        Tensor(1.0).diag()
    with pytest.raises(ValueError, match="diagonal: dim1 and dim2 must differ, got 1 and -2"):
        Tensor(A).diagonal(0, 1, -2)
    with pytest.raises(IndexError, match="diagonal: dimension 1 is out of range"):
        Tensor(V).diagonal()
    with pytest.raises(IndexError, match=r"diag_embed: dimension -2 is out of range for the "
                                         r"1-D result \(expected -1 <= dim < 1\)"):
        Tensor(1.0).diag_embed()
    with pytest.raises(ValueError, match="diag_embed: dim1 and dim2 must differ, got 0 and -3"):
        Tensor(M).diag_embed(0, 0, -3)


# ================================================================ indexed.py: in place
IN_PLACE = [  # (method, its arguments given the values s written, the shape of s)
    ("scatter_", lambda s: ((0, ints([[1, 0, 1]]), s), {}), (1, 3)),
    ("scatter_", lambda s: ((0, ints([[1, 0, 1]])), {"value": s}), ()),
    ("scatter_add_", lambda s: ((1, ints([[0, 0], [2, 2]]), s), {}), (2, 2)),
    ("index_add_", lambda s: ((1, ints([2, 2]), s), {"alpha": 3}), (2, 2)),
    ("index_copy_", lambda s: ((0, ints([1]), s), {}), (1, 3)),
    ("index_fill_", lambda s: ((1, ints([0, 2]), s), {}), ()),
]


@pytest.mark.parametrize("name, arguments, src_shape", IN_PLACE,
                         ids=[f"{c[0]}{i}" for i, c in enumerate(IN_PLACE)])
def test_in_place_forms_write_the_out_of_place_result_when_nothing_is_recorded(
        name, arguments, src_shape):
    def call(x: Tensor, s: Tensor) -> Tensor:
        args, kwargs = arguments(s)
        return getattr(x, name)(*args, **kwargs)

    base, src = RNG.standard_normal((2, 3)), Tensor(RNG.standard_normal(src_shape))
    args, kwargs = arguments(src)
    expected = getattr(Tensor(base), name[:-1])(*args, **kwargs).data
    x = Tensor(base)
    view, version = x[0], x._version
    assert call(x, src) is x and x._version > version
    same(x, expected)
    same(view, expected[0])                               # views see it, as in torch
    leaf = Tensor(base, requires_grad=True)
    with pytest.raises(RuntimeError, match=rf"{name}: a leaf tensor that requires grad can "
                                           "only be changed in place inside no_grad"):
        call(leaf, src)
    with tg.no_grad():
        call(leaf, src)
    same(leaf, expected)
    w = Tensor(src.data, requires_grad=True)               # recorded, as torch: the same
    written = call(Tensor(base), w)                        # gradient as the out-of-place op
    args, kwargs = arguments(w)
    out_of_place = getattr(Tensor(base), name[:-1])(*args, **kwargs)
    weights = Tensor(RNG.standard_normal((2, 3)))
    assert written.requires_grad
    same(tg.grad((written * weights).sum(), w)[0],
         tg.grad((out_of_place * weights).sum(), w)[0].data)


def test_in_place_errors_name_the_method():
    with pytest.raises(IndexError, match=r"scatter_: index 5 is out of bounds"):
        Tensor(np.zeros((2, 3))).scatter_(0, ints([[5]]), 1.0)
    with pytest.raises(RuntimeError, match="scatter_: the tensor is read-only"):
        Tensor(np.zeros(3)).expand(2, 3).scatter_(0, ints([[1]]), 1.0)


# ================================================================ gradients
def scatter_rows(shape, dim, seed):
    """A random index for scatter along dim: more entries than positions, so some repeat."""
    index_shape = list(shape)
    index_shape[dim] += 2
    return ints(random_index(tuple(index_shape), shape[dim], seed))


GRAD_CASES = {
    # shape_more.py
    "narrow": (lambda x: x.narrow(1, -2, 2), [(2, 3)]),
    "narrow_empty": (lambda x: x.narrow(0, 1, 0), [(2, 3)]),
    "movedim": (lambda x: x.movedim((0, 2), (1, 0)), [(2, 1, 3)]),
    "swapdims": (lambda x: sm.swapdims(x, 0, -1), [(2, 3, 1)]),
    "swapaxes": (lambda x: sm.swapaxes(x, 1, 0), [(1, 3)]),
    "tile": (lambda x: x.tile(2, 1, 2), [(2, 1)]),
    "tile_empty": (lambda x: x.tile((2,)), [(0, 2)]),
    "repeat_interleave": (lambda x: x.repeat_interleave(ints([2, 0, 3]), 1), [(2, 3)]),
    "repeat_interleave_flat": (lambda x: x.repeat_interleave(3), [(1, 2)]),
    "repeat_interleave_none": (lambda x: x.repeat_interleave(0, 0), [(2, 1)]),
    "reshape_as": (lambda x: x.reshape_as(Tensor(np.zeros((3, 2)))), [(2, 3)]),
    "unflatten": (lambda x: x.unflatten(-1, (2, -1)), [(1, 4)]),
    "flipud": (sm.flipud, [(3, 2)]),
    "fliplr": (sm.fliplr, [(2, 3, 1)]),
    "rot90": (lambda x: x.rot90(1, (1, 2)), [(1, 2, 3)]),
    "rot90_3": (lambda x: x.rot90(3), [(2, 3)]),
    "rot90_2": (lambda x: x.rot90(2), [(2, 3)]),
    # joining.py
    "hstack": (lambda a, b: jn.hstack([a, b]), [(2, 1), (2, 2)]),
    "vstack": (lambda a, b: jn.vstack([a, b]), [(3,), (1, 3)]),
    "dstack": (lambda a, b: jn.dstack([a, b]), [(2,), (1, 2)]),
    "column_stack": (lambda a, b: jn.column_stack([a, b]), [(2,), (2, 2)]),
    "concatenate": (lambda a, b: jn.concatenate([a, b], axis=1), [(2, 0), (2, 2)]),
    "tensor_split": (lambda x: x.tensor_split([1, -1, 1], 1), [(2, 4)]),
    "broadcast_tensors": (lambda a, b: jn.broadcast_tensors(a, b), [(2, 1), (3,)]),
    "meshgrid_xy": (lambda a, b, c: jn.meshgrid(a, b, c, indexing="xy"), [(2,), (3,), ()]),
    "meshgrid_ij_empty": (lambda a, b: jn.meshgrid(a, b, indexing="ij"), [(2,), (0,)]),
    "vstack_atleast_2d": (lambda a, b: jn.vstack([a, b]), [(), (1, 1)]),
    # indexed.py, with repeated indices
    "scatter": (lambda x, s: x.scatter(0, ints([[1, 1, 0], [1, 0, 0]]), s), [(2, 3), (2, 3)]),
    "scatter_random": (lambda x, s: x.scatter(1, scatter_rows((2, 3), 1, 7), s),
                       [(2, 3), (2, 6)]),
    "scatter_value": (lambda x, v: x.scatter(1, ints([[2, 2]]), value=v), [(2, 3), ()]),
    "scatter_0d": (lambda x, s: x.scatter(0, ints(0), s), [(), ()]),
    "scatter_empty_index": (lambda x, s: x.scatter(1, ints(np.zeros((2, 0), int)), s),
                            [(2, 3), (2, 1)]),
    "scatter_add": (lambda x, s: x.scatter_add(0, scatter_rows((2, 3), 0, 8), s),
                    [(2, 3), (4, 4)]),
    "scatter_reduce_add": (lambda x, s: x.scatter(1, ints([[0, 0]]), s, reduce="add"),
                           [(1, 2), (1, 2)]),
    "index_add": (lambda x, s: x.index_add(1, ints([2, 0, 2]), s, alpha=-1.5),
                  [(2, 3), (2, 3)]),
    "index_copy": (lambda x, s: x.index_copy(0, ints([1, 1, 0]), s), [(2, 2), (3, 2)]),
    "index_copy_empty": (lambda x, s: x.index_copy(0, ints([]), s), [(2, 2), (0, 2)]),
    "index_fill": (lambda x, v: x.index_fill(1, ints([0, -1, 0]), v), [(2, 3), ()]),
    "take": (lambda x: x.take(ints([[0, 5], [5, -1]])), [(2, 3)]),
    "take_empty": (lambda x: x.take(ints([])), [(2, 1)]),
    "masked_select": (lambda x: x.masked_select(Tensor(np.array([[True], [False], [True]]))),
                      [(1, 2)]),
    "masked_select_none": (lambda x: x.masked_select(Tensor(np.zeros((1, 2), bool))), [(2, 1)]),
    "diagonal": (lambda x: x.diagonal(-1, 2, 0), [(3, 1, 2)]),
    "diagonal_empty": (lambda x: x.diagonal(5), [(2, 3)]),
    "diag_embed": (lambda x: ix.diag_embed(x, 1, 0, 2), [(2, 2)]),
    "diag_vector": (lambda x: x.diag(-1), [(3,)]),
    "diag_matrix": (lambda x: x.diag(1), [(2, 3)]),
    "trace": (ix.trace, [(3, 2)]),
}


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_first_and_second_derivatives(name):
    fn, shapes = GRAD_CASES[name]
    check_grads(fn, *[rand(*s) for s in shapes])


def test_scatter_gradient_goes_to_the_value_that_won():
    x, src = rand(2, 3), rand(2, 3)
    out = x.scatter(0, ints([[1, 1, 0], [1, 0, 0]]), src)
    out.backward(Tensor(np.array([[1.0, 2, 3], [4, 5, 6]])))
    same(x.grad, [[1, 0, 0], [0, 0, 6]])                 # zero where written (torch's rule)
    same(src.grad, [[0, 5, 0], [4, 2, 3]])               # src[0, 1] lost to src[1, 1]: no g


def test_index_fill_value_gradient_counts_each_position_once():
    x, value = rand(2, 3), Tensor(np.float64(2.0), requires_grad=True)
    x.index_fill(1, ints([0, 0]), value).sum().backward()
    assert value.grad.item() == 2.0                      # two positions, index repeats: as torch


# ================================================================ discrete.py
@pytest.mark.parametrize("array", [
    np.array([[0.0, 1, 2], [0, 0, 3]]), np.array(3.0), np.array(0.0), np.zeros((2, 0)),
    np.array([np.nan, 0.0, -0.0, 1.0]), np.array([True, False, True]), A % 3])
def test_nonzero_argwhere_count_nonzero_as_numpy(array):
    x = Tensor(array)
    for result in (x.nonzero(), dc.nonzero(x), x.argwhere(), dc.argwhere(x)):
        same(result, np.argwhere(array))
        assert result.dtype == np.int64
    parts = x.nonzero(as_tuple=True)
    assert len(parts) == max(array.ndim, 1)
    for part, expected in zip(parts, np.nonzero(np.atleast_1d(array))):
        same(part, expected)
    same(x.count_nonzero(), np.count_nonzero(array))
    for dim in range(array.ndim):
        same(dc.count_nonzero(x, dim), np.count_nonzero(array, axis=dim))
    if array.ndim >= 2:
        same(x.count_nonzero((0, -1)), np.count_nonzero(array, axis=(0, array.ndim - 1)))
        same(x.count_nonzero(()), np.count_nonzero(array))       # as torch: all dims
    with pytest.raises(ValueError, match="count_nonzero: dim .* names a dimension more than"):
        x.count_nonzero((0, 0))


@pytest.mark.parametrize("array", [
    np.array([3, 1, 3, 2, 1]), np.array([[2.5, -1.0], [2.5, 0.0]]), np.array(7.0),
    np.zeros(0), np.array([True, False, True]), np.array([np.nan, 1.0, np.nan])])
def test_unique_as_numpy(array):
    values, inverse, counts = np.unique(array, return_inverse=True, return_counts=True,
                                        equal_nan=False)
    x = Tensor(array)
    same(x.unique(), values)
    out, inv = dc.unique(x, return_inverse=True)
    same(out, values)
    same(inv, inverse.reshape(array.shape))
    same(values[inv.data], array)                        # values[inverse] rebuilds input
    out, cnt = x.unique(sorted=False, return_counts=True)
    same(cnt, counts)
    assert len(x.unique(return_inverse=True, return_counts=True)) == 3
    assert out.dtype == array.dtype and cnt.dtype == inv.dtype == np.int64


def test_unique_by_hand_nan_and_dim():
    values, counts = Tensor([np.nan, np.nan, 1.0, np.nan]).unique(return_counts=True)
    np.testing.assert_array_equal(values.data, [1, np.nan, np.nan, np.nan])   # nan != nan
    same(counts, [1, 1, 1, 1])
    same(Tensor([2, 1, 2]).unique(dim=0), [1, 2])                  # (dim: test_ported_idioms)
    with pytest.raises(IndexError, match="unique"):
        Tensor([1, 2]).unique(dim=1)
    assert not Tensor([1.0, 1.0], requires_grad=True).unique().requires_grad


@pytest.mark.parametrize("row, col, offset", [
    (3, 3, 0), (3, 4, 1), (4, 3, -1), (0, 3, 0), (3, 2, -5), (2, 5, 10), (1, 1, 0)])
def test_tril_triu_indices_as_numpy(row, col, offset):
    for name in ("tril", "triu"):
        result = getattr(dc, f"{name}_indices")(row, col, offset)
        same(result, np.stack(getattr(np, f"{name}_indices")(row, offset, col)).reshape(2, -1))
        assert result.dtype == np.int64
    assert dc.tril_indices(row, col, offset, dtype=tg.int32).dtype == np.int32


def test_tril_indices_errors():
    with pytest.raises(ValueError, match="tril_indices: row and col must be non-negative, "
                                         "got -1 and 3"):
        dc.tril_indices(-1, 3)
    with pytest.raises(TypeError, match="triu_indices: dtype must be an integer type"):
        dc.triu_indices(3, 3, dtype=tg.float32)
    with pytest.raises(RuntimeError, match="tril_indices: tinygrad_edu computes on the CPU"):
        dc.tril_indices(3, 3, device="cuda")


@pytest.mark.parametrize("name", ["and", "or", "xor"])
def test_logical_ops_as_numpy(name):
    a = np.array([[0.0, 1.5, np.nan], [0.0, -2.0, 0.0]])
    b = np.array([1, 0, 0])
    expected = getattr(np, f"logical_{name}")(a, b)
    same(getattr(Tensor(a), f"logical_{name}")(Tensor(b)), expected)
    same(getattr(dc, f"logical_{name}")(Tensor(a), Tensor(b)), expected)
    assert getattr(dc, f"logical_{name}")(Tensor(a), 0).dtype == np.bool_
    result = getattr(dc, f"logical_{name}")(rand(3), Tensor(b))
    assert result.dtype == np.bool_ and not result.requires_grad
    with pytest.raises(ValueError, match=rf"logical_{name}: shapes \(2, 3\) and \(2,\) cannot"):
        getattr(dc, f"logical_{name}")(Tensor(a), Tensor([1, 0]))
    same(dc.logical_not(Tensor(a)), np.logical_not(a))


# ================================================================ against torch (optional)
def _torch():
    return pytest.importorskip("torch")


def _compare(ours, theirs, inputs):
    """Values and the gradients of sum(w * out) of ours and torch's function on float64
    copies of `inputs` (numpy arrays), w random."""
    torch = _torch()
    ts = [Tensor(a, requires_grad=True) for a in inputs]
    ps = [torch.tensor(a, requires_grad=True) for a in inputs]
    out, expected = ours(*ts), theirs(*ps)
    outs = out if isinstance(out, tuple) else (out,)
    expecteds = expected if isinstance(expected, tuple) else (expected,)
    total_ours, total_torch = 0, 0
    for o, e in zip(outs, expecteds, strict=True):
        np.testing.assert_allclose(o.data, e.detach().numpy(), rtol=1e-14, atol=1e-14)
        w = RNG.standard_normal(o.shape)
        total_ours = total_ours + (o * Tensor(w)).sum()
        total_torch = total_torch + (e * torch.tensor(w)).sum()
    total_ours.backward()
    total_torch.backward()
    for t, p in zip(ts, ps):
        grad = p.grad.numpy() if p.grad is not None else np.zeros(t.shape)
        ours_grad = t.grad.data if t.grad is not None else np.zeros(t.shape)
        np.testing.assert_allclose(ours_grad, grad, rtol=1e-14, atol=1e-14)


def _no_repeats(shape, dim, rng):
    """An index for scatter with no position named twice: a permutation along dim."""
    return np.argsort(rng.random(shape), axis=dim)


@pytest.mark.parametrize("seed", range(3))
def test_against_torch_on_random_inputs(seed):
    torch = _torch()
    rng = np.random.default_rng(seed)
    x, y, v = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.standard_normal(4)
    perm = _no_repeats((3, 4), seed % 2, rng)
    dim = seed % 2
    tidx = torch.tensor(perm)
    repeats = rng.integers(0, 3, 4)
    idx = rng.integers(-12, 12, (2, 5))
    cases = [
        (lambda a: a.narrow(1, -3, 2), lambda a: a.narrow(1, -3, 2), [x]),
        (lambda a: a.movedim(0, 1), lambda a: a.movedim(0, 1), [x]),
        (lambda a: a.tile((2, 1, 2)), lambda a: a.tile((2, 1, 2)), [x]),
        (lambda a: a.repeat_interleave(ints(repeats), 1),
         lambda a: a.repeat_interleave(torch.tensor(repeats), 1), [x]),
        (lambda a: a.unflatten(1, (2, 2)), lambda a: a.unflatten(1, (2, 2)), [x]),
        (lambda a: a.rot90(seed + 1), lambda a: a.rot90(seed + 1), [x]),
        (lambda a, b: jn.column_stack([a, b]), lambda a, b: torch.column_stack([a, b]), [x, y]),
        (lambda a, b: jn.dstack([a, b]), lambda a, b: torch.dstack([a, b]), [x, y]),
        (lambda a: a.tensor_split(3, 1), lambda a: a.tensor_split(3, 1), [x]),
        (lambda a, b: jn.meshgrid(a, b, indexing="xy"),
         lambda a, b: torch.meshgrid(a, b, indexing="xy"), [v, v[:3]]),
        (lambda a, b: a.scatter(dim, ints(perm), b), lambda a, b: a.scatter(dim, tidx, b),
         [x, y]),
        (lambda a, b: a.scatter_add(dim, ints(perm[:2]), b),
         lambda a, b: a.scatter_add(dim, tidx[:2], b), [x, y[:2]]),
        (lambda a, b: a.index_add(1, ints([3, 0, 3]), b, alpha=2),
         lambda a, b: a.index_add(1, torch.tensor([3, 0, 3]), b, alpha=2), [x, y[:, :3]]),
        (lambda a, b: a.index_copy(1, ints([3, 0]), b),
         lambda a, b: a.index_copy(1, torch.tensor([3, 0]), b), [x, y[:, :2]]),
        (lambda a: a.index_fill(0, ints([-1]), 2.0),
         lambda a: a.index_fill(0, torch.tensor([-1]), 2.0), [x]),
        (lambda a: a.take(ints(idx)), lambda a: a.take(torch.tensor(idx)), [x]),
        (lambda a: a.masked_select(Tensor(y > 0)),
         lambda a: a.masked_select(torch.tensor(y > 0)), [x]),
        (lambda a: ix.diag_embed(a, seed - 1, 0, 2), lambda a: torch.diag_embed(a, seed - 1, 0, 2),
         [x]),
        (lambda a: a.diagonal(seed - 1), lambda a: a.diagonal(seed - 1), [x]),
        (lambda a: a.diag(seed - 1), lambda a: a.diag(seed - 1), [v]),
        (ix.trace, torch.trace, [x]),
    ]
    for ours, theirs, inputs in cases:
        _compare(ours, theirs, inputs)


def test_integer_results_against_torch():
    torch = _torch()
    rng = np.random.default_rng(5)
    a = rng.integers(-2, 3, (3, 4)).astype(np.float64)
    ta, x = torch.tensor(a), Tensor(a)
    np.testing.assert_array_equal(x.nonzero().data, ta.nonzero().numpy())
    for ours, theirs in zip(x.nonzero(as_tuple=True), ta.nonzero(as_tuple=True)):
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    for ours, theirs in zip(x.unique(return_inverse=True, return_counts=True),
                            ta.unique(return_inverse=True, return_counts=True)):
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    np.testing.assert_array_equal(x.count_nonzero(1).data, ta.count_nonzero(1).numpy())
    for row, col, offset in itertools.product((0, 3, 4), (2, 4), (-2, 0, 3)):
        np.testing.assert_array_equal(dc.tril_indices(row, col, offset).data,
                                      torch.tril_indices(row, col, offset).numpy())
        np.testing.assert_array_equal(dc.triu_indices(row, col, offset).data,
                                      torch.triu_indices(row, col, offset).numpy())
    b = rng.integers(0, 2, 4)
    for name in ("and", "or", "xor"):
        np.testing.assert_array_equal(getattr(x, f"logical_{name}")(Tensor(b)).data,
                                      getattr(ta, f"logical_{name}")(torch.tensor(b)).numpy())
    assert x.T.stride() == ta.T.stride() and x.stride() == ta.stride()
    assert jn.broadcast_shapes((2, 1), (3,), 1) == tuple(torch.broadcast_shapes((2, 1), (3,), 1))


def test_scatter_with_repeats_keeps_what_torchs_cpu_kernel_keeps():
    """torch leaves the winner open; its CPU kernel keeps the last, as we always do. (Only the
    values are compared: torch's gradient goes to every repeat, ours to the winner.)"""
    torch = _torch()
    rng = np.random.default_rng(9)
    x, src = rng.standard_normal((3, 5)), rng.standard_normal((6, 5))
    index = rng.integers(0, 3, (6, 5))
    np.testing.assert_array_equal(
        Tensor(x).scatter(0, ints(index), Tensor(src)).data,
        torch.tensor(x).scatter(0, torch.tensor(index), torch.tensor(src)).numpy())
    np.testing.assert_array_equal(
        Tensor(x).index_copy(0, ints([2, 0, 2]), Tensor(src[:3])).data,
        torch.tensor(x).index_copy(0, torch.tensor([2, 0, 2]), torch.tensor(src[:3])).numpy())


def test_index_add_on_a_0d_input_takes_one_index():
    assert tg.index_add(tg.tensor(1.0), 0, tg.tensor([0]), tg.tensor([2.0])).item() == 3.0
    with pytest.raises(ValueError, match="index_add: a 0-d input takes an index of one"):
        tg.index_add(tg.tensor(1.0), 0, tg.tensor([0, 0, 0, 0]), tg.tensor([1.0, 2, 3, 4]))


def test_storage_shows_the_memory_a_view_shares():
    a = tg.arange(18).view(3, 6)
    b, corner = a.view(9, 2), a[1:, 2:]
    assert b.storage().tolist() == list(range(18))       # makemore's lesson: view() copies
    assert np.shares_memory(b.storage().data, a.storage().data)       # nothing
    assert corner.storage_offset() == 8 and corner.stride() == (6, 1)
    assert a.T.storage_offset() == 0 and a.T.storage().tolist() == list(range(18))


def test_as_strided_reads_the_storage_and_sends_gradients_back_to_the_elements_read():
    x = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    windows = tg.as_strided(x.reshape(-1), (10, 3), (1, 1))     # sliding windows of 3
    np.testing.assert_array_equal(windows.data, np.arange(10)[:, None] + np.arange(3))
    windows.sum().backward()                                   # read 1, 2, 3, ..., 3, 2, 1 times
    assert x.grad.data.reshape(-1).tolist() == [1, 2] + [3] * 8 + [2, 1]
    assert x.T.as_strided((2, 2), (1, 4)).tolist() == [[0, 4], [1, 5]]     # the base's layout
    tail = x[1:]                                               # storage_offset 4: by default
    assert tail.as_strided((2,), (1,)).tolist() == [4, 5]      # from there; 0: the base's
    x.grad = None
    before = tail.as_strided((3,), (1,), 2)                    # start, outside tail: constants
    before.sum().backward()
    assert before.tolist() == [2, 3, 4] and x.grad.data.reshape(-1).tolist() == [0] * 4 + [
        1] + [0] * 7
    row = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    shared = row.expand(3, 2).as_strided((2,), (1,))           # elements sharing memory
    shared.sum().backward()
    assert shared.tolist() == [1.0, 2.0] and row.grad.tolist() == [1.0, 1.0]
    assert gradcheck(lambda a: a.as_strided((3, 2), (2, 3), 1), [Tensor(
        np.random.default_rng(0).standard_normal(9), requires_grad=True)])
    assert gradgradcheck(lambda a: a.as_strided((2, 2), (1, 1)) ** 2, [Tensor(
        np.random.default_rng(1).standard_normal(3), requires_grad=True)])
    with pytest.raises(ValueError, match=r"as_strided: size \(2, 2\), stride \(4, 4\) and "
                       r"storage_offset 0 reach element 8 of a storage of 6 elements"):
        tg.zeros(2, 3).as_strided((2, 2), (4, 4))
    with pytest.raises(ValueError, match="as_strided: expected as many sizes as strides, "
                       "none negative"):
        tg.zeros(6).as_strided((2, 2), (-1, 1))
    with pytest.raises(TypeError, match="as_strided: stride must be an int"):
        tg.zeros(6).as_strided((2,), (1.5,))


def test_as_strided_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    cases = [(lambda b: b, (3, 3), (1, 1), None), (lambda b: b.t(), (2, 3), (1, 1), None),
             (lambda b: b[1:], (2, 2), (6, 1), 0), (lambda b: b[:, 1::2], (2, 5), (1, 1), None),
             (lambda b: b[0].expand(3, 6), (2, 4), (1, 1), None),
             (lambda b: b.reshape(-1)[3:10], (4, 3), (2, 1), 1),
             (lambda b: b.reshape(-1), (), (), None), (lambda b: b.reshape(-1), (0, 3), (1, 1), 2)]
    for make, size, stride, offset in cases:
        results, weight = [], rng.standard_normal(size)
        for lib in (torch, tg):
            base = lib.tensor(np.arange(24.0).reshape(4, 6), requires_grad=True)
            out = make(base).as_strided(size, stride, offset)
            (out * lib.tensor(weight)).sum().backward()
            results.append((out.detach().numpy(), base.grad.numpy()))
        np.testing.assert_array_equal(results[1][0], results[0][0])
        np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-15)


def test_torch_utils_data_sampler_module_name():
    from nn.data import sampler
    assert sampler.SubsetRandomSampler is nn.data.SubsetRandomSampler
