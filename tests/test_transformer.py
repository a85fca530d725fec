"""nn/transformer.py: the encoder and decoder layers, their stacks and nn.Transformer against
numpy references written from the equations (tests/attention_reference.py), first and second
derivatives, state_dict keys, deep copies, init, masks, dropout, errors; and (when torch is
importable) outputs and every gradient against torch in float64 on random configurations."""
from __future__ import annotations

import math

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from attention_reference import layer_norm, mha_reference
from nn.transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,
                            TransformerEncoder, TransformerEncoderLayer)
from tinygrad_edu import Tensor, gradcheck, gradgradcheck

RNG = np.random.default_rng(11)

ATTENTION_KEYS = ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
FEED_FORWARD_KEYS = ["linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias"]
NORM_KEYS = ["weight", "bias"]
ENCODER_LAYER_KEYS = ([f"self_attn.{k}" for k in ATTENTION_KEYS] + FEED_FORWARD_KEYS
                      + [f"norm{i}.{k}" for i in (1, 2) for k in NORM_KEYS])
DECODER_LAYER_KEYS = ([f"{a}.{k}" for a in ("self_attn", "multihead_attn") for k in ATTENTION_KEYS]
                      + FEED_FORWARD_KEYS + [f"norm{i}.{k}" for i in (1, 2, 3) for k in NORM_KEYS])


# ------------------------------------------------------------------ numpy references
ACTIVATIONS = {"relu": lambda x: np.maximum(x, 0),
               "gelu": lambda x: x / 2 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))}


def linear(x, layer):
    out = x @ layer.weight.numpy().T
    return out if layer.bias is None else out + layer.bias.numpy()


def layer_reference(layer, x, memory=None, activation="relu", self_masks=(None, None),
                    memory_masks=(None, None)):
    """One layer on sequence-first x (T, N, E): the sub-blocks self-attention,
    [attention to memory,] feed-forward, each post-norm norm(x + f(x)) or pre-norm
    x + f(norm(x)). Masks: (attn_mask, key_padding_mask) as numpy."""
    blocks = [lambda y: mha_reference(layer.self_attn, y, y, y, *self_masks,
                                      need_weights=False)[0]]
    if memory is not None:
        blocks.append(lambda y: mha_reference(layer.multihead_attn, y, memory, memory,
                                              *memory_masks, need_weights=False)[0])
    blocks.append(lambda y: linear(ACTIVATIONS[activation](linear(y, layer.linear1)),
                                   layer.linear2))
    for i, block in enumerate(blocks, 1):
        norm = getattr(layer, f"norm{i}")
        x = x + block(layer_norm(x, norm)) if layer.norm_first else layer_norm(x + block(x), norm)
    return x


def causal(n):
    return Transformer.generate_square_subsequent_mask(n, dtype=tg.float64).numpy()


def _t(a):
    return None if a is None else Tensor(a)


# ------------------------------------------------------------------ structure
@pytest.mark.parametrize("build,expected", [
    (lambda: TransformerEncoderLayer(4, 2, 8), ENCODER_LAYER_KEYS),
    (lambda: TransformerEncoderLayer(4, 2, 8, bias=False),
     [k for k in ENCODER_LAYER_KEYS if "bias" not in k]),
    (lambda: TransformerDecoderLayer(4, 2, 8), DECODER_LAYER_KEYS),
    (lambda: TransformerEncoder(TransformerEncoderLayer(4, 2, 8), 2, nn.LayerNorm(4)),
     [f"layers.{i}.{k}" for i in (0, 1) for k in ENCODER_LAYER_KEYS] + ["norm.weight",
                                                                        "norm.bias"]),
    (lambda: TransformerDecoder(TransformerDecoderLayer(4, 2, 8), 1),
     [f"layers.0.{k}" for k in DECODER_LAYER_KEYS]),
    (lambda: Transformer(4, 2, 2, 1, 8),
     [f"encoder.layers.{i}.{k}" for i in (0, 1) for k in ENCODER_LAYER_KEYS]
     + ["encoder.norm.weight", "encoder.norm.bias"]
     + [f"decoder.layers.0.{k}" for k in DECODER_LAYER_KEYS]
     + ["decoder.norm.weight", "decoder.norm.bias"]),
])
def test_state_dict_keys_are_torchs(build, expected):
    model = build()
    assert list(model.state_dict()) == expected
    assert [name for name, _ in model.named_parameters()] == expected


