"""tinygrad_edu.autograd.functional (torch.autograd.functional): jacobian, hessian, vjp,
jvp, hvp and vhp, checked against derivatives worked out by hand."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp


def f64(values) -> tg.Tensor:
    return tg.tensor(np.asarray(values, dtype=np.float64))


def test_jacobian_of_one_and_of_several_inputs_and_outputs():
    x = f64([1.0, 2.0])
    np.testing.assert_array_equal(jacobian(lambda a: a ** 2, x).data, [[2, 0], [0, 4]])
    (ja, jb), (sa, sb) = jacobian(lambda a, b: (a * b, a.sum()), (x, f64(3.0)))
    np.testing.assert_array_equal(ja.data, 3 * np.eye(2))          # d(a b)/da = b I
    assert jb.tolist() == [1.0, 2.0] and sa.tolist() == [1, 1] and sb.item() == 0
    assert jacobian(lambda a: a.reshape(2, 1) * 2, x).shape == (2, 1, 2)
    assert jacobian(lambda a: tg.ones(2), x).tolist() == [[0, 0], [0, 0]]   # independent
    with pytest.raises(RuntimeError, match="jacobian: with strict=True, the output does not "
                                           "depend on input 1"):
        jacobian(lambda a, b: a * 2, (x, f64(3.0)), strict=True)        # b is unused
    with pytest.raises(RuntimeError, match="hessian: with strict=True, the output does not "
                                           "depend on input 0"):
        hessian(lambda a: (a * 2).sum(), x, strict=True)                # linear: H = 0
    with pytest.raises(TypeError, match="jacobian: the outputs must be a Tensor or a tuple "
                                        "of Tensors .as torch., got list"):
        jacobian(lambda a: [a * 2], x)


def test_hessian_of_a_cubic_and_of_a_product_of_two_inputs():
    x = f64([1.0, 2.0])
    np.testing.assert_array_equal(hessian(lambda a: (a ** 3).sum(), x).data,
                                  [[6, 0], [0, 12]])            # diag(6 a)
    (haa, hab), (hba, hbb) = hessian(lambda a, b: (a * b).sum(), (x, x))   # the same x twice
    assert haa.tolist() == hbb.tolist() == [[0, 0], [0, 0]]
    assert hab.tolist() == hba.tolist() == [[1, 0], [0, 1]]


def test_vector_products_match_the_jacobian_and_hessian():
    x, v = f64([1.0, 2.0, -1.0]), f64([0.5, -1.0, 2.0])

    def f(a):
        return tg.stack([a[0] * a[1], a[1] * a[2].exp(), a.sum() ** 2])

    def g(a):
        return (a ** 3).sum() + a[0] * a[2]

    J, H = jacobian(f, x).data, hessian(g, x).data
    out, vj = vjp(f, x, v)
    np.testing.assert_allclose(vj.data, v.data @ J, rtol=1e-15)
    np.testing.assert_allclose(out.data, f(x).data)
    np.testing.assert_allclose(jvp(f, x, v)[1].data, J @ v.data, rtol=1e-15)
    value, hv = hvp(g, x, v)
    assert value.item() == g(x).item()
    np.testing.assert_allclose(hv.data, H @ v.data, rtol=1e-15)
    np.testing.assert_allclose(vhp(g, x, v)[1].data, v.data @ H, rtol=1e-15)
    with pytest.raises(RuntimeError, match="vjp: v can only be None if there is a single "
                                           "Tensor with a single element"):
        vjp(f, x)


def test_results_leave_the_inputs_alone_unless_a_graph_is_asked_for():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    H = hessian(lambda a: (a ** 3 * w).sum(), x)
    assert not H.requires_grad and x.grad is None and w.grad is None
    H = hessian(lambda a: (a ** 3 * w).sum(), x, create_graph=True)   # diag(6 a w)
    H.sum().backward()
    assert w.grad.tolist() == [6.0, 12.0] and x.grad.tolist() == [6.0, 12.0]
    f = lambda a: a.sin() * a.sum()                       # noqa: E731
    loop = jacobian(f, x.detach())
    for options in ({"vectorize": True}, {"vectorize": True, "strategy": "forward-mode"}):
        assert jacobian(f, x.detach(), **options).tolist() == loop.tolist()    # (refused)
    assert hessian(lambda a: (a ** 3).sum(), x, vectorize=True,
                   outer_jacobian_strategy="forward-mode").tolist() == [[6.0, 0.0], [0.0, 12.0]]
    with pytest.raises(NotImplementedError, match="forward-mode' needs vectorize=True"):
        jacobian(f, x, strategy="forward-mode")
