"""Small fixes from the twenty-ninth session (errors that name their op, torch's old
clip_grad_norm, and the sweeps' findings): each test fails without its fix."""
import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from tinygrad_edu import Tensor


@pytest.mark.parametrize("name", ["fmax", "fmin", "heaviside", "float_power"])
def test_binary_functions_name_themselves_when_shapes_do_not_broadcast(name):
    with pytest.raises(ValueError, match=rf"^{name}: shapes \(3,\) and \(4,\) cannot be "
                                         r"broadcast together"):
        getattr(tg, name)(Tensor(np.ones(3)), Tensor(np.ones(4)))


def test_float_power_still_broadcasts_numbers_and_lists():
    assert tg.float_power(Tensor([2.0]), [1.0, 3.0]).tolist() == [2.0, 8.0]
    assert tg.float_power(2, Tensor([1.0, 2.0])).dtype == tg.float64


def test_histogram_range_must_be_finite_in_the_inputs_dtype():
    x = Tensor([1.0, 2.0])
    with pytest.raises(ValueError, match=r"histogram: the range \(0, 1e\+39\) is not finite "
                                         r"in float32"):
        tg.histogram(x, bins=2, range=(0, 1e39))
    assert tg.histogram(x.double(), bins=2, range=(0, 1e39)).hist.tolist() == [2.0, 0.0]


def test_clip_grad_norm_is_the_deprecated_name_of_clip_grad_norm_():
    p = nn.Parameter(tg.ones(4))
    p.grad = tg.ones(4)
    with pytest.warns(FutureWarning, match=r"`nn.utils.clip_grad_norm` is now deprecated in "
                                           r"favor of `nn.utils.clip_grad_norm_`"):
        total = nn.utils.clip_grad_norm(p, 1.0)
    assert total.item() == pytest.approx(2.0)
    np.testing.assert_allclose(p.grad.numpy(), np.full(4, 0.5 / (1 + 5e-7)), rtol=1e-6)


@pytest.mark.parametrize("tiny", [5e-324, 1e-310])
def test_gradients_stay_finite_at_subnormal_inputs(tiny):
    b = Tensor(tiny, dtype=tg.float64, requires_grad=True)   # d(0 / b)/db = -0 / b^2 = -0
    (Tensor(0.0, dtype=tg.float64) / b).backward()
    assert b.grad.item() == 0.0
    a = Tensor(tiny, dtype=tg.float64, requires_grad=True)   # a**0 = 1: d/da = 0
    exponent = Tensor(0.0, dtype=tg.float64, requires_grad=True)
    (a ** exponent).backward()
    assert a.grad.item() == 0.0
    assert exponent.grad.item() == pytest.approx(np.log(tiny), rel=1e-15)


def test_pow_mixed_second_derivative_at_exponent_zero_stays_one_over_a():
    a = Tensor(0.5, dtype=tg.float64, requires_grad=True)    # d/db (b a^(b-1)) = 1/a at b=0
    b = Tensor(0.0, dtype=tg.float64, requires_grad=True)
    (grad_a,) = tg.grad(a ** b, [a], create_graph=True)
    assert grad_a.item() == 0.0
    assert tg.grad(grad_a, [b])[0].item() == pytest.approx(2.0, rel=1e-15)


def test_matrix_power_zero_stays_in_the_graph_with_a_zero_gradient():
    A = Tensor(np.random.default_rng(0).normal(size=(2, 3, 3)), requires_grad=True)
    identity = tg.linalg.matrix_power(A, 0)                  # torch: requires_grad True
    assert identity.requires_grad and identity.grad_fn is not None
    np.testing.assert_array_equal(identity.numpy(), np.broadcast_to(np.eye(3), (2, 3, 3)))
    identity.sum().backward()
    np.testing.assert_array_equal(A.grad.numpy(), np.zeros((2, 3, 3)))
    with_nan = tg.linalg.matrix_power(Tensor([[np.nan, 1.0], [2.0, 3.0]]), 0)
    np.testing.assert_array_equal(with_nan.numpy(), np.eye(2))


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_with_weights_summing_to_zero_has_a_nan_gradient(smoothing):
    logits = Tensor(np.array([[0.3, -1.2, 0.8], [1.0, 0.2, -0.5]]), requires_grad=True)
    loss = tg.cross_entropy(logits, Tensor([0, 0]), weight=Tensor([0.0, 1.0, 2.0]),
                            label_smoothing=smoothing)      # 0/0 as torch: loss and grad nan
    loss.backward()
    assert np.isnan(loss.item()) and np.isnan(logits.grad.numpy()).all()
    logits.grad = None                                      # every target ignored: grad 0
    tg.cross_entropy(logits, Tensor([-100, -100]), label_smoothing=smoothing).backward()
    np.testing.assert_array_equal(logits.grad.numpy(), np.zeros((2, 3)))


