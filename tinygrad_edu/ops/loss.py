"""Softmax cross-entropy as one fused primitive (log-softmax + negative log-likelihood)."""
from __future__ import annotations

import math

import numpy as np

from .. import grad_mode
from ..function import Function


def class_axis_shape(ndim: int, n_classes: int) -> tuple:
    """(1, C, 1, ...): a per-class vector laid along axis 1 of an (N, C, d1, ...) array."""
    return (1, n_classes) + (1,) * (ndim - 2)


class CrossEntropy(Function):
    """Softmax cross-entropy of logits x (N, C, d1, ...) against a target distribution.

    With log-softmax  lp = x - logsumexp(x)  over the class axis C, every sample i
    (one of N*d1*..., i.e. an image position for dense targets) has the loss

        loss_i = -sum_c q_ic lp_ic

    where q is the (weighted) target distribution, exactly torch's definitions:
      class indices y (N, d1, ...):  q_ic = w_c ((1 - e) [c = y_i] + e / C), and 0 for
        the samples with y_i == ignore_index (e: label_smoothing, w: weight or 1);
      probabilities t (N, C, d1, ...): q_ic = w_c ((1 - e) t_ic + e / C).
    reduction 'none' gives loss_i, 'sum' their sum, 'mean' their sum divided by D:
    sum_i w_(y_i) over the samples not ignored for class indices (torch's weighted
    mean; 0/0 = nan when all are ignored, as torch, while the gradient is 0: no sample
    contributes; when the counted samples' weights sum to 0 the gradient is nan too),
    the number of samples for probabilities. lp is computed with the max
    subtracted, so logits of 1e4 are fine; a class with q_ic = 0 adds nothing to loss_i
    even where its logit is -inf (0 log 0 = 0).

    VJP: d lp_ic / d x_ik = [c = k] - p_ik   with p = softmax(x), so
         d loss_i / d x_ik = -q_ik + (sum_c q_ic) p_ik = s_i p_ik - q_ik,  s_i = sum_c q_ic;
         dL/dx = g_i (s_i p - q) / D, p = softmax(x), s_i = sum_c q_ic
         (N, C, d1, ...); for one-hot q and no weights the textbook (softmax - onehot) / N.
         For probability targets also dL/dt = -g_i (1 - e) w lp / D.   dL/dw = None:
         class weights are constants.
    g is the upstream gradient (a scalar, or (N, d1, ...) for 'none'; D = 1 unless 'mean').
    Forward already has p, so it saves the local gradient (s p - q) / D and backward is
    one multiplication. With create_graph, p is instead recomputed as softmax of the saved
    logits Tensor, so that the VJP is differentiable again (second derivatives).
    Saves x, the target, the weight (or None) and (s p - q) / D; keeps 1 / D as ctx.scale.

    Class indices without label smoothing (the usual case) never build q: loss_i is
    -w_(y_i) lp[i, y_i], one gather, and s p - q is p w_y with w_y subtracted at the
    targets (with 50,000 classes the dense q took three passes over all the logits).
    Without class weights and with no target ignored, every w_(y_i) is 1: the textbook
    loss_i = -lp[i, y_i] and p - onehot, with no weights made.
    """

    @staticmethod
    def forward(ctx, logits, target, weight=None, *, ignore_index, reduction,
                label_smoothing):
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        sum_exp = exp.sum(axis=1, keepdims=True)
        if target.dtype.kind == "f" or label_smoothing:
            lp = shifted - np.log(sum_exp)                      # log-softmax
            q = target_distribution(logits, target, weight, ignore_index, label_smoothing)
            local_grad = exp * (q.sum(axis=1, keepdims=True) / sum_exp) - q       # s p - q
            # a class with q = 0 adds nothing, even where lp = -inf (a logit of -inf): in
            # the cross-entropy 0 log 0 = 0, where 0 * -inf would be nan
            losses = -(q * np.where(q != 0, lp, 0)).sum(axis=1)
            if target.dtype.kind == "f":
                denominator = losses.size
            else:
                w_y = target_weights(target, weight, ignore_index, logits.dtype)[1]
                denominator = target.size if w_y is None else w_y.sum()
        else:
            y, w_y = target_weights(target, weight, ignore_index, logits.dtype)
            at = _flat_positions(logits.shape, y)             # of x[i, y_i] in x.ravel()
            lp_y = shifted.reshape(-1)[at] - np.log(sum_exp).reshape(y.shape)   # lp[i, y_i]
            if w_y is None:                             # every w_(y_i) = 1: q is one-hot
                losses, denominator = -lp_y, y.size
                local_grad = np.ascontiguousarray(exp / sum_exp)                  # p
                local_grad.reshape(-1)[at] -= 1         # - onehot (row-major: a view)
            else:
                losses = np.where(w_y != 0, -(w_y * lp_y), 0)      # (+0.0 where ignored)
                local_grad = np.ascontiguousarray(exp * (np.expand_dims(w_y, 1) / sum_exp))
                local_grad.reshape(-1)[at] -= w_y       # s p - q
                denominator = w_y.sum()                 # sum of w_(y_i) over the counted
        ctx.scale = 1 if reduction != "mean" else mean_scale(denominator, target, ignore_index)
        if ctx.scale != 1:
            local_grad *= ctx.scale
        ctx.save_for_backward(logits, target, weight, local_grad)
        if reduction == "none":
            return losses
        if reduction == "sum":
            return losses.sum()
        if not denominator:                             # every target ignored: 0/0 = nan
            return np.asarray(np.nan, logits.dtype)
        return losses.sum() / np.asarray(denominator, logits.dtype)

    @staticmethod
    def backward(ctx, g):
        logits, target, weight, local_grad = ctx.saved_tensors
        options = ctx.options
        if options["reduction"] == "none":
            g = g.unsqueeze(1)
        e, n_classes = options["label_smoothing"], logits.shape[1]
        grad_target = None
        if target.requires_grad:       # probabilities t: q as a Tensor, differentiable in t
            w = 1 if weight is None else weight.reshape(class_axis_shape(logits.ndim, n_classes))
            q = w * ((1 - e) * target + e / n_classes)
            grad_target = -g * ((1 - e) * ctx.scale) * w * logits.log_softmax(1)
        elif grad_mode.is_grad_enabled():
            q = type(logits)._from_node(target_distribution(
                logits.data, target.data, None if weight is None else weight.data,
                options["ignore_index"], e), None)
        if grad_mode.is_grad_enabled():     # create_graph: s p - q as a function of the logits
            local_grad = (logits.softmax(1) * q.sum(1, keepdim=True) - q) * ctx.scale
        grad_logits = g * local_grad
        return (grad_logits, grad_target) + ((None,) if len(ctx.inputs) == 3 else ())


