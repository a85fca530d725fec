"""Slow references for attention, written from the equations one query and one head at a
time (numpy loops), shared by test_attention.py and test_transformer.py."""
from __future__ import annotations

import math

import numpy as np


def softmax_row(s: np.ndarray, masked_rows_zero: bool) -> np.ndarray:
    """softmax of one row of scores; a row of -inf gives 0 (masked_rows_zero) or nan."""
    if np.all(s == -np.inf):
        return np.zeros_like(s) if masked_rows_zero else np.full_like(s, np.nan)
    e = np.exp(s - s.max())
    return e / e.sum()


def reference_attention(q, k, v, bias, scale, masked_rows_zero=True):
    """(out, weights) for q (B, L, E), k (B, S, E), v (B, S, Ev), bias (B, L, S): query by
    query, out_i = sum_j softmax_j(q_i . k_j * scale + bias_ij) v_j."""
    B, L, S = q.shape[0], q.shape[1], k.shape[1]
    out, weights = np.zeros((B, L, v.shape[2])), np.zeros((B, L, S))
    for b in range(B):
        for i in range(L):
            s = np.array([q[b, i] @ k[b, j] * scale + bias[b, i, j] for j in range(S)])
            weights[b, i] = softmax_row(s, masked_rows_zero)
            out[b, i] = sum((weights[b, i, j] * v[b, j] for j in range(S)), np.zeros(v.shape[2]))
    return out, weights


def mha_params(m) -> dict:
    """The projections as numpy: W_q, W_k, W_v, their biases, W_o, b_o, bias_k, bias_v."""
    E = m.embed_dim
    if m._qkv_same_embed_dim:
        w = m.in_proj_weight.numpy()
        ws = w[:E], w[E:2 * E], w[2 * E:]
    else:
        ws = m.q_proj_weight.numpy(), m.k_proj_weight.numpy(), m.v_proj_weight.numpy()
    b = np.zeros(3 * E) if m.in_proj_bias is None else m.in_proj_bias.numpy()
    bo = np.zeros(E) if m.out_proj.bias is None else m.out_proj.bias.numpy()
    extra = (None, None) if m.bias_k is None else (m.bias_k.numpy()[0, 0], m.bias_v.numpy()[0, 0])
    return dict(w=ws, b=(b[:E], b[E:2 * E], b[2 * E:]), wo=m.out_proj.weight.numpy(), bo=bo,
                extra=extra)


def mha_reference(m, query, key, value, attn_mask=None, key_padding_mask=None,
                  need_weights=True):
    """torch's MultiheadAttention from the equations, one batch element and head at a time.
    query (L, N, E), key (S, N, kdim), value (S, N, vdim); masks as numpy (bool: True = out).
    Returns out (L, N, E) and per-head weights (N, H, L, S')."""
    p, H, hd = mha_params(m), m.num_heads, m.head_dim
    L, N, _ = query.shape
    S = key.shape[0]
    extra = (m.bias_k is not None) + m.add_zero_attn
    out, weights = np.zeros((L, N, m.embed_dim)), np.zeros((N, H, L, S + extra))
    as_bias = (lambda a: np.where(a, -np.inf, 0.0) if a.dtype == bool else a)
    for n in range(N):
        bias = np.zeros((H, L, S))
        if attn_mask is not None:
            bias = bias + (as_bias(attn_mask) if attn_mask.ndim == 2
                           else as_bias(attn_mask)[n * H:(n + 1) * H])
        if key_padding_mask is not None:
            bias = bias + as_bias(key_padding_mask[n])
        bias = np.concatenate([bias, np.zeros((H, L, extra))], axis=2)
        q, k, v = (x[:, n] @ w.T + b for x, w, b in zip((query, key, value), p["w"], p["b"]))
        if m.bias_k is not None:
            k, v = np.vstack([k, p["extra"][0]]), np.vstack([v, p["extra"][1]])
        heads = []
        for h in range(H):
            cols = slice(h * hd, (h + 1) * hd)
            qh, kh, vh = q[:, cols], k[:, cols], v[:, cols]
            if m.add_zero_attn:
                kh, vh = np.vstack([kh, np.zeros(hd)]), np.vstack([vh, np.zeros(hd)])
            o, w = reference_attention(qh[None], kh[None], vh[None], bias[h][None],
                                       1 / math.sqrt(hd), masked_rows_zero=not need_weights)
            heads.append(o[0])
            weights[n, h] = w[0]
        out[:, n] = np.hstack(heads) @ p["wo"].T + p["bo"]
    return out, weights


def layer_norm(x: np.ndarray, norm) -> np.ndarray:
    """(x - mean) / sqrt(var + eps) * weight + bias over the last axis, norm a LayerNorm."""
    centered = x - x.mean(-1, keepdims=True)
    out = centered / np.sqrt((centered ** 2).mean(-1, keepdims=True) + norm.eps)
    out = out * norm.weight.numpy()
    return out if norm.bias is None else out + norm.bias.numpy()


def random_masks(rng: np.random.Generator, kind: str | None, kpm_kind: str | None, L: int,
                 S: int, N: int, H: int) -> tuple:
    """(attn_mask, key_padding_mask) as arrays of the kinds asked for (None: no mask):
    'bool' (L, S), 'float' (L, S), 'float3' (N*H, L, S) with some -inf; padding 'bool' or
    'float' (N, S)."""
    mask = kpm = None
    if kind == "bool":
        mask = rng.random((L, S)) < 0.3
    elif kind == "float":
        mask = rng.standard_normal((L, S))
    elif kind == "float3":
        mask = rng.standard_normal((N * H, L, S))
        mask[rng.random(mask.shape) < 0.2] = -np.inf
    if kpm_kind == "bool":
        kpm = rng.random((N, S)) < 0.3
    elif kpm_kind == "float":
        kpm = rng.standard_normal((N, S))
    return mask, kpm
