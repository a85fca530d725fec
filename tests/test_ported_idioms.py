"""Names the graph, contrastive and NLP ports reached for: fill_diagonal_ (SimCLR),
unique(dim=) (edge lists), triplet_margin_with_distance_loss, torch's top-level copies of
nn.functional (cosine_similarity, ...), and the dtype/decimals checks of softmax/round."""
from __future__ import annotations

import numpy as np
import pytest

import nn
import nn.functional as F
import tinygrad_edu as tg


def test_fill_diagonal_writes_the_diagonal_in_place_and_in_the_graph():
    x = tg.zeros(7, 3)
    assert x.fill_diagonal_(2.0, wrap=True) is x
    rows, cols = np.nonzero(x.numpy())
    assert rows.tolist() == [0, 1, 2, 4, 5, 6] and cols.tolist() == [0, 1, 2, 0, 1, 2]
    cube = tg.zeros(3, 3, 3).fill_diagonal_(1.0)
    assert cube.numpy().sum() == 3 and cube.numpy()[2, 2, 2] == 1
    w = tg.tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
    sim = w * 2
    sim.fill_diagonal_(-np.inf)                          # SimCLR's mask of self-similarity
    sim.softmax(-1).sum().backward()
    assert np.isinf(sim.numpy().diagonal()).all()
    np.testing.assert_array_equal(w.grad.numpy().diagonal(), [0, 0, 0])
    with pytest.raises(ValueError, match=r"fill_diagonal_: needs a matrix, or sides of equal "
                                         r"length beyond 2-d, got shape \(2, 3, 4\)"):
        tg.zeros(2, 3, 4).fill_diagonal_(1.0)


def test_unique_along_a_dim_gives_distinct_slices_with_inverse_and_counts():
    edges = tg.tensor([[0, 1, 1, 2, 0, 1], [1, 0, 2, 1, 1, 0]])
    values, inverse, counts = tg.unique(edges, dim=1, return_inverse=True, return_counts=True)
    assert values.tolist() == [[0, 1, 1, 2], [1, 0, 2, 1]]
    assert inverse.tolist() == [0, 1, 2, 3, 0, 1] and counts.tolist() == [2, 2, 1, 1]
    np.testing.assert_array_equal(values.numpy()[:, inverse.numpy()], edges.numpy())
    rows = tg.tensor([[1, 2], [0, 5], [1, 2]]).unique(dim=0)
    assert rows.tolist() == [[0, 5], [1, 2]]


def test_triplet_margin_with_distance_loss():
    rng = np.random.default_rng(0)
    a, p, n = (tg.tensor(rng.normal(size=(4, 3))) for _ in range(3))
    cosine = lambda x, y: 1 - F.cosine_similarity(x, y)               # noqa: E731
    loss = F.triplet_margin_with_distance_loss(a, p, n, distance_function=cosine, margin=0.5,
                                               reduction="none")
    want = np.maximum(0.5 + cosine(a, p).numpy() - cosine(a, n).numpy(), 0)
    np.testing.assert_allclose(loss.numpy(), want, rtol=1e-6)
    swapped = F.triplet_margin_with_distance_loss(a, p, n, distance_function=cosine,
                                                  swap=True, reduction="none")
    d_neg = np.minimum(cosine(a, n).numpy(), cosine(p, n).numpy())
    np.testing.assert_allclose(swapped.numpy(), np.maximum(1 + cosine(a, p).numpy() - d_neg, 0),
                               rtol=1e-6)
    module = nn.TripletMarginWithDistanceLoss(margin=2.0)
    assert module(a, p, n).item() == pytest.approx(F.triplet_margin_loss(a, p, n, 2.0).item())
    with pytest.raises(ValueError, match="margin must be greater than 0"):
        nn.TripletMarginWithDistanceLoss(margin=0)


def test_top_level_copies_of_functional():
    x, y = tg.randn(3, 4), tg.randn(3, 4)
    np.testing.assert_array_equal(tg.cosine_similarity(x, y).numpy(),
                                  F.cosine_similarity(x, y).numpy())
    assert tg.pairwise_distance is F.pairwise_distance and tg.pixel_shuffle is F.pixel_shuffle
    with pytest.raises(AttributeError, match="has no attribute 'embedding'"):
        tg.embedding                                      # torch's takes (weight, input)