def mean_scale(denominator: float, target: np.ndarray, ignore_index: int) -> float:
    """1 / D for reduction 'mean'. For D = 0, 1 when every class-index target is ignored
    (nothing contributes: the gradient is 0, as torch) and nan when the counted targets'
    weights sum to 0 (0/0, as torch)."""
    if denominator:
        return 1 / denominator
    every_target_ignored = target.dtype.kind != "f" and not (target != ignore_index).any()
    return 1 if every_target_ignored else np.nan


def target_weights(target: np.ndarray, weight: np.ndarray | None, ignore_index: int,
                   dtype: np.dtype) -> tuple[np.ndarray, np.ndarray | None]:
    """For class indices y: y with the ignored targets set to class 0, and w_(y_i), the
    weight of each sample's class (1 without weights), 0 where y_i is ignored; None
    when every w_(y_i) is 1. 'mean' divides by the sum of w_(y_i), as torch."""
    counted = target != ignore_index
    if weight is None and counted.all():
        return target, None
    w_y = counted.astype(dtype)
    y = np.where(counted, target, 0)
    if weight is not None:
        w_y *= weight[y]
    return y, w_y


def _flat_positions(shape: tuple, y: np.ndarray) -> np.ndarray:
    """Where x[i, y_i] (i = (n, d1, ...)) sits in x.ravel() for x of `shape` (N, C, d1, ...):
    n C D + y_i D + (d1, ...) as one index, D = d1 * d2 * ... ."""
    n, n_classes = shape[:2]
    inner = math.prod(shape[2:])
    if y.size == 0:
        return np.zeros(y.shape, np.int64)
    starts = np.arange(0, n * n_classes * inner, n_classes * inner)
    if inner > 1:
        starts = starts[:, None] + np.arange(inner)
    return starts.reshape(y.shape) + (y * inner if inner > 1 else y)


def target_distribution(logits: np.ndarray, target: np.ndarray, weight: np.ndarray | None,
                        ignore_index: int, label_smoothing: float) -> np.ndarray:
    """q (N, C, d1, ...): w_c ((1 - e) t_ic + e / C) for probabilities t, and for class
    indices w_c ((1 - e) [c = y_i] + e / C), a zero column where y_i is ignored."""
    n_classes, e = logits.shape[1], label_smoothing
    w = 1 if weight is None else weight.reshape(class_axis_shape(logits.ndim, n_classes))
    if target.dtype.kind == "f":
        q = target
        counted = 1
    else:
        counted = np.expand_dims(target != ignore_index, 1)
        classes = np.arange(n_classes).reshape(class_axis_shape(logits.ndim, n_classes))
        q = (classes == np.expand_dims(target, 1)) & counted
    q = w * ((1 - e) * q + (e / n_classes) * counted) if e else w * q
    return np.asarray(q, dtype=logits.dtype)