def test_encoder_layer_repr_and_shapes():
    layer = TransformerEncoderLayer(4, 2, 8)
    assert repr(layer) == """TransformerEncoderLayer(
  (self_attn): MultiheadAttention(
    (out_proj): NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=True)
  )
  (linear1): Linear(in_features=4, out_features=8, bias=True)
  (dropout): Dropout(p=0.1, inplace=False)
  (linear2): Linear(in_features=8, out_features=4, bias=True)
  (norm1): LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)
  (norm2): LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)
  (dropout1): Dropout(p=0.1, inplace=False)
  (dropout2): Dropout(p=0.1, inplace=False)
)"""
    assert layer.linear1.weight.shape == (8, 4) and layer.norm2.eps == 1e-5
    assert layer.activation is nn.functional.relu and layer.norm_first is False


def test_stacks_hold_deep_copies_and_transformer_redraws_them():
    layer = TransformerEncoderLayer(4, 2, 8)
    stack = TransformerEncoder(layer, 3)
    layers = list(stack.layers)
    assert all(copy is not layer for copy in layers) and len({id(c) for c in layers}) == 3
    for copy in layers[1:]:
        for (_, a), (_, b) in zip(copy.named_parameters(), layers[0].named_parameters()):
            assert a is not b and np.array_equal(a.numpy(), b.numpy())
    with tg.no_grad():
        layers[0].linear1.weight.mul_(2)
    assert not np.array_equal(layers[0].linear1.weight.numpy(), layers[1].linear1.weight.numpy())
    model = Transformer(8, 2, 2, 2, 16)
    first, second = model.encoder.layers
    assert not np.array_equal(first.linear1.weight.numpy(), second.linear1.weight.numpy())
    for name, p in model.named_parameters():
        if p.ndim > 1:                                   # xavier_uniform_ on every matrix
            assert np.abs(p.numpy()).max() <= math.sqrt(6 / sum(p.shape)), name
    assert not model.encoder.layers[0].self_attn.in_proj_bias.numpy().any()


def test_generate_square_subsequent_mask():
    mask = Transformer.generate_square_subsequent_mask(3)
    inf = -np.inf
    np.testing.assert_array_equal(mask.numpy(), [[0, inf, inf], [0, 0, inf], [0, 0, 0]])
    assert mask.dtype == np.float32 and not mask.requires_grad
    assert Transformer.generate_square_subsequent_mask(2, dtype=tg.float64).dtype == np.float64
    assert Transformer.generate_square_subsequent_mask(0).shape == (0, 0)


# ------------------------------------------------------------------ values
@pytest.mark.parametrize("activation,norm_first,masks", [
    ("relu", False, "none"), ("gelu", True, "bool"), ("relu", True, "float"),
])
def test_encoder_layer_matches_reference(activation, norm_first, masks):
    layer = TransformerEncoderLayer(4, 2, 6, dropout=0.0, activation=activation,
                                    norm_first=norm_first).double()
    x = RNG.standard_normal((3, 2, 4))
    mask = kpm = None
    if masks == "bool":
        mask, kpm = RNG.random((3, 3)) < 0.3, np.array([[False] * 3, [False, True, True]])
    elif masks == "float":
        mask, kpm = causal(3), RNG.standard_normal((2, 3))
    out = layer(Tensor(x), _t(mask), _t(kpm))
    expected = layer_reference(layer, x, activation=activation, self_masks=(mask, kpm))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-11, atol=1e-13)


def test_decoder_layer_and_stacks_match_reference():
    src, tgt = RNG.standard_normal((4, 2, 4)), RNG.standard_normal((3, 2, 4))
    memory_kpm = np.array([[False] * 4, [False, False, True, True]])
    model = Transformer(4, 2, 2, 2, 6, dropout=0.0, activation="gelu").double()
    out = model(Tensor(src), Tensor(tgt), tgt_mask=Tensor(causal(3)),
                memory_key_padding_mask=Tensor(memory_kpm))
    memory = src
    for layer in model.encoder.layers:
        memory = layer_reference(layer, memory, activation="gelu")
    memory = layer_norm(memory, model.encoder.norm)
    expected = tgt
    for layer in model.decoder.layers:
        expected = layer_reference(layer, expected, memory, "gelu", (causal(3), None),
                                   (None, memory_kpm))
    expected = layer_norm(expected, model.decoder.norm)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-11, atol=1e-13)