def test_softmax_dtype_and_round_decimals_are_checked():
    with pytest.raises(TypeError, match="softmax: dtype must be a floating point type, got "
                                        "int64"):
        tg.tensor([1.0, 2.0]).softmax(0, dtype=tg.int64)
    with pytest.raises(TypeError, match="log_softmax: dtype must be a floating point type"):
        tg.special.log_softmax(tg.tensor([1.0, 2.0]), 0, dtype=tg.int32)
    assert tg.tensor([1.0, 2.0]).softmax(0, dtype=tg.float64).dtype == np.float64
    with pytest.raises(TypeError, match="round: decimals must be an int, got float"):
        tg.special.round(tg.tensor([1.25]), decimals=1.5)


def test_pack_padded_sequence_wants_1d_lengths():
    with pytest.raises(ValueError, match=r"lengths must be 1-d, one per sequence, got shape "
                                         r"\(1, 2\)"):
        nn.utils.rnn.pack_padded_sequence(tg.zeros(4, 2, 3), tg.tensor([[4, 2]]))


# ---------------------------------------------------------------- the timm/torchvision port
def test_norms_refuse_mixed_float_dtypes_as_torch():
    x32 = tg.randn(2, 4, 3, 3)
    for call, op in [(lambda: nn.BatchNorm2d(4).double()(x32), "batch_norm"),
                     (lambda: nn.LayerNorm(3).double()(x32), "layer_norm"),
                     (lambda: nn.GroupNorm(2, 4).double()(x32), "group_norm"),
                     (lambda: F.instance_norm(x32, weight=tg.ones(4, dtype=tg.float64)),
                      "instance_norm")]:
        with pytest.raises(TypeError, match=f"{op}: the input is float32 but .* is float64; "
                                            "convert one"):
            call()
    assert nn.BatchNorm2d(4)(x32).dtype == np.float32


def test_jit_names_and_assert_run_the_model_as_written():
    class Attention(nn.Module):
        fused_attn: tg.jit.Final[bool]

        @tg.jit.ignore
        def no_weight_decay(self):
            return {"pos_embed"}

        @tg.jit.ignore(drop=True)
        def hidden(self):
            return 2

    m = Attention()
    assert m.no_weight_decay() == {"pos_embed"} and m.hidden() == 2
    assert not tg.jit.is_scripting() and not tg.jit.is_tracing() and tg.jit.script(m) is m
    tg._assert(True, "never")
    with pytest.raises(AssertionError, match="Wrong image height"):
        tg._assert(False, "Wrong image height")


def test_memory_formats_are_accepted_and_answered_for_the_real_layout():
    x = tg.randn(2, 3, 4, 5)
    conv = nn.Conv2d(3, 2, 1).to(memory_format=tg.channels_last)
    assert conv(x.contiguous(memory_format=tg.channels_last)).shape == (2, 2, 4, 5)
    assert x.is_contiguous() and not x.is_contiguous(memory_format=tg.channels_last)
    nhwc = tg.tensor(np.zeros((2, 4, 5, 3), np.float32)).permute(0, 3, 1, 2)
    assert nhwc.is_contiguous(memory_format=tg.channels_last) and not nhwc.is_contiguous()
    assert repr(tg.channels_last) == "torch.channels_last"
    with pytest.raises(TypeError, match="memory_format must be one of torch's formats"):
        nn.Linear(2, 2).to(memory_format="channels_last")


def test_torch_module_paths_and_sync_batch_norm():
    from nn.modules.batchnorm import _BatchNorm
    from nn.modules.utils import _pair
    assert isinstance(nn.BatchNorm1d(3), _BatchNorm) and _pair(3) == (3, 3)
    assert nn.modules.conv.Conv2d is nn.Conv2d and isinstance(nn.Conv2d(1, 1, 1),
                                                              nn.modules.conv._ConvNd)
    model = nn.Sequential(nn.BatchNorm2d(3))
    assert nn.SyncBatchNorm.convert_sync_batchnorm(model) is model
    sync, plain = nn.SyncBatchNorm(3), nn.BatchNorm2d(3)
    x = tg.randn(4, 3, 2, 2)
    np.testing.assert_array_equal(sync(x).numpy(), plain(x).numpy())
    assert sync(tg.randn(4, 3, 2, 2, 2)).shape == (4, 3, 2, 2, 2)


