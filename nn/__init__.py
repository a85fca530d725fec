"""`nn`: neural-network building blocks on the tinygrad_edu engine, with PyTorch's names.

    import nn
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    loss = nn.CrossEntropyLoss()(model(x), y)
    optimizer.zero_grad(); loss.backward(); optimizer.step()
"""
from . import data, datasets, functional, init, optim, utils
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .layers import (AvgPool2d, Conv2d, ConvTranspose2d, Dropout, Dropout2d, Flatten, Identity,
                     LeakyReLU, Linear, LogSoftmax, MaxPool2d, ReLU, Sigmoid, Softmax, Tanh)
from .loss import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, MultiMarginLoss, NLLLoss
from .module import Module, Parameter
from .normalization import BatchNorm1d, BatchNorm2d
from .activation import ELU, Hardtanh, LogSigmoid, ReLU6, SiLU, Softplus
from .layers import Unflatten
from .loss import BCELoss, HuberLoss, KLDivLoss, L1Loss, SmoothL1Loss
from .normalization import GroupNorm, LayerNorm
from .sparse import Embedding
from .fold import Fold, Unfold
from .resample import AdaptiveAvgPool2d, AdaptiveMaxPool2d, Upsample

__all__ = ["Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "Linear", "Conv2d",
           "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "ReLU", "LeakyReLU", "Sigmoid", "Tanh",
           "Softmax", "LogSoftmax", "Dropout", "Dropout2d", "Flatten", "Identity",
           "BatchNorm1d", "BatchNorm2d", "CrossEntropyLoss", "NLLLoss", "MSELoss",
           "BCEWithLogitsLoss", "MultiMarginLoss", "functional", "init", "optim", "data",
           "datasets", "utils"]
__all__ += ["ELU", "SiLU", "Softplus", "Hardtanh", "ReLU6", "LogSigmoid", "LayerNorm",
            "GroupNorm", "Embedding", "Unflatten", "L1Loss", "SmoothL1Loss", "HuberLoss",
            "BCELoss", "KLDivLoss"]
__all__ += ["Unfold", "Fold", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Upsample"]
__all__ += ["ParameterList", "ParameterDict"]

from .layers_1d import (AdaptiveAvgPool1d, AdaptiveMaxPool1d, AvgPool1d, Conv1d,  # noqa: E402
                        ConvTranspose1d, Dropout1d, MaxPool1d)

__all__ += ["Conv1d", "ConvTranspose1d", "MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d",
            "AdaptiveMaxPool1d", "Dropout1d"]