def test_batch_first_and_unbatched_agree():
    layer = TransformerDecoderLayer(4, 2, 6, dropout=0.0).double()
    tgt, memory = RNG.standard_normal((3, 2, 4)), RNG.standard_normal((5, 2, 4))
    out = layer(Tensor(tgt), Tensor(memory), tgt_mask=Tensor(causal(3)))
    for attention in (layer.self_attn, layer.multihead_attn):
        attention.batch_first = True
    first = layer(Tensor(tgt.transpose(1, 0, 2)), Tensor(memory.transpose(1, 0, 2)),
                  tgt_mask=Tensor(causal(3)))
    np.testing.assert_allclose(first.numpy(), out.numpy().transpose(1, 0, 2), rtol=1e-13)
    single = layer(Tensor(tgt[:, 1]), Tensor(memory[:, 1]), tgt_mask=Tensor(causal(3)))
    np.testing.assert_allclose(single.numpy(), out.numpy()[:, 1], rtol=1e-12, atol=1e-14)


def test_fully_padded_sequence_stays_finite():
    layer = TransformerEncoderLayer(4, 2, 6, dropout=0.0).double()
    x, kpm = RNG.standard_normal((3, 2, 4)), np.array([[False] * 3, [True] * 3])
    out = layer(Tensor(x), src_key_padding_mask=Tensor(kpm))
    assert np.isfinite(out.numpy()).all()        # attention gives 0 there, as torch
    np.testing.assert_allclose(out.numpy(), layer_reference(layer, x, self_masks=(None, kpm)),
                               rtol=1e-11, atol=1e-13)


def test_activation_options():
    tanh = TransformerEncoderLayer(4, 2, 6, dropout=0.0, activation=lambda x: x.tanh()).double()
    x = RNG.standard_normal((2, 1, 4))
    ACTIVATIONS["tanh"] = np.tanh
    np.testing.assert_allclose(tanh(Tensor(x)).numpy(),
                               layer_reference(tanh, x, activation="tanh"), rtol=1e-11)
    del ACTIVATIONS["tanh"]
    module = TransformerEncoderLayer(4, 2, 6, activation=nn.GELU())
    assert [name for name, _ in module.named_children()][-1] == "activation"  # a child, as torch
    assert list(module.state_dict()) == ENCODER_LAYER_KEYS
    assert TransformerDecoderLayer(4, 2, activation="gelu").activation is nn.functional.gelu
    with pytest.raises(ValueError, match="TransformerEncoderLayer: activation should be 'relu', "
                                         "'gelu' or a callable, got 'tanh'"):
        TransformerEncoderLayer(4, 2, activation="tanh")


def test_dropout_only_when_training():
    layer = TransformerEncoderLayer(4, 2, 6, dropout=0.5).double()
    x = Tensor(RNG.standard_normal((3, 2, 4)))
    layer.eval()
    np.testing.assert_allclose(layer(x).numpy(), layer_reference(layer, x.numpy()), rtol=1e-11)
    layer.train()
    tg.manual_seed(2)
    first = layer(x).numpy()
    tg.manual_seed(2)
    np.testing.assert_array_equal(layer(x).numpy(), first)
    assert not np.allclose(first, layer_reference(layer, x.numpy()))


@pytest.mark.parametrize("norm_first", [False, True])
def test_layers_first_and_second_derivatives(norm_first):
    options = dict(dim_feedforward=3, dropout=0.0, activation="gelu", norm_first=norm_first)
    encoder = TransformerEncoderLayer(4, 2, **options).double()
    src = Tensor(RNG.standard_normal((2, 1, 4)), requires_grad=True)
    mask = Tensor(causal(2))
    f = (lambda src, *params: encoder(src, mask))        # the parameters: perturbed in place
    assert gradcheck(f, [src, *encoder.parameters()])
    assert gradgradcheck(f, [src])
    decoder = TransformerDecoderLayer(2, 1, **options).double()
    tgt = Tensor(RNG.standard_normal((2, 2)), requires_grad=True)        # unbatched
    memory = Tensor(RNG.standard_normal((3, 2)), requires_grad=True)
    g = (lambda tgt, memory, *params: decoder(tgt, memory, mask))
    assert gradcheck(g, [tgt, memory, *decoder.parameters()])
    assert gradgradcheck(g, [tgt, memory])


