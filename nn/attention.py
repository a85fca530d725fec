"""Attention: every query takes an average of the values, weighted by how well it matches
each key (Vaswani et al., 2017, "Attention Is All You Need"):

    Attention(Q, K, V) = softmax(Q K^T / sqrt(d) + M) V

Q (..., L, E) holds L queries, K (..., S, E) S keys and V (..., S, Ev) their values. The
softmax runs along the S axis, so each row of the (L, S) weight matrix sums to 1 and output
row i is a convex combination of the rows of V. Why 1/sqrt(d) (d = E): if the entries of a
query and a key are independent with mean 0 and variance 1, their dot product is a sum of d
such products and has variance d; dividing by sqrt(d) keeps the scores' spread near 1 for
every d, so the softmax does not saturate into a one-hot row, whose gradient vanishes.

M is added to the scores: 0 where query i may look at key j and -inf where not (its weight
is then exactly e^-inf = 0), or any float bias. torch has two opposite bool conventions,
kept here: in `scaled_dot_product_attention` True means "takes part"; in
`MultiheadAttention` (attn_mask and key_padding_mask) True means "masked out". A float
mask is added in both. A bool mask has no gradient; a float one gets dL/dscores.

A row whose keys are all masked has no weights to normalise. `scaled_dot_product_attention`
returns weights 0 and output 0 there (torch's "safe softmax"), and so do the Transformer
layers and `MultiheadAttention(need_weights=False)`, which use it; `MultiheadAttention` with
need_weights=True returns nan there (softmax of a row of -inf is 0/0), as torch does.

Composed from matmul, softmax, where, dropout, cat and reshapes: no backward of its own.
"""
from __future__ import annotations

import contextlib
import enum
import math
from typing import Any, Iterator

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.device import check_device
from tinygrad_edu.shapes import broadcast_shapes
from tinygrad_edu.tensor import _tensor

from . import init
from .functional import dropout
from .functional_more import _floating
from .layers import Linear, _empty
from .module import Module

__all__ = ["scaled_dot_product_attention", "MultiheadAttention", "SDPBackend", "sdpa_kernel"]


# ------------------------------------------------------------------------------ the core
def causal_bias(rows: int, cols: int, dtype: Any = np.float32) -> np.ndarray:
    """The (rows, cols) additive causal mask: 0 where key j <= query i, -inf above the
    diagonal (a query sees itself and the keys before it, counted from the top-left)."""
    return np.triu(np.full((rows, cols), -np.inf, dtype=dtype), 1)


def _attend(query: Tensor, key: Tensor, value: Tensor, bias: Tensor | None, scale: float,
            dropout_p: float, zero_masked_rows: bool) -> tuple[Tensor, Tensor]:
    """(W @ value, W) with W = dropout(softmax((query * scale) @ key^T + bias)) over the keys
    (scaling the L x E query costs less than scaling the L x S scores).

    zero_masked_rows: a row of scores that are all -inf gets weights 0 (torch's
    scaled_dot_product_attention) instead of softmax's nan (its MultiheadAttention with
    need_weights). The rows are found on the values (no gradient); the gradient through
    such a row is 0, as it is constant.
    """
    scores = (query * scale).matmul(key.mT)
    if bias is not None:
        scores = scores + bias
    masked = np.all(scores.data == -np.inf, axis=-1, keepdims=True) if zero_masked_rows else None
    if masked is not None and masked.any():
        weights = scores.masked_fill(masked, 0.0).softmax(-1).masked_fill(masked, 0.0)
    else:
        weights = scores.softmax(-1)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p)
    return weights.matmul(value), weights


def _default_scale(head_dim: int) -> float:
    """1 / sqrt(d); for d = 0 inf, as torch, which scales the empty query: the scores are
    empty sums, 0, and the weights uniform."""
    return 1 / math.sqrt(head_dim) if head_dim else math.inf


def _bool_bias(mask: np.ndarray, blocked: bool, dtype: np.dtype) -> Tensor:
    """A bool mask as the additive one: -inf where mask == blocked, else 0 (a constant)."""
    return Tensor(np.where(mask == blocked, -np.inf, 0.0).astype(dtype))


def _float_mask(op: str, name: str, mask: Tensor, dtype: np.dtype, float32_too: bool) -> Tensor:
    """A float mask in the query's dtype. torch accepts the query's dtype, and float32 too
    where it calls scaled_dot_product_attention (float32_too)."""
    if mask.dtype != dtype and not (float32_too and mask.dtype == np.float32):
        also = " (or float32)" if float32_too and dtype != np.float32 else ""
        fix = f"it with {name}.to" if " " not in name else "them with .to"   # (two masks' sum)
        raise TypeError(f"{op}: {name} must be bool or have the query's dtype {dtype}{also}, "
                        f"got {mask.dtype}; convert {fix}(query.dtype)")
    return mask.to(dtype)


