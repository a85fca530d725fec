"""F.multi_head_attention_forward: torch's functional multi-head attention, the one
computation behind nn.MultiheadAttention (whose forward calls it with its own parameters):

    q = query W_q^T + b_q,  k = key W_k^T + b_k,  v = value W_v^T + b_v    (E wide each)
    head_h = softmax(q_h k_h^T / sqrt(head_dim) + M) v_h    (q_h: columns h*head_dim...)
    output = concat(head_1, ..., head_H) W_o^T + b_o

nn/attention.py explains attention itself, the masks M and why 1/sqrt(head_dim); this file
checks and wires the parameters, the masks and the shapes. Composed from linear, cat,
reshapes and attention.py's _attend: no backward of its own, so first and second
derivatives (also for the float masks and static_k/static_v) come from those ops.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tinygrad_edu import Tensor, cat, pad, zeros
from tinygrad_edu.tensor import _tensor

from .attention import _attend, _bool_bias, _default_scale, _float_mask, causal_bias
from .functional import linear
from .functional_more import _floating

__all__ = ["multi_head_attention_forward"]


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
        out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """(attn_output, attn_output_weights or None): the equations of the module docstring
    with the parameters passed in, E = embed_dim_to_check, H = num_heads.

    Shapes (sequence first): query (L, N, E), key (S, N, kdim), value (S, N, vdim) ->
    attn_output (L, N, E_out) and weights (N, L, S') averaged over the heads, or
    (N, H, L, S') with average_attn_weights=False, S' = S + the extra keys below;
    unbatched (L, E), (S, kdim), (S, vdim) -> (L, E_out) and (L, S') or (H, L, S').

    Parameters: in_proj_weight (3E, E) = [W_q; W_k; W_v] (kdim = vdim = E, key and value of
    one shape), or with use_separate_proj_weight q_proj_weight (E, E), k_proj_weight
    (E, kdim) and v_proj_weight (E, vdim); in_proj_bias (3E,) = [b_q; b_k; b_v];
    out_proj_weight (E_out, E), out_proj_bias (E_out,). bias_k and bias_v (1, 1, E): a
    learned key and value appended after the S; add_zero_attn: a zero key and value
    appended to every head; both extra keys are never masked. static_k, static_v
    (N * H, S, E / H): each head's keys (values) given directly, in place of the projected
    key (value); not together with bias_k and bias_v.

    Masks (bool: True = masked out; float: added to the scores): key_padding_mask (N, S)
    (or (S,) unbatched); attn_mask (L, S) or (N * H, L, S) (index n * H + h); S is static_k's
    length when it is given. is_causal: a hint that attn_mask is the causal mask (which it
    needs); the causal mask replaces it when need_weights=False and key_padding_mask is None.
    dropout_p drops weights when training; the weights returned are the dropped ones. A query
    whose keys are all masked gets nan with need_weights, 0 without (as torch).
    """
    return _multi_head_attention("multi_head_attention_forward", **locals())  # every argument


def _multi_head_attention(
        op: str, query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int,
        num_heads: int, in_proj_weight: Tensor | None, in_proj_bias: Tensor | None,
        bias_k: Tensor | None, bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float,
        out_proj_weight: Tensor, out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Any = None, need_weights: bool = True, attn_mask: Any = None,
        use_separate_proj_weight: bool = False, q_proj_weight: Tensor | None = None,
        k_proj_weight: Tensor | None = None, v_proj_weight: Tensor | None = None,
        static_k: Tensor | None = None, static_v: Tensor | None = None,
        average_attn_weights: bool = True, is_causal: bool = False
        ) -> tuple[Tensor, Tensor | None]:
    """multi_head_attention_forward with errors that name `op` (nn.MultiheadAttention's
    forward calls this with op="MultiheadAttention")."""
    query, key, value = (_floating(op, x) for x in (query, key, value))
    batched = _batched(op, query, key, value, key_padding_mask, attn_mask)
    E, H = embed_dim_to_check, num_heads
    if E <= 0 or H <= 0 or E % H:
        raise ValueError(f"{op}: embed_dim_to_check ({E}) must be a positive multiple of "
                         f"num_heads ({H})")
    separate = use_separate_proj_weight
    kdim, vdim = (key.shape[-1], value.shape[-1]) if separate else (E, E)
    _check_layout(op, query, key, value, E, kdim, vdim, batched)
    projections = _in_projections(op, E, kdim, vdim, separate, in_proj_weight, q_proj_weight,
                                  k_proj_weight, v_proj_weight, in_proj_bias)
    _check_extras(op, E, bias_k, bias_v, static_k, static_v, out_proj_weight, out_proj_bias)
    if training and not 0 <= dropout_p <= 1:
        raise ValueError(f"{op}: dropout_p must be between 0 and 1, got {dropout_p}")
    padding, mask = _mha_masks(op, key_padding_mask, attn_mask, query.dtype, batched)
    if not batched:
        query, key, value = (x.unsqueeze(1) for x in (query, key, value))
    L, N, _ = query.shape

    (w_q, b_q), (w_k, b_k), (w_v, b_v) = projections
    for name, x, w, static in (("query", query, w_q, None), ("key", key, w_k, static_k),
                               ("value", value, w_v, static_v)):
        if static is None and x.dtype != w.dtype:
            raise TypeError(f"{op}: {name} must have the projection weights' dtype {w.dtype}, "
                            f"got {x.dtype}. Convert the input: {name}.to({w.dtype}), or the "
                            f"model: model.to({x.dtype})")
    q = _split_heads(linear(query, w_q, b_q), H)
    k = (_split_heads(linear(key, w_k, b_k), H) if static_k is None
         else _static_heads(op, "static_k", static_k, N, H, E // H))
    v = (_split_heads(linear(value, w_v, b_v), H) if static_v is None
         else _static_heads(op, "static_v", static_v, N, H, E // H))
    S = k.shape[2]
    if v.shape[2] != S:
        raise ValueError(f"{op}: as many values as keys are needed, got {S} keys and "
                         f"{v.shape[2]} values (static_k and static_v replace the projected "
                         f"key and value)")
    if bias_k is not None:                            # a learned key and value after the S
        k = cat([k, _split_heads(bias_k.expand(1, N, E), H)], 2)
        v = cat([v, _split_heads(bias_v.expand(1, N, E), H)], 2)
    if add_zero_attn:                                 # a zero key and value for every head
        zero = zeros(N, H, 1, E // H, dtype=k.dtype)
        k, v = cat([k, zero], 2), cat([v, zero], 2)

    if is_causal and mask is None:
        raise RuntimeError(f"{op}: is_causal=True is a hint that attn_mask is causal and "
                           "needs attn_mask (Transformer.generate_square_subsequent_mask "
                           "makes one)")
    if mask is not None and mask.shape not in ((L, S), (N * H, L, S)):
        raise ValueError(f"{op}: attn_mask must have shape (L, S) = {(L, S)} or "
                         f"(N * num_heads, L, S) = {(N * H, L, S)}, got "
                         f"{mask.shape}")                 # (checked also when is_causal skips it)
    extra = k.shape[2] - S                              # bias_k and zero keys: never masked
    if is_causal and padding is None and not need_weights:
        bias = Tensor(causal_bias(L, S + extra, query.dtype))
    else:
        bias = _merged(op, padding, mask, L, N, H, S, extra)
        if bias is not None:        # (the float masks' sum: attn_mask + key_padding_mask)
            given = [name for name, m in (("attn_mask", attn_mask),
                                          ("key_padding_mask", key_padding_mask))
                     if m is not None and _tensor(m).dtype != np.bool_]
            bias = _float_mask(op, " and ".join(given), bias, query.dtype,
                               float32_too=not need_weights)
    p = dropout_p if training else 0.0
    out, weights = _attend(q, k, v, bias, _default_scale(E // H), p,
                           zero_masked_rows=not need_weights)
    out = linear(out.permute(2, 0, 1, 3).reshape(L, N, E), out_proj_weight, out_proj_bias)
    if not need_weights:
        weights = None
    elif average_attn_weights:
        weights = weights.mean(1)
    if not batched:
        return out.squeeze(1), None if weights is None else weights.squeeze(0)
    return out, weights


# ------------------------------------------------------------------------------ the pieces
def _split_heads(x: Tensor, heads: int) -> Tensor:
    """(length, N, E) -> (N, heads, length, E / heads): head h gets the columns
    h * E / heads ... (h + 1) * E / heads - 1."""
    length, N, E = x.shape
    return x.reshape(length, N, heads, E // heads).permute(1, 2, 0, 3)


def _static_heads(op: str, name: str, static: Any, N: int, heads: int, head_dim: int
                  ) -> Tensor:
    """static_k or static_v, (N * heads, S, head_dim) (index n * heads + h), as
    (N, heads, S, head_dim)."""
    static = _floating(op, static)
    if static.ndim != 3 or (static.shape[0], static.shape[2]) != (N * heads, head_dim):
        raise ValueError(f"{op}: {name} must have shape (N * num_heads, S, head_dim) = "
                         f"({N * heads}, S, {head_dim}), got {static.shape}")
    return static.reshape(N, heads, *static.shape[1:])


def _in_projections(op: str, E: int, kdim: int, vdim: int, separate: bool,
                    in_proj_weight: Tensor | None, q_proj_weight: Tensor | None,
                    k_proj_weight: Tensor | None, v_proj_weight: Tensor | None,
                    in_proj_bias: Tensor | None) -> list[tuple[Tensor, Tensor | None]]:
    """[(W_q, b_q), (W_k, b_k), (W_v, b_v)] from the packed or the separate weights."""
    if separate:
        weights = (q_proj_weight, k_proj_weight, v_proj_weight)
        if any(w is None for w in weights):
            raise ValueError(f"{op}: use_separate_proj_weight=True needs q_proj_weight, "
                             "k_proj_weight and v_proj_weight")
        _check_shapes(op, {"q_proj_weight": (q_proj_weight, "(E, E)", (E, E)),
                           "k_proj_weight": (k_proj_weight, "(E, kdim)", (E, kdim)),
                           "v_proj_weight": (v_proj_weight, "(E, vdim)", (E, vdim))})
    elif in_proj_weight is None:
        raise ValueError(f"{op}: in_proj_weight is None; pass it, or use_separate_proj_weight="
                         "True with q_proj_weight, k_proj_weight and v_proj_weight")
    else:
        _check_shapes(op, {"in_proj_weight": (in_proj_weight, "(3E, E)", (3 * E, E))})
        weights = in_proj_weight.split(E)
    _check_shapes(op, {"in_proj_bias": (in_proj_bias, "(3E,)", (3 * E,))})
    biases = (None,) * 3 if in_proj_bias is None else in_proj_bias.split(E)
    return list(zip(weights, biases))


def _check_extras(op: str, E: int, bias_k: Tensor | None, bias_v: Tensor | None,
                  static_k: Tensor | None, static_v: Tensor | None,
                  out_proj_weight: Tensor, out_proj_bias: Tensor | None) -> None:
    """bias_k and bias_v (together, and not with static_k or static_v) and out_proj."""
    if (bias_k is None) != (bias_v is None):
        raise ValueError(f"{op}: give both bias_k and bias_v or neither, got "
                         f"{'only bias_k' if bias_v is None else 'only bias_v'}")
    if bias_k is not None and (static_k is not None or static_v is not None):
        raise ValueError(f"{op}: bias_k and bias_v cannot be appended to static_k and static_v")
    out_features = out_proj_weight.shape[0] if out_proj_weight.ndim == 2 else E
    _check_shapes(op, {"bias_k": (bias_k, "(1, 1, E)", (1, 1, E)),
                       "bias_v": (bias_v, "(1, 1, E)", (1, 1, E)),
                       "out_proj_weight": (out_proj_weight, "(E_out, E)", (out_features, E)),
                       "out_proj_bias": (out_proj_bias, "(E_out,)", (out_features,))})


def _check_shapes(op: str, expected: dict[str, tuple[Tensor | None, str, tuple]]) -> None:
    """Each parameter given (not None) has its expected shape."""
    for name, (x, formula, shape) in expected.items():
        if x is not None and tuple(x.shape) != shape:
            raise ValueError(f"{op}: {name} must have shape {formula} = {shape}, got "
                             f"{tuple(x.shape)}")


def _batched(op: str, query: Tensor, key: Tensor, value: Tensor, padding: Any,
             mask: Any) -> bool:
    """True for 3-D inputs, False for unbatched 2-D ones; other ranks are errors."""
    if query.ndim not in (2, 3):
        raise ValueError(f"{op}: query must be unbatched 2-D (L, E) or batched 3-D, got shape "
                         f"{query.shape}")
    kind = "batched" if query.ndim == 3 else "unbatched"
    pad_ndim = query.ndim - 1
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise ValueError(f"{op}: for {kind} query {query.shape}, key and value must be "
                         f"{query.ndim}-D too, got {key.shape} and {value.shape}")
    if padding is not None and _tensor(padding).ndim != pad_ndim:
        raise ValueError(f"{op}: for {kind} query {query.shape}, key_padding_mask must be "
                         f"{pad_ndim}-D, got shape {_tensor(padding).shape}")
    if mask is not None and _tensor(mask).ndim not in (2, 3):
        raise ValueError(f"{op}: attn_mask must be 2-D (L, S) or 3-D (N * num_heads, L, S), "
                         f"got shape {_tensor(mask).shape}")
    return query.ndim == 3


def _check_layout(op: str, query: Tensor, key: Tensor, value: Tensor, E: int, kdim: int,
                  vdim: int, batched: bool, batch_first: bool = False) -> None:
    """query (L, N, E), key (S, N, kdim), value (S, N, vdim) in the caller's layout."""
    if not batched:
        layout, sizes = "(L, E), (S, kdim), (S, vdim)", [(x.shape[0], 1, x.shape[1])
                                                        for x in (query, key, value)]
    elif batch_first:
        layout = "(N, L, E), (N, S, kdim), (N, S, vdim)"
        sizes = [(x.shape[1], x.shape[0], x.shape[2]) for x in (query, key, value)]
    else:
        layout = "(L, N, E), (S, N, kdim), (S, N, vdim)"
        sizes = [x.shape for x in (query, key, value)]
    (_, N, E_query), (S, *key_rest), value_sizes = sizes
    if (E_query, tuple(key_rest), value_sizes) != (E, (N, kdim), (S, N, vdim)):
        raise ValueError(f"{op}: expected query, key and value of shapes {layout} with E={E}, "
                         f"kdim={kdim}, vdim={vdim}, got {query.shape}, {key.shape} and "
                         f"{value.shape}")


def _mha_masks(op: str, padding: Any, mask: Any, dtype: np.dtype, batched: bool
               ) -> tuple[Tensor | None, Tensor | None]:
    """key_padding_mask (as (N, S)) and attn_mask as additive float masks (bool: True = -inf)."""
    masks = [None if m is None else _tensor(m) for m in (padding, mask)]
    for name, m in zip(("key_padding_mask", "attn_mask"), masks):
        if m is not None and m.dtype != np.bool_ and m.dtype.kind != "f":
            raise TypeError(f"{op}: {name} must be bool or floating point, got dtype {m.dtype}")
    if None not in masks and (masks[0].dtype == np.bool_) != (masks[1].dtype == np.bool_):
        warnings.warn(f"{op}: a bool key_padding_mask with a float attn_mask (or the reverse) "
                      "is deprecated in torch; use the same type for both",
                      UserWarning, stacklevel=4)
    padding, mask = (m if m is None or m.dtype != np.bool_ else _bool_bias(m.data, True, dtype)
                     for m in masks)
    if padding is not None and not batched:
        padding = padding.unsqueeze(0)
    return padding, mask


def _merged(op: str, padding: Tensor | None, mask: Tensor | None, L: int, N: int, H: int,
            S: int, extra: int) -> Tensor | None:
    """attn_mask + key_padding_mask as one additive mask broadcasting to the scores
    (N, H, L, S + extra); 0 for the extra keys."""
    if mask is not None:
        mask = mask.reshape(-1, H if mask.ndim == 3 else 1, L, S)
    if padding is not None:
        if padding.shape != (N, S):
            raise ValueError(f"{op}: key_padding_mask must have shape (N, S) = {(N, S)} (or "
                             f"(S,) unbatched), got {padding.shape}")
        padding = padding.reshape(N, 1, 1, S)
        mask = padding if mask is None else mask + padding
    return mask if mask is None or not extra else pad(mask, (0, extra))