def test_nll_loss_with_weights_summing_to_zero_is_nan_at_the_counted_targets():
    log_probs = Tensor(np.log(np.full((3, 3), 1 / 3)), requires_grad=True)
    loss = tg.nll_loss(log_probs, Tensor([0, -100, 0]), weight=Tensor([0.0, 1.0, 1.0]))
    loss.backward()                                         # torch: nan at [0, 0] and [2, 0]
    assert np.isnan(loss.item())
    expected = np.zeros((3, 3))
    expected[[0, 2], 0] = np.nan
    np.testing.assert_array_equal(log_probs.grad.numpy(), expected)


@pytest.mark.parametrize("loss", ["mse_loss", "l1_loss", "smooth_l1_loss", "soft_margin_loss",
                                  "binary_cross_entropy_with_logits", "kl_div"])
@pytest.mark.filterwarnings("ignore:kl_div. reduction='mean'")
def test_mean_of_an_empty_batch_of_losses_is_nan_as_torch(loss):
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    out = getattr(nn.functional, loss)(x, Tensor(np.zeros((0, 3))))
    assert np.isnan(out.item())
    out.backward()
    assert x.grad.shape == (0, 3)


def test_triplet_losses_name_themselves_when_feature_sizes_differ():
    a, p = tg.randn(4, 3), tg.randn(4, 2)
    for loss in (nn.functional.triplet_margin_loss,
                 nn.functional.triplet_margin_with_distance_loss):
        with pytest.raises(ValueError, match=rf"^{loss.__name__}: shapes anchor \(4, 3\), "
                                             r"positive \(4, 2\), negative \(4, 3\) cannot"):
            loss(a, p, a)


def test_unbatched_class_losses_report_the_shapes_given():
    x = tg.randn(3)
    with pytest.raises(ValueError, match=r"^cross_entropy: unbatched input of shape \(3,\) "
                                         r"needs a 0-d class index or probabilities of shape "
                                         r"\(3,\), got target of shape \(2,\)"):
        tg.cross_entropy(x, Tensor([0, 1]))
    for loss in (tg.nll_loss, nn.functional.multi_margin_loss):
        with pytest.raises(ValueError, match=r"unbatched input of shape \(3,\) needs a 0-d "
                                             r"class index, got target of shape \(2, 1\)"):
            loss(x, Tensor([[0], [1]]))
    assert tg.nll_loss(Tensor([-1.0, -2.0, -3.0]), Tensor(1), reduction="none").item() == 2.0


def test_recurrent_layers_check_a_packed_input_like_a_padded_one():
    from nn.utils import rnn
    lstm = nn.LSTM(3, 4)
    packed = rnn.pack_padded_sequence(tg.zeros(4, 3, 2), [4, 3, 2])
    with pytest.raises(RuntimeError, match=r"LSTM: input.size\(-1\) must be equal to "
                                           r"input_size. Expected 3, got 2"):
        lstm(packed)
    with pytest.raises(ValueError, match=r"GRU: a PackedSequence's data must be 2-D \(sum of "
                                         r"lengths, input_size\), got shape \(6, 2, 1\)"):
        nn.GRU(2, 3)(rnn.PackedSequence(tg.zeros(6, 2, 1), Tensor([3, 2, 1])))


def test_packing_refuses_an_empty_batch_and_inconsistent_batch_sizes():
    from nn.utils import rnn
    with pytest.raises(ValueError, match=r"pack_padded_sequence: cannot pack an empty batch"):
        rnn.pack_padded_sequence(tg.zeros(4, 0, 2), [])
    with pytest.raises(ValueError, match=r"pad_packed_sequence: batch_sizes \[3, 2\] add up "
                                         r"to 5 steps, but data has 6"):
        rnn.pad_packed_sequence(rnn.PackedSequence(tg.zeros(6, 2), Tensor([3, 2])))


