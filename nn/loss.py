"""Loss modules: each stores its options and calls the functional form in the engine."""
from __future__ import annotations

from tinygrad_edu import Tensor

from . import functional as F
from .module import Module


class _Loss(Module):
    """The base of the loss modules: `reduction` checked and kept. torch's deprecated
    size_average/reduce are read as torch reads them (reduce=False: 'none', else
    size_average=False: 'sum'), for subclasses written against torch's _Loss."""

    reductions = ("mean", "sum", "none")

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = ("none" if reduce is False else "sum" if size_average is False
                         else "mean")
        if reduction not in self.reductions:
            raise ValueError(f"{type(self).__name__}: reduction must be one of "
                             f"{', '.join(map(repr, self.reductions))}, got {reduction!r}")
        self.reduction = reduction


def _weight_buffer(module: Module, name: str, weight: Tensor | None) -> None:
    """A class-weight tensor is a buffer (saved, converted by .double()), as in torch."""
    module.register_buffer(name, None if weight is None else Tensor(weight))


class _WeightedLoss(_Loss):
    """torch's base of the losses with a class `weight` buffer (the focal-loss recipes
    subclass it)."""

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        _weight_buffer(self, "weight", weight)


class CrossEntropyLoss(_Loss):
    """log-softmax + negative log-likelihood of class indices (or class probabilities)."""

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(size_average, reduce, reduction)
        _weight_buffer(self, "weight", weight)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    """-input[n, target[n]] averaged (input holds log-probabilities, e.g. from LogSoftmax)."""

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        _weight_buffer(self, "weight", weight)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class MSELoss(_Loss):
    """(input - target)**2 averaged."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits (sigmoid folded in, stable for large logits)."""

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean",
                 pos_weight: Tensor | None = None) -> None:
        super().__init__(size_average, reduce, reduction)
        _weight_buffer(self, "weight", weight)
        _weight_buffer(self, "pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class MultiMarginLoss(_Loss):
    """Multiclass hinge loss: sum over j != y of max(0, margin - x_y + x_j)**p / C."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                 size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p=1 and p=2 are supported, got {p}")
        _weight_buffer(self, "weight", weight)
        self.p, self.margin = p, margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                   weight=self.weight, reduction=self.reduction)


class L1Loss(_Loss):
    """|input - target| averaged."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class _HuberFamily(_Loss):
    """A loss with one width option, the attribute named by `width`, passed to `function`."""

    function = staticmethod(F.huber_loss)
    width = "delta"

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return type(self).function(input, target, reduction=self.reduction,
                                   **{self.width: getattr(self, self.width)})


class SmoothL1Loss(_HuberFamily):
    """0.5 d^2 / beta where |d| < beta, else |d| - beta / 2 (d = input - target)."""

    function, width = staticmethod(F.smooth_l1_loss), "beta"

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta


class HuberLoss(_HuberFamily):
    """0.5 d^2 where |d| < delta, else delta (|d| - delta / 2) (d = input - target)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities (logs clamped at -100); prefer BCEWithLogitsLoss."""

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        _weight_buffer(self, "weight", weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class KLDivLoss(_Loss):
    """KL divergence terms p (log p - input) of a target p against log-probabilities;
    reduction='batchmean' gives the KL divergence averaged over the batch."""

    reductions = _Loss.reductions + ("batchmean",)

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