def test_errors_name_the_module():
    model = Transformer(4, 2, 1, 1, 6)
    x = Tensor(np.ones((3, 2, 4), np.float32))
    with pytest.raises(ValueError, match=r"Transformer: the batch sizes of src \(3, 2, 4\) and "
                                         r"tgt \(3, 1, 4\)"):
        model(x, Tensor(np.ones((3, 1, 4), np.float32)))
    with pytest.raises(ValueError, match="d_model=4"):
        model(x, Tensor(np.ones((3, 2, 5), np.float32)))
    with pytest.raises(RuntimeError, match="needs attn_mask"):
        model.encoder(x, is_causal=True)
    with pytest.raises(ValueError, match="MultiheadAttention: expected query"):
        TransformerEncoderLayer(6, 2)(x)


# ------------------------------------------------------------------ against torch
def _torch_pair(torch, rng, kind):
    heads = int(rng.integers(1, 3))
    E = heads * int(rng.integers(1, 3))
    options = dict(dim_feedforward=int(rng.integers(1, 5)), dropout=0.0,
                   activation=["relu", "gelu"][int(rng.integers(2))],
                   batch_first=bool(rng.random() < 0.5), norm_first=bool(rng.random() < 0.5),
                   bias=bool(rng.random() < 0.7))
    if kind == "encoder":
        pair = [lib.TransformerEncoder(lib.TransformerEncoderLayer(E, heads, **options), 2,
                                       lib.LayerNorm(E, bias=options["bias"]))
                for lib in (torch.nn, nn.transformer)]
    elif kind == "decoder":
        pair = [lib.TransformerDecoder(lib.TransformerDecoderLayer(E, heads, **options), 2)
                for lib in (torch.nn, nn.transformer)]
    else:
        pair = [lib.Transformer(E, heads, 1, 2, **options) for lib in (torch.nn, nn.transformer)]
    theirs, ours = (m.double() for m in pair)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return theirs, ours, E, options["batch_first"]


@pytest.mark.filterwarnings("ignore:enable_nested_tensor:UserWarning")   # torch's fast path
@pytest.mark.filterwarnings("ignore:.*mismatched:UserWarning")           # bool padding, float
@pytest.mark.filterwarnings("ignore:.*deprecated in torch:UserWarning")  # mask: ours and torch's
@pytest.mark.parametrize("kind", ["encoder", "decoder", "transformer"])
def test_matches_torch_on_random_configurations(kind):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(["encoder", "decoder", "transformer"].index(kind))
    for trial in range(8):
        theirs, ours, E, batch_first = _torch_pair(torch, rng, kind)
        N, S, T = (int(n) for n in rng.integers(1, 4, size=3))
        batched = rng.random() < 0.8

        def shape(length):
            if not batched:
                return (length, E)
            return (N, length, E) if batch_first else (length, N, E)
        arrays = [rng.standard_normal(shape(S)), rng.standard_normal(shape(T))]
        padding = rng.random((N, S) if batched else (S,)) < 0.3
        mask = causal(T if kind != "encoder" else S)
        if kind == "encoder":
            arrays, call = arrays[:1], dict(mask=mask, src_key_padding_mask=padding)
        elif kind == "decoder":
            arrays, call = arrays[::-1], dict(tgt_mask=mask, memory_key_padding_mask=padding)
        else:
            call = dict(tgt_mask=mask, src_key_padding_mask=padding,
                        memory_key_padding_mask=padding)
        ours_in = [Tensor(a, requires_grad=True) for a in arrays]
        theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
        out = ours(*ours_in, **{k: Tensor(v) for k, v in call.items()})
        expected = theirs(*theirs_in, **{k: torch.tensor(v) for k, v in call.items()})
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=0, atol=1e-10)
        direction = rng.standard_normal(out.shape)
        params = [p for _, p in ours.named_parameters()]
        grads = tg.grad((out * Tensor(direction)).sum(), ours_in + params)
        expected_grads = torch.autograd.grad((expected * torch.tensor(direction)).sum(),
                                             theirs_in + list(theirs.parameters()))
        for g, e in zip(grads, expected_grads):
            np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=0, atol=1e-10)


def test_repr_and_mask_match_torch():
    torch = pytest.importorskip("torch")
    assert repr(TransformerDecoderLayer(4, 2, 8, bias=False)) == repr(
        torch.nn.TransformerDecoderLayer(4, 2, 8, bias=False))
    np.testing.assert_array_equal(Transformer.generate_square_subsequent_mask(4).numpy(),
                                  torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())