# ------------------------------------------------------------------ scaled_dot_product_attention
def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, *, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query @ key^T * scale + M) @ value, scale = 1/sqrt(E) by default (module
    docstring: why).

    Shapes: query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev); the
    leading dimensions broadcast (as matmul's). attn_mask broadcasts to (..., L, S): bool,
    True = takes part (M = 0, else -inf), or float (M = attn_mask; the query's dtype or
    float32). is_causal: M is -inf above the diagonal, query i sees keys 0..i (top-left
    aligned when L != S); not together with attn_mask. A row with every key masked gives 0.
    dropout_p > 0 drops weights (always: pass 0.0 when evaluating, as torch says) with the
    library's seeded generator. enable_gqa: key and value may have fewer heads (dimension
    -3) than query, a divisor of its count; each is repeated (repeat_interleave) to match.
    """
    op = "scaled_dot_product_attention"
    if not 0 <= dropout_p <= 1:
        raise ValueError(f"{op}: dropout_p must be between 0 and 1, got {dropout_p}")
    query, key, value = (_floating(op, x) for x in (query, key, value))
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise ValueError(f"{op}: query, key and value need at least 2 dimensions, got shapes "
                         f"{query.shape}, {key.shape}, {value.shape}")
    if not query.dtype == key.dtype == value.dtype:
        raise TypeError(f"{op}: query, key and value must have the same dtype, got "
                        f"{query.dtype}, {key.dtype}, {value.dtype}")
    if enable_gqa:
        key, value = _repeat_heads(op, query, key, "key"), _repeat_heads(op, query, value, "value")
    (L, E), (S, Ek), Sv = query.shape[-2:], key.shape[-2:], value.shape[-2]
    if Ek != E or Sv != S:
        raise ValueError(f"{op}: expected key (..., S, {E}) and value (..., S, Ev) for query "
                         f"{query.shape}, got key {key.shape} and value {value.shape}")
    try:
        broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except ValueError:
        raise ValueError(f"{op}: the batch dimensions of query {query.shape}, key {key.shape} "
                         f"and value {value.shape} do not broadcast") from None
    scores = broadcast_shapes(query.shape[:-2], key.shape[:-2]) + (L, S)   # (not value's)
    bias = _sdpa_bias(op, attn_mask, is_causal, query.dtype, scores)
    scale = _default_scale(E) if scale is None else scale
    return _attend(query, key, value, bias, scale, dropout_p, zero_masked_rows=True)[0]


def _repeat_heads(op: str, query: Tensor, x: Tensor, name: str) -> Tensor:
    """x with its heads (dimension -3) repeated to as many as query has."""
    if query.ndim < 3 or x.ndim < 3:
        raise ValueError(f"{op}: enable_gqa needs query and {name} of shape (..., heads, "
                         f"length, E), got {query.shape} and {x.shape}")
    heads, have = query.shape[-3], x.shape[-3]
    if have == 0 or heads % have:
        raise ValueError(f"{op}: the number of heads in {name} ({have}, shape {x.shape}) "
                         f"must divide the number of heads in query ({heads}, shape "
                         f"{query.shape})")
    return x if have == heads else x.repeat_interleave(heads // have, dim=-3)


def _sdpa_bias(op: str, attn_mask: Any, is_causal: bool, dtype: np.dtype,
               scores: tuple) -> Tensor | None:
    """The additive mask M of scaled_dot_product_attention for scores of shape `scores`."""
    rows, cols = scores[-2:]
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{op}: give attn_mask or is_causal=True, not both")
        return Tensor(causal_bias(rows, cols, dtype))
    if attn_mask is None:
        return None
    mask = _tensor(attn_mask)
    try:
        fits = broadcast_shapes(mask.shape, scores) == scores
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{op}: attn_mask of shape {mask.shape} does not broadcast to the "
                         f"scores' shape {scores} (..., L, S)")
    if mask.dtype == np.bool_:
        return _bool_bias(mask.data, False, dtype)
    return _float_mask(op, "attn_mask", mask, dtype, float32_too=True)


# ----------------------------------------------------------------------- MultiheadAttention
class SDPBackend(enum.IntEnum):
    """torch.nn.attention.SDPBackend: the kernels torch may pick for
    scaled_dot_product_attention. Here there is one: the formula above, as written."""
    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


@contextlib.contextmanager
def sdpa_kernel(backends: SDPBackend | list, set_priority: bool = False) -> Iterator[None]:
    """torch.nn.attention.sdpa_kernel: inside the block torch uses only the given kernels
    (tutorials pick SDPBackend.MATH to compare with attention written by hand). Every
    kernel computes the same function, and here only the plain formula exists, so this
    checks its argument and changes nothing: all choices run the math path."""
    for backend in backends if isinstance(backends, (list, tuple)) else [backends]:
        if not isinstance(backend, SDPBackend):
            raise TypeError(f"sdpa_kernel: expected SDPBackend values, got {backend!r}")
    yield


class NonDynamicallyQuantizableLinear(Linear):
    """torch's class of `MultiheadAttention.out_proj`: a plain Linear (named so that the
    repr is torch's)."""


