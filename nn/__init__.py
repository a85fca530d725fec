"""`nn`: neural-network building blocks on the tinygrad_edu engine, with PyTorch's names.

    import nn, tinygrad_edu as tg
    x, y = tg.randn(8, 64), tg.randint(0, 10, (8,))
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    loss = nn.CrossEntropyLoss()(model(x), y)
    optimizer.zero_grad(); loss.backward(); optimizer.step()
"""
import sys

from . import data, datasets, functional, init, optim, utils
from . import samplers
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .layers import (AlphaDropout, AvgPool2d, Conv2d, ConvTranspose2d, Dropout, Dropout2d,
                     FeatureAlphaDropout, Flatten, Identity, LeakyReLU, Linear, LogSoftmax,
                     MaxPool2d, ReLU, Sigmoid, Softmax, Tanh)
from .loss import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, MultiMarginLoss, NLLLoss
from .module import Buffer, Module, Parameter
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, SyncBatchNorm
from .activation import ELU, GELU, Hardtanh, LogSigmoid, ReLU6, SiLU, Softplus
from .layers import Bilinear, Unflatten
from .loss import BCELoss, HuberLoss, KLDivLoss, L1Loss, SmoothL1Loss
from .normalization import GroupNorm, LayerNorm
from .sparse import Embedding, EmbeddingBag
from .fold import Fold, Unfold
from .resample import (AdaptiveAvgPool2d, AdaptiveMaxPool2d, Upsample, UpsamplingBilinear2d,
                       UpsamplingNearest2d)

__all__ = ["Module", "Parameter", "Buffer", "Sequential", "ModuleList", "ModuleDict", "Linear",
           "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "ReLU", "LeakyReLU", "Sigmoid", "Tanh",
           "Softmax", "LogSoftmax", "Dropout", "Dropout2d", "AlphaDropout",
           "FeatureAlphaDropout", "Flatten", "Identity",
           "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm", "CrossEntropyLoss",
           "NLLLoss", "MSELoss", "BCEWithLogitsLoss", "MultiMarginLoss", "functional", "init",
           "optim", "data",
           "datasets", "utils"]
__all__ += ["GELU", "ELU", "SiLU", "Softplus", "Hardtanh", "ReLU6", "LogSigmoid", "LayerNorm",
            "GroupNorm", "Embedding", "Unflatten", "L1Loss", "SmoothL1Loss", "HuberLoss",
            "BCELoss", "KLDivLoss"]
__all__ += ["Unfold", "Fold", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Upsample",
            "UpsamplingNearest2d", "UpsamplingBilinear2d"]
__all__ += ["ParameterList", "ParameterDict", "EmbeddingBag", "Bilinear"]

from .layers_1d import (AdaptiveAvgPool1d, AdaptiveMaxPool1d, AvgPool1d, Conv1d,  # noqa: E402
                        ConvTranspose1d, Dropout1d, MaxPool1d)

__all__ += ["Conv1d", "ConvTranspose1d", "MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d",
            "AdaptiveMaxPool1d", "Dropout1d"]

from .unpool import (LPPool1d, LPPool2d, LPPool3d, MaxUnpool1d, MaxUnpool2d,  # noqa: E402
                     MaxUnpool3d)

__all__ += ["MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "LPPool1d", "LPPool2d", "LPPool3d"]

from .layers_3d import (AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, Conv3d,  # noqa: E402
                        ConvTranspose3d, Dropout3d, MaxPool3d)

__all__ += ["Conv3d", "ConvTranspose3d", "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d",
            "AdaptiveMaxPool3d", "Dropout3d"]

from .fractional_pool import FractionalMaxPool2d, FractionalMaxPool3d  # noqa: E402

__all__ += ["FractionalMaxPool2d", "FractionalMaxPool3d"]

from .lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d,  # noqa: E402
                   LazyConv2d, LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d,
                   LazyConvTranspose3d, LazyInstanceNorm1d, LazyInstanceNorm2d,
                   LazyInstanceNorm3d, LazyLinear)

__all__ += ["LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConvTranspose1d",
            "LazyConvTranspose2d", "LazyConv3d", "LazyConvTranspose3d", "LazyBatchNorm1d",
            "LazyBatchNorm2d", "LazyBatchNorm3d",
            "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"]

from .activation_more import (CELU, GLU, SELU, Hardshrink, Hardsigmoid, Hardswish,  # noqa: E402
                              Mish, PReLU, RReLU, Softmax2d, Softmin, Softshrink, Softsign,
                              Tanhshrink, Threshold)
from .distance import CosineSimilarity, PairwiseDistance  # noqa: E402
from .loss_more import (CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss,  # noqa: E402
                        MarginRankingLoss, MultiLabelMarginLoss, MultiLabelSoftMarginLoss,
                        PoissonNLLLoss, SoftMarginLoss, TripletMarginLoss,
                        TripletMarginWithDistanceLoss, CTCLoss)
from .normalization_more import (InstanceNorm1d, InstanceNorm2d, InstanceNorm3d,  # noqa: E402
                                 LocalResponseNorm, RMSNorm)
from .padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d,  # noqa: E402
                      ConstantPad2d, ConstantPad3d, ReflectionPad1d, ReflectionPad2d,
                      ReflectionPad3d, ReplicationPad1d, ReplicationPad2d, ReplicationPad3d,
                      ZeroPad1d, ZeroPad2d, ZeroPad3d)
from .shuffle import ChannelShuffle, PixelShuffle, PixelUnshuffle  # noqa: E402

__all__ += ["PReLU", "RReLU", "Softmin", "Softmax2d", "GLU", "Softsign", "Tanhshrink", "Hardswish",
            "Hardsigmoid", "Mish", "SELU", "CELU", "Threshold", "Hardshrink", "Softshrink",
            "CosineSimilarity", "PairwiseDistance", "PixelShuffle", "PixelUnshuffle",
            "ChannelShuffle", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "RMSNorm",
            "LocalResponseNorm", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d",
            "ConstantPad2d", "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d",
            "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d",
            "CircularPad1d", "CircularPad2d", "CircularPad3d", "MarginRankingLoss",
            "HingeEmbeddingLoss", "SoftMarginLoss", "CosineEmbeddingLoss", "TripletMarginLoss",
            "TripletMarginWithDistanceLoss", "CTCLoss", "MultiLabelSoftMarginLoss",
            "MultiLabelMarginLoss", "PoissonNLLLoss", "GaussianNLLLoss"]

from .recurrent import (GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell,  # noqa: E402
                        RNNCellBase)

__all__ += ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

from .attention import MultiheadAttention  # noqa: E402
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,  # noqa: E402
                          TransformerEncoder, TransformerEncoderLayer)

__all__ += ["MultiheadAttention", "Transformer", "TransformerEncoder", "TransformerDecoder",
            "TransformerEncoderLayer", "TransformerDecoderLayer"]

from .adaptive_softmax import AdaptiveLogSoftmaxWithLoss  # noqa: E402

__all__ += ["AdaptiveLogSoftmaxWithLoss"]

data.sampler = sys.modules["nn.data.sampler"] = samplers    # torch.utils.data.sampler's name
data.dataloader = data.dataset = sys.modules["nn.data.dataloader"] = \
    sys.modules["nn.data.dataset"] = data                     # (torch.utils.data.dataloader's)

from . import torch_paths  # noqa: E402,F401  (nn.modules.batchnorm._BatchNorm, ...: torch's paths)