def test_weighted_loss_base_memory_format_factories_and_half_norms():
    from nn.modules.loss import _WeightedLoss

    class Focal(_WeightedLoss):
        def __init__(self, weight=None, reduction="mean"):
            super().__init__(weight, reduction=reduction)

    focal = Focal(tg.tensor([1.0, 2.0]))
    assert focal.reduction == "mean" and "weight" in dict(focal.named_buffers())
    legacy = nn.modules.loss._Loss(None, False)               # torch's reduce=False: 'none'
    assert legacy.reduction == "none" and nn.modules.dropout._DropoutNd is nn.Dropout
    x = tg.randn(2, 3)
    for like in (tg.zeros_like, tg.ones_like, tg.randn_like, tg.empty_like):
        assert like(x, memory_format=tg.preserve_format).shape == (2, 3)
    assert x.clone(memory_format=tg.contiguous_format).shape == (2, 3)
    stats = F.instance_norm(tg.randn(2, 3, 4), running_mean=tg.zeros(3, dtype=tg.float64),
                            running_var=tg.ones(3, dtype=tg.float64))
    assert stats.dtype == np.float32                      # (torch accepts such statistics)
    assert nn.BatchNorm1d(3)(tg.randn(4, 3).to(tg.float16)).shape == (4, 3)


# ------------------------------------------------- the recommender/time-series/tabular port
def test_optimizers_take_torchs_implementation_switches():
    for cls in (nn.optim.SGD, nn.optim.Adam, nn.optim.AdamW, nn.optim.RMSprop,
                nn.optim.Adagrad, nn.optim.NAdam, nn.optim.RAdam, nn.optim.Adamax):
        cls([nn.Parameter(tg.zeros(2))], lr=1e-3, foreach=False, fused=True, capturable=False)
    with pytest.raises(NotImplementedError, match="Adam: differentiable=True"):
        nn.optim.Adam([nn.Parameter(tg.zeros(2))], differentiable=True)


def test_embedding_bag_and_diff_check_their_shapes():
    weight, index = tg.ones(9, 3), tg.tensor(np.arange(8))
    with pytest.raises(ValueError, match=r"embedding_bag: per_sample_weights must have the "
                                         r"input's shape \(8,\), got \(1, 8\)"):
        F.embedding_bag(index, weight, tg.tensor([0, 3]), mode="sum",
                        per_sample_weights=tg.ones(1, 8))
    empty = F.embedding_bag(index, weight, tg.tensor([0]), mode="sum", include_last_offset=True)
    assert empty.shape == (0, 3)
    with pytest.raises(ValueError, match=r"diff: prepend/append of shape \(1, 3, 1\) must match "
                                         r"the input's shape \(1, 2, 6\) except along dim 2"):
        tg.diff(tg.zeros(1, 2, 6), dim=-1, prepend=tg.zeros(1, 3, 1))


def test_fourth_recheck_fixes():
    x16 = tg.randn(2, 3, 4).to(tg.float16)
    assert nn.BatchNorm1d(3)(x16).dtype == np.float16                # (as torch)
    assert F.layer_norm(x16, (4,), tg.ones(4), tg.zeros(4)).dtype == np.float16
    assert F.group_norm(x16, 3, tg.ones(3), tg.zeros(3)).dtype == np.float16
    evaluated = F.instance_norm(tg.randn(2, 3, 4), running_mean=tg.zeros(3, dtype=tg.float64),
                                running_var=tg.ones(3, dtype=tg.float64), use_input_stats=False)
    assert evaluated.dtype == np.float32

    class Mine(nn.optim.Optimizer):                         # a user's optimizer keeps its own
        def __init__(self, params, lr=0.1, foreach=None):   # keywords
            self.foreach = foreach
            super().__init__(params, dict(lr=lr))

    assert Mine([nn.Parameter(tg.zeros(1))], foreach=True).foreach is True
    weight = tg.randn(9, 3, requires_grad=True)
    empty = F.embedding_bag(tg.tensor(np.arange(4)), weight, tg.tensor([0]),
                            include_last_offset=True)
    empty.sum().backward()
    assert empty.shape == (0, 3) and np.array_equal(weight.grad.numpy(), np.zeros((9, 3)))
    assert tg.randint_like(tg.zeros(2), 5, memory_format=tg.preserve_format).shape == (2,)
