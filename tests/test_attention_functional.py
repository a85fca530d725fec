"""F.multi_head_attention_forward (nn/attention_functional.py): against the slow reference of
attention_reference.py (written from the equations), static_k/static_v, is_causal, dropout,
unbatched inputs, first and second derivatives by finite differences, errors; and (when
torch is importable) outputs, attention weights and the gradients of query, key, value,
every weight, the float masks and static_k/static_v against torch in float64."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from attention_reference import mha_reference, random_masks
from nn.attention import MultiheadAttention
from nn.attention_functional import multi_head_attention_forward
from tinygrad_edu import Tensor, gradcheck, gradgradcheck

RNG = np.random.default_rng(11)
OP = "multi_head_attention_forward"


def _module(E=4, H=2, **options):
    """A float64 MultiheadAttention with random (nonzero) biases, for its parameters."""
    m = MultiheadAttention(E, H, **options).double()
    for p in m.parameters():
        p.data[...] = RNG.standard_normal(p.shape)
    return m


def _params(m) -> dict:
    """The module's parameters as multi_head_attention_forward's arguments."""
    return dict(embed_dim_to_check=m.embed_dim, num_heads=m.num_heads,
                in_proj_weight=m.in_proj_weight, in_proj_bias=m.in_proj_bias, bias_k=m.bias_k,
                bias_v=m.bias_v, add_zero_attn=m.add_zero_attn, dropout_p=0.0,
                out_proj_weight=m.out_proj.weight, out_proj_bias=m.out_proj.bias,
                use_separate_proj_weight=not m._qkv_same_embed_dim,
                q_proj_weight=m.q_proj_weight, k_proj_weight=m.k_proj_weight,
                v_proj_weight=m.v_proj_weight)


def _as_tensor(a):
    return None if a is None else Tensor(a)


# ------------------------------------------------------------------ the slow reference
REFERENCE_CASES = {
    "plain": (dict(), dict()),
    "no bias": (dict(bias=False), dict()),
    "kdim, vdim (separate weights)": (dict(kdim=3, vdim=5), dict(mask="bool")),
    "bias_kv, zero_attn, padding": (dict(add_bias_kv=True, add_zero_attn=True),
                                    dict(kpm="bool")),
    "float 3-D mask, float padding": (dict(), dict(mask="float3", kpm="float")),
    "one head, head_dim 1": (dict(E=1, H=1), dict(mask="bool")),
    "head_dim 1": (dict(E=3, H=3), dict(kpm="bool")),
    "need_weights=False": (dict(add_zero_attn=True), dict(mask="float", need_weights=False)),
}


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")    # a fully masked row: nan
@pytest.mark.parametrize("name", REFERENCE_CASES)
def test_matches_slow_reference(name):
    options, call = REFERENCE_CASES[name]
    options = dict(options)
    m = _module(options.pop("E", 4), options.pop("H", 2), **options)
    L, S, N = 3, 4, 2
    query, key, value = (RNG.standard_normal((n, N, d))
                         for n, d in ((L, m.embed_dim), (S, m.kdim), (S, m.vdim)))
    mask, kpm = random_masks(RNG, call.get("mask"), call.get("kpm"), L, S, N, m.num_heads)
    need_weights = call.get("need_weights", True)
    out, weights = multi_head_attention_forward(
        Tensor(query), Tensor(key), Tensor(value), **_params(m),
        key_padding_mask=_as_tensor(kpm), attn_mask=_as_tensor(mask),
        need_weights=need_weights, average_attn_weights=False)
    expected, expected_weights = mha_reference(m, query, key, value, mask, kpm, need_weights)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-13)
    if need_weights:
        np.testing.assert_allclose(weights.numpy(), expected_weights, rtol=1e-12, atol=1e-14)
        _, averaged = multi_head_attention_forward(
            Tensor(query), Tensor(key), Tensor(value), **_params(m),
            key_padding_mask=_as_tensor(kpm), attn_mask=_as_tensor(mask))
        np.testing.assert_allclose(averaged.numpy(), expected_weights.mean(1), rtol=1e-12)
    else:
        assert weights is None


def test_agrees_with_the_module():
    m = _module(add_bias_kv=True, kdim=3, vdim=2)
    query, key, value = (RNG.standard_normal(s) for s in ((3, 2, 4), (5, 2, 3), (5, 2, 2)))
    mask = RNG.random((2 * 2, 3, 5)) < 0.3
    out, weights = multi_head_attention_forward(Tensor(query), Tensor(key), Tensor(value),
                                                **_params(m), attn_mask=Tensor(mask))
    expected, expected_weights = m(Tensor(query), Tensor(key), Tensor(value),
                                   attn_mask=Tensor(mask))
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-13)
    np.testing.assert_allclose(weights.numpy(), expected_weights.numpy(), rtol=1e-13)
    assert weights.shape == (2, 3, 6)                 # S + the bias key


def test_unbatched_is_batched_with_one_sequence():
    m = _module(add_zero_attn=True)
    query, key, value = (RNG.standard_normal(s) for s in ((3, 4), (2, 4), (2, 4)))
    kpm = np.array([0.0, -np.inf])
    mask = RNG.standard_normal((2, 3, 2))             # (num_heads, L, S) when unbatched
    for average, shape in ((True, (3, 3)), (False, (2, 3, 3))):
        out, weights = multi_head_attention_forward(
            Tensor(query), Tensor(key), Tensor(value), **_params(m), key_padding_mask=Tensor(kpm),
            attn_mask=Tensor(mask), average_attn_weights=average)
        batched = multi_head_attention_forward(
            *(Tensor(x[:, None]) for x in (query, key, value)), **_params(m),
            key_padding_mask=Tensor(kpm[None]), attn_mask=Tensor(mask),
            average_attn_weights=average)
        assert out.shape == (3, 4) and weights.shape == shape
        np.testing.assert_allclose(out.numpy(), batched[0].numpy()[:, 0], rtol=1e-14)
        np.testing.assert_allclose(weights.numpy(), batched[1].numpy()[0], rtol=1e-14)
        assert weights.numpy()[..., 1].max() == 0     # the padded key


def _static(m, x, weight_rows, bias_rows, N):
    """x projected as the module does, then split into heads: (N * H, S, head_dim)."""
    W, b = m.in_proj_weight.numpy()[weight_rows], m.in_proj_bias.numpy()[bias_rows]
    projected = x @ W.T + b                                       # (S, N, E)
    return projected.reshape(len(x), N * m.num_heads, m.head_dim).transpose(1, 0, 2)


def test_static_k_and_v_are_the_projected_heads():
    """Passing the projected key and value, split into heads, as static_k and static_v
    gives the same result; the key and value passed are then not used."""
    m = _module(add_zero_attn=True)
    N = 2
    query, key, value = (RNG.standard_normal(s) for s in ((3, N, 4), (5, N, 4), (5, N, 4)))
    static_k = _static(m, key, slice(4, 8), slice(4, 8), N)
    static_v = _static(m, value, slice(8, 12), slice(8, 12), N)
    kpm = RNG.random((N, 5)) < 0.3
    expected = multi_head_attention_forward(Tensor(query), Tensor(key), Tensor(value),
                                            **_params(m), key_padding_mask=Tensor(kpm))
    ignored = Tensor(np.zeros((5, N, 4)))
    for k, v, sk, sv in ((ignored, value, static_k, None), (key, ignored, None, static_v),
                         (ignored, ignored, static_k, static_v)):
        out, weights = multi_head_attention_forward(
            Tensor(query), _as_tensor(k), _as_tensor(v), **_params(m),
            key_padding_mask=Tensor(kpm), static_k=_as_tensor(sk), static_v=_as_tensor(sv))
        np.testing.assert_allclose(out.numpy(), expected[0].numpy(), rtol=1e-12)
        np.testing.assert_allclose(weights.numpy(), expected[1].numpy(), rtol=1e-12)
    # more static keys than key rows: S is static_k's length, for the masks too
    longer = RNG.standard_normal((N * 2, 7, 2))
    out, weights = multi_head_attention_forward(
        Tensor(query), Tensor(key), Tensor(value), **_params(m), static_k=Tensor(longer),
        static_v=Tensor(longer), key_padding_mask=Tensor(np.zeros((N, 7), bool)))
    assert out.shape == (3, N, 4) and weights.shape == (N, 3, 8)


def test_is_causal_replaces_the_mask_only_without_weights_and_padding():
    m = _module()
    x = Tensor(RNG.standard_normal((3, 2, 4)))
    causal = np.triu(np.ones((3, 3), bool), 1)
    zeros = Tensor(np.zeros((3, 3), bool))                     # a wrong hint, on purpose
    expected = multi_head_attention_forward(x, x, x, **_params(m), attn_mask=Tensor(causal))
    unmasked = multi_head_attention_forward(x, x, x, **_params(m))
    hinted = multi_head_attention_forward(x, x, x, **_params(m), attn_mask=zeros,
                                          need_weights=False, is_causal=True)
    np.testing.assert_allclose(hinted[0].numpy(), expected[0].numpy(), rtol=1e-13)
    assert hinted[1] is None
    for kwargs in (dict(need_weights=True), dict(key_padding_mask=Tensor(np.zeros((2, 3),
                                                                                   bool)))):
        kept = multi_head_attention_forward(x, x, x, **_params(m), attn_mask=zeros,
                                            is_causal=True, **kwargs)
        np.testing.assert_allclose(kept[0].numpy(), unmasked[0].numpy(), rtol=1e-13)
    assert not np.allclose(expected[0].numpy(), unmasked[0].numpy())


def test_fully_masked_query_nan_with_weights_zero_without():
    m = _module()
    x = Tensor(RNG.standard_normal((2, 2, 4)))
    kpm = Tensor(np.array([[False, False], [True, True]]))
    with np.errstate(invalid="ignore"):
        out, weights = multi_head_attention_forward(x, x, x, **_params(m), key_padding_mask=kpm)
    assert np.isnan(out.numpy()[:, 1]).all() and np.isnan(weights.numpy()[1]).all()
    assert np.isfinite(out.numpy()[:, 0]).all()
    out, _ = multi_head_attention_forward(x, x, x, **_params(m), key_padding_mask=kpm,
                                          need_weights=False)
    np.testing.assert_array_equal(out.numpy()[:, 1], np.broadcast_to(m.out_proj.bias.numpy(),
                                                                     (2, 4)))


def test_dropout_only_when_training():
    m = _module()
    x = Tensor(RNG.standard_normal((4, 2, 4)))
    params = dict(_params(m), dropout_p=0.5)
    plain = multi_head_attention_forward(x, x, x, **params, training=False,
                                         average_attn_weights=False)
    tg.manual_seed(3)
    out, weights = multi_head_attention_forward(x, x, x, **params, average_attn_weights=False)
    tg.manual_seed(3)
    again = multi_head_attention_forward(x, x, x, **params)[0]
    np.testing.assert_array_equal(again.numpy(), out.numpy())           # seeded
    kept = weights.numpy() != 0
    assert 0.2 < kept.mean() < 0.8
    np.testing.assert_allclose(weights.numpy()[kept], 2 * plain[1].numpy()[kept], rtol=1e-14)
    assert not np.allclose(out.numpy(), plain[0].numpy())
    # an invalid p is ignored when not training, as torch
    multi_head_attention_forward(x, x, x, **dict(params, dropout_p=2.0), training=False)


# ------------------------------------------------------------------ derivatives
GRAD_CASES = {
    "self-attention": dict(self_attention=True),
    "separate weights, float mask and padding": dict(kdim=3, vdim=1, mask=True, kpm=True),
    "bias_kv, zero_attn": dict(add_bias_kv=True, add_zero_attn=True),
    "static_k, static_v, unbatched": dict(static=True, unbatched=True),
    "L = S = 1, one head": dict(L=1, S=1, H=1),
}


@pytest.mark.parametrize("name", GRAD_CASES)
def test_first_and_second_derivatives(name):
    case = GRAD_CASES[name]
    m = _module(4, case.get("H", 2), **{k: case[k] for k in ("kdim", "vdim", "add_bias_kv",
                                                              "add_zero_attn") if k in case})
    L, S, N = case.get("L", 2), case.get("S", 2), 1
    batch = () if case.get("unbatched") else (N,)

    def leaf(*shape):
        return Tensor(RNG.standard_normal(shape), requires_grad=True)
    inputs = [leaf(L, *batch, 4)] if case.get("self_attention") else [
        leaf(L, *batch, 4), leaf(S, *batch, m.kdim), leaf(S, *batch, m.vdim)]
    extras = {}
    if case.get("mask"):
        extras["attn_mask"] = leaf(L, S)
    if case.get("kpm"):
        extras["key_padding_mask"] = leaf(*batch, S)
    if case.get("static"):
        extras["static_k"], extras["static_v"] = leaf(N * 2, 3, 2), leaf(N * 2, 3, 2)
    names = list(extras)

    def f(*args):                     # the parameters, when passed, are perturbed in place
        query, key, value = args[:1] * 3 if len(inputs) == 1 else args[:3]
        given = dict(zip(names, args[len(inputs):len(inputs) + len(names)]))
        return multi_head_attention_forward(query, key, value, **_params(m), **given,
                                            average_attn_weights=False)
    assert gradcheck(f, inputs + list(extras.values()) + list(m.parameters()))
    assert gradgradcheck(f, inputs + list(extras.values()))


# ------------------------------------------------------------------ errors
def _error_call(**change):
    """Arguments of a valid call (L=3, N=2, S=3, E=4, two heads), changed."""
    m = _module()
    kwargs = dict(query=Tensor(np.ones((3, 2, 4))), key=Tensor(np.ones((3, 2, 4))),
                  value=Tensor(np.ones((3, 2, 4))), **_params(m))
    for name, value in change.items():
        kwargs[name] = Tensor(value) if isinstance(value, np.ndarray) else value
    return kwargs


def _ones(*shape, dtype=np.float64):
    return np.ones(shape, dtype)


@pytest.mark.parametrize("change,error,match", [
    (dict(query=_ones(3, 2, 4, 1)), ValueError, "query must be unbatched 2-D"),
    (dict(key=_ones(3, 4)), ValueError, "key and value must be 3-D"),
    (dict(query=_ones(3, 2, 5)), ValueError, r"shapes \(L, N, E\), \(S, N, kdim\), "
     r"\(S, N, vdim\) with E=4, kdim=4, vdim=4, got \(3, 2, 5\)"),
    (dict(value=_ones(4, 2, 4)), ValueError, r"got \(3, 2, 4\), \(3, 2, 4\) and \(4, 2, 4\)"),
    (dict(embed_dim_to_check=6), ValueError, r"with E=6, kdim=6, vdim=6, got \(3, 2, 4\)"),
    (dict(num_heads=3), ValueError, r"embed_dim_to_check \(4\) must be a positive multiple of "
     r"num_heads \(3\)"),
    (dict(num_heads=0), ValueError, r"positive multiple of num_heads \(0\)"),
    (dict(in_proj_weight=None), ValueError, "in_proj_weight is None"),
    (dict(in_proj_weight=_ones(12, 3)), ValueError,
     r"in_proj_weight must have shape \(3E, E\) = \(12, 4\), got \(12, 3\)"),
    (dict(in_proj_bias=_ones(4)), ValueError, r"in_proj_bias must have shape \(3E,\) = \(12,\)"),
    (dict(use_separate_proj_weight=True), ValueError, "needs q_proj_weight, k_proj_weight"),
    (dict(use_separate_proj_weight=True, q_proj_weight=_ones(4, 4),
          k_proj_weight=_ones(4, 3), v_proj_weight=_ones(4, 4)), ValueError,
     r"k_proj_weight must have shape \(E, kdim\) = \(4, 4\), got \(4, 3\)"),
    (dict(bias_k=_ones(1, 1, 4)), ValueError, "give both bias_k and bias_v or neither, got "
     "only bias_k"),
    (dict(bias_k=_ones(4), bias_v=_ones(4)), ValueError, r"bias_k must have shape \(1, 1, E\)"),
    (dict(bias_k=_ones(1, 1, 4), bias_v=_ones(1, 1, 4), static_k=_ones(4, 3, 2)), ValueError,
     "cannot be appended to static_k"),
    (dict(out_proj_weight=_ones(4, 3)), ValueError,
     r"out_proj_weight must have shape \(E_out, E\) = \(4, 4\), got \(4, 3\)"),
    (dict(out_proj_bias=_ones(5)), ValueError, r"out_proj_bias must have shape \(E_out,\) = "
     r"\(4,\)"),
    (dict(static_k=_ones(2, 3, 2)), ValueError, r"static_k must have shape \(N \* num_heads, "
     r"S, head_dim\) = \(4, S, 2\), got \(2, 3, 2\)"),
    (dict(static_v=_ones(4, 3, 1)), ValueError, r"static_v must have shape .* got \(4, 3, 1\)"),
    (dict(static_k=_ones(4, 5, 2)), ValueError, "got 5 keys and 3 values"),
    (dict(attn_mask=_ones(4, 4, dtype=bool)), ValueError, r"attn_mask must have shape \(L, S\)"),
    (dict(attn_mask=_ones(2, 3, 3, dtype=bool)), ValueError, r"\(N \* num_heads, L, S\) = "
     r"\(4, 3, 3\)"),
    (dict(attn_mask=_ones(3, dtype=bool)), ValueError, "attn_mask must be 2-D"),
    (dict(key_padding_mask=_ones(2, 4, dtype=bool)), ValueError,
     r"key_padding_mask must have shape \(N, S\) = \(2, 3\)"),
    (dict(key_padding_mask=_ones(3, dtype=bool)), ValueError, "key_padding_mask must be 2-D"),
    (dict(attn_mask=np.zeros((3, 3), np.int64)), TypeError, "attn_mask must be bool or float"),
    (dict(attn_mask=np.zeros((3, 3), np.float32)), TypeError,
     "query's dtype float64, got float32"),
    (dict(is_causal=True), RuntimeError, "is_causal=True .* needs attn_mask"),
    (dict(dropout_p=1.5), ValueError, "dropout_p must be between 0 and 1, got 1.5"),
    (dict(query=np.ones((3, 2, 4), np.int64)), TypeError, "expected a floating point input"),
])
def test_errors_name_the_function_and_shapes(change, error, match):
    with pytest.raises(error, match=match) as info:
        multi_head_attention_forward(**_error_call(**change))
    assert str(info.value).startswith(f"{OP}: ")


def test_mixed_mask_types_warn():
    with pytest.warns(UserWarning, match=f"{OP}: a bool key_padding_mask with a float "
                                         "attn_mask .* deprecated"):
        multi_head_attention_forward(**_error_call(key_padding_mask=np.zeros((2, 3), bool),
                                                   attn_mask=np.zeros((3, 3))))


# ------------------------------------------------------------------ against torch
def _random_config(rng) -> tuple[dict, dict]:
    """(arrays, flags): the numpy arguments of one random call and its other arguments."""
    H, head_dim = (int(n) for n in rng.integers(1, 4, size=2))
    E = H * head_dim
    L, S, N = (int(n) for n in rng.integers(1, 4, size=3))
    batched = rng.random() < 0.8
    separate = rng.random() < 0.3
    statics = [] if rng.random() < 0.6 else [["static_k"], ["static_v"],
                                             ["static_k", "static_v"]][rng.integers(3)]
    bias_kv = not statics and rng.random() < 0.3
    kdim, vdim = (int(n) for n in rng.integers(1, 5, size=2)) if separate else (E, E)
    out_features = E if rng.random() < 0.8 else int(rng.integers(1, 5))

    def seq(length, width):
        return (length, N, width) if batched else (length, width)
    arrays = dict(query=rng.standard_normal(seq(L, E)), key=rng.standard_normal(seq(S, kdim)),
                  value=rng.standard_normal(seq(S, vdim)),
                  out_proj_weight=rng.standard_normal((out_features, E)))
    if separate:
        arrays.update(q_proj_weight=rng.standard_normal((E, E)),
                      k_proj_weight=rng.standard_normal((E, kdim)),
                      v_proj_weight=rng.standard_normal((E, vdim)))
    else:
        arrays["in_proj_weight"] = rng.standard_normal((3 * E, E))
    if rng.random() < 0.7:
        arrays["in_proj_bias"] = rng.standard_normal(3 * E)
        arrays["out_proj_bias"] = rng.standard_normal(out_features)
    if bias_kv:
        arrays["bias_k"], arrays["bias_v"] = rng.standard_normal((2, 1, 1, E))
    batch = N if batched else 1
    for name in statics:
        arrays[name] = rng.standard_normal((batch * H, S, head_dim))
    pick = rng.integers(5)            # attn_mask: none, bool or float, (L, S) or (N * H, L, S)
    if pick:
        shape = (L, S) if pick < 3 else (batch * H, L, S)
        arrays["attn_mask"] = (rng.random(shape) < 0.25 if pick % 2 else
                               np.where(rng.random(shape) < 0.2, -np.inf,
                                        rng.standard_normal(shape)))
    if rng.random() < 0.4:
        shape = (N, S) if batched else (S,)
        arrays["key_padding_mask"] = (rng.random(shape) < 0.25 if rng.random() < 0.6 else
                                      rng.standard_normal(shape))
    flags = dict(embed_dim_to_check=E, num_heads=H, add_zero_attn=bool(rng.random() < 0.3),
                 dropout_p=float(rng.choice([0.0, 0.5])), need_weights=bool(rng.random() < 0.6),
                 average_attn_weights=bool(rng.random() < 0.5),
                 use_separate_proj_weight=separate,
                 self_attention=not separate and L == S and rng.random() < 0.3,
                 is_causal="attn_mask" in arrays and rng.random() < 0.3)
    flags["training"] = flags["dropout_p"] == 0.0 and rng.random() < 0.5   # (no dropout run)
    return arrays, flags


def _call(fn, make, arrays, flags):
    """fn(**arguments) with the arrays made Tensors by `make`; also returns the Tensors that
    take a gradient (float arrays; query alone for self-attention)."""
    made = {name: make(a) for name, a in arrays.items()}
    flags = dict(flags)
    if flags.pop("self_attention"):
        made["key"] = made["value"] = made["query"]
    kwargs = {name: None for name in ("in_proj_weight", "in_proj_bias", "bias_k", "bias_v",
                                      "out_proj_bias")}
    out, weights = fn(**kwargs | made | flags)
    unused = {name for name in ("key", "value", "k_proj_weight", "v_proj_weight")
              if f"static_{name[0]}" in made}              # static_k replaces key @ W_k^T
    if made["key"] is made["query"]:
        unused |= {"key", "value"}
    if flags["is_causal"] and not flags["need_weights"] and "key_padding_mask" not in made:
        unused.add("attn_mask")                       # the causal mask replaces it
    wrt = [x for name, x in made.items() if arrays[name].dtype != bool and name not in unused]
    return out, weights, wrt


def test_matches_torch_on_random_configurations():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2024)
    compared, worst = 0, 0.0
    for trial in range(160):
        arrays, flags = _random_config(rng)
        with warnings.catch_warnings(), np.errstate(invalid="ignore"):
            warnings.simplefilter("ignore")           # the mixed-mask deprecation
            out, weights, ours = _call(multi_head_attention_forward,
                                       lambda a: Tensor(a, requires_grad=a.dtype != bool),
                                       arrays, flags)
            expected, expected_weights, theirs = _call(
                torch.nn.functional.multi_head_attention_forward,
                lambda a: torch.tensor(a, requires_grad=a.dtype != bool), arrays, flags)
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=0, atol=1e-11)
        if flags["need_weights"]:
            np.testing.assert_allclose(weights.numpy(), expected_weights.detach().numpy(),
                                       rtol=0, atol=1e-13)
        else:
            assert weights is None and expected_weights is None
        if np.isnan(out.numpy()).any():
            continue                                  # (a fully masked query: nan)
        worst = max(worst, np.abs(out.numpy() - expected.detach().numpy()).max())
        loss = (out * Tensor(direction := rng.standard_normal(out.shape))).sum()
        expected_loss = (expected * torch.tensor(direction)).sum()
        if weights is not None:
            loss = loss + (weights * Tensor(direction := rng.standard_normal(weights.shape))).sum()
            expected_loss = expected_loss + (expected_weights * torch.tensor(direction)).sum()
        grads = tg.grad(loss, ours)
        expected_grads = torch.autograd.grad(expected_loss, theirs)
        assert len(grads) == len(expected_grads) >= 4
        for g, e in zip(grads, expected_grads):
            np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=0, atol=1e-10)
            worst = max(worst, np.abs(g.numpy() - e.numpy()).max())
        compared += 1
    assert compared >= 120 and worst < 1e-10