class MultiheadAttention(Module):
    """Attention with `num_heads` heads of head_dim = embed_dim / num_heads each:

        q = query W_q^T + b_q,  k = key W_k^T + b_k,  v = value W_v^T + b_v   (embed_dim wide)
        head_h = softmax(q_h k_h^T / sqrt(head_dim) + M) v_h    (q_h: columns h*head_dim...)
        output = concat(head_1, ..., head_H) W_o^T + b_o

    Each head attends in its own head_dim-wide subspace, so the heads can look at different
    keys. Shapes (batch_first=False): query (L, N, E), key (S, N, kdim), value (S, N, vdim)
    -> output (L, N, E) and weights (N, L, S) averaged over the heads, or (N, H, L, S) with
    average_attn_weights=False (None with need_weights=False); unbatched (L, E), (S, kdim),
    (S, vdim) -> (L, E) and (L, S) or (H, L, S). batch_first=True: (N, L, E) etc.

    Masks (bool: True = masked out; float: added to the scores): attn_mask (L, S) or
    (N * H, L, S) (index n * H + h); key_padding_mask (N, S) (or (S,) unbatched), masking
    keys for every query. is_causal is a hint that attn_mask is the causal mask (torch's:
    it requires attn_mask, and uses the causal mask in its place when need_weights=False
    and there is no key_padding_mask). Dropout (p = `dropout`) drops attention weights when
    training; the weights returned are the dropped ones.

    Parameters, as torch: in_proj_weight (3E, E) = [W_q; W_k; W_v] (or q_proj_weight,
    k_proj_weight, v_proj_weight when kdim or vdim differ from E), in_proj_bias (3E),
    bias_k and bias_v (1, 1, E) with add_bias_kv (a learned key and value appended to the
    S keys), out_proj (W_o, b_o). add_zero_attn appends a key and a value of zeros to each
    head; both extra keys are never masked.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        check_device(device, "MultiheadAttention")
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be greater than "
                             f"0, got embed_dim={embed_dim} and num_heads={num_heads}")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by "
                             f"num_heads ({num_heads})")
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout, self.batch_first = dropout, batch_first
        self.head_dim = embed_dim // num_heads

        def parameter(*shape: int) -> Any:
            return _empty(*shape, dtype=dtype, op="MultiheadAttention")
        if self._qkv_same_embed_dim:
            self.in_proj_weight = parameter(3 * embed_dim, embed_dim)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = parameter(embed_dim, embed_dim)
            self.k_proj_weight = parameter(embed_dim, self.kdim)
            self.v_proj_weight = parameter(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        self.register_parameter("in_proj_bias", parameter(3 * embed_dim) if bias else None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        dtype=dtype)
        if add_bias_kv:
            self.bias_k = parameter(1, 1, embed_dim)
            self.bias_v = parameter(1, 1, embed_dim)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """torch's init: xavier_uniform_ on the input projection(s), zeros on in_proj_bias
        and out_proj.bias, xavier_normal_ on bias_k and bias_v; out_proj.weight keeps
        Linear's kaiming_uniform_(a=sqrt(5))."""
        for weight in self._projection_weights():
            init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def _projection_weights(self) -> tuple:
        if self._qkv_same_embed_dim:
            return (self.in_proj_weight,)
        return self.q_proj_weight, self.k_proj_weight, self.v_proj_weight

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        """(attn_output, attn_output_weights or None): F.multi_head_attention_forward with
        this module's parameters; shapes and masks in the class docstring."""
        op = "MultiheadAttention"
        query, key, value = (_floating(op, x) for x in (query, key, value))
        batched = _batched(op, query, key, value, key_padding_mask, attn_mask)
        _check_layout(op, query, key, value, self.embed_dim, self.kdim, self.vdim, batched,
                      self.batch_first)
        batch_first = batched and self.batch_first
        if batch_first:
            query, key, value = (x.transpose(0, 1) for x in (query, key, value))
        out, weights = _multi_head_attention(
            op, query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight, average_attn_weights=average_attn_weights,
            is_causal=is_causal)
        return (out.transpose(0, 1) if batch_first else out), weights


from .attention_functional import _batched, _check_layout, _multi_head_attention  # noqa: E402