def test_packed_sequence_dtype_helpers_and_invert_permutation():
    from nn.utils import rnn
    packed = rnn.pack_sequence([Tensor([1.0, 2.0, 3.0]), Tensor([4.0])])
    assert packed.long().data.dtype == tg.int64 and packed.half().data.dtype == tg.float16
    assert [packed.int().data.dtype, packed.short().data.dtype, packed.char().data.dtype,
            packed.byte().data.dtype] == [tg.int32, tg.int16, tg.int8, tg.uint8]
    assert rnn.invert_permutation(Tensor([2, 0, 1])).tolist() == [1, 2, 0]
    assert rnn.invert_permutation(None) is None


@pytest.mark.parametrize("dtype, highest", [(tg.uint8, 255), (tg.int8, 127)])
def test_random_without_bounds_reaches_the_integer_dtypes_max(dtype, highest):
    tg.manual_seed(0)
    draws = tg.empty(20000, dtype=dtype).random_().numpy()  # torch: [0, max], 256 or 128 values
    assert draws.min() == 0 and draws.max() == highest
    assert len(np.unique(draws)) == highest + 1


def test_uniform_in_float16_never_returns_the_upper_bound():
    tg.manual_seed(0)
    draws = tg.empty(1_000_000, dtype=tg.float16).uniform_(2, 3).numpy()   # was ~900 threes
    assert draws.max() == np.nextafter(np.float16(3), np.float16(2)) and draws.min() >= 2


def test_randperm_refuses_a_dtype_that_cannot_hold_n_values():
    with pytest.raises(ValueError, match=r"randperm: n = 300 values do not fit in uint8"):
        tg.randperm(300, dtype=tg.uint8)
    assert sorted(tg.randperm(256, dtype=tg.uint8).tolist()) == list(range(256))


def test_poisson_of_a_zero_dim_rate_and_rand_like_with_a_generator():
    assert tg.poisson(Tensor(0.0)).item() == 0.0 and tg.poisson(Tensor(3.0)).shape == ()
    x = tg.zeros(4)
    for like in (tg.rand_like, tg.randn_like):
        first = like(x, generator=tg.Generator().manual_seed(7))
        assert first.tolist() == like(x, generator=tg.Generator().manual_seed(7)).tolist()
    with pytest.raises(TypeError, match="zeros_like: got an unexpected keyword argument"):
        tg.zeros_like(x, generator=tg.Generator())


def test_vmap_out_dims_none_refuses_an_output_that_differs_between_indices():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match=r"vmap: an output with out_dims None differs "
                                         r"between indices"):
        tg.func.vmap(lambda a: a * 10, out_dims=None)(x)
    shared, mapped = tg.func.vmap(lambda a: (Tensor([7.0]), a * 2), out_dims=(None, 0))(x)
    assert shared.tolist() == [7.0] and mapped.tolist() == [[2.0, 4.0], [6.0, 8.0]]


def test_vmap_checks_chunk_size_and_grad_of_an_empty_tree_is_empty():
    for bad in (0, -1, "x"):
        with pytest.raises(ValueError, match=r"vmap: chunk_size must be a positive int"):
            tg.func.vmap(lambda a: a, chunk_size=bad)
    x = Tensor([1.0, 2.0, 3.0], dtype=tg.float64)
    assert tg.func.grad(lambda params, v: (v ** 2).sum())({}, x) == {}
    assert tg.func.vjp(lambda params: x * 2, {})[1](x) == ({},)


def test_checkpoint_names_torchs_options_it_does_not_have():
    from tinygrad_edu.utils.checkpoint import checkpoint
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"checkpoint: torch's option\(s\) debug, "
                                        r"determinism_check are not supported here"):
        checkpoint(lambda z: z.exp(), x, use_reentrant=False, determinism_check="default",
                   debug=False)
    checkpoint(lambda z, scale: z * scale, x, use_reentrant=False, scale=2.0).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
