"""The Transformer (Vaswani et al., 2017) as torch builds it: encoder and decoder layers,
their stacks, and the encoder-decoder model.

A layer is a chain of sub-blocks f (self-attention; for the decoder also attention to the
encoder's output, "memory"; then the position-wise feed-forward network), each wrapped in
a residual connection and a LayerNorm:

    post-norm (norm_first=False, the paper's):  x = norm(x + f(x))
    pre-norm  (norm_first=True):                x = x + f(norm(x))

    self-attention:  f(x) = dropout(self_attn(x, x, x))
    cross-attention: f(x) = dropout(multihead_attn(x, memory, memory))
    feed-forward:    f(x) = dropout(linear2(dropout(activation(linear1(x)))))

Shapes: (S, N, E) sequences, (N, S, E) with batch_first=True, (S, E) unbatched. Masks as
`MultiheadAttention`'s (bool: True = masked out; float: added to the scores). A query
whose keys are all masked gets attention output 0, as in torch.

torch has an inference fast path (evaluation without gradients, batch_first, an even
number of heads, ...) that gives the same values, except for padding: there its
TransformerEncoder returns 0 at padded positions (src_key_padding_mask True) before the
final norm, and its TransformerEncoderLayer nan for a sequence that is all padding. Here
both hold what torch's ordinary path computes (no unpadded position reads them).
`enable_nested_tensor` and `mask_check` are accepted and change nothing.
"""
from __future__ import annotations

import copy
from typing import Any, Callable

from tinygrad_edu import Tensor
from tinygrad_edu.device import check_device
from tinygrad_edu.dtypes import get_default_dtype, to_dtype

from . import functional as F
from . import init
from .attention import MultiheadAttention, causal_bias
from .containers import ModuleList
from .layers import Dropout, Linear
from .module import Module
from .normalization import LayerNorm

__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
           "TransformerDecoderLayer"]

Activation = str | Callable[[Tensor], Tensor]


def _activation(op: str, activation: Activation) -> Callable[[Tensor], Tensor]:
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    if isinstance(activation, str) or not callable(activation):
        raise ValueError(f"{op}: activation should be 'relu', 'gelu' or a callable, got "
                         f"{activation!r}")
    return activation


class _Layer(Module):
    """What the encoder and decoder layers share, registered in torch's order: the
    attention modules named in `attentions`, linear1, dropout, linear2, then one norm
    and one dropout per sub-block (norm1, norm2, ..., dropout1, dropout2, ...), then
    `activation` (a Module passed as the activation is a child, as in torch)."""

    attentions: tuple[str, ...]

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Activation = F.relu,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        op = type(self).__name__
        check_device(device, op)
        for name in self.attentions:
            setattr(self, name, MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                   batch_first=batch_first, dtype=dtype))
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        blocks = range(1, len(self.attentions) + 2)
        for i in blocks:
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias,
                                                dtype=dtype))
        for i in blocks:
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = _activation(op, activation)

    def _chain(self, x: Tensor, *blocks: Callable[[Tensor], Tensor]) -> Tensor:
        """x through the sub-blocks, each with its residual connection and norm."""
        for i, block in enumerate(blocks, 1):
            norm = getattr(self, f"norm{i}")
            x = x + block(norm(x)) if self.norm_first else norm(x + block(x))
        return x

    def _sa_block(self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                  is_causal: bool = False) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return getattr(self, f"dropout{len(self.attentions) + 1}")(x)


class TransformerEncoderLayer(_Layer):
    """Self-attention then feed-forward, each with residual and LayerNorm (module
    docstring). Parameters: self_attn, linear1 (dim_feedforward, d_model), linear2,
    norm1, norm2. activation: 'relu', 'gelu' or a callable."""

    attentions = ("self_attn",)

    def forward(self, src: Tensor, src_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None, is_causal: bool = False) -> Tensor:
        return self._chain(src, lambda x: self._sa_block(x, src_mask, src_key_padding_mask,
                                                         is_causal),
                           self._ff_block)


class TransformerDecoderLayer(_Layer):
    """Self-attention, attention to the encoder's output (memory), then feed-forward,
    each with residual and LayerNorm (module docstring). Parameters: self_attn,
    multihead_attn, linear1, linear2, norm1, norm2, norm3."""

    attentions = ("self_attn", "multihead_attn")

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> Tensor:
        return self._chain(tgt, lambda x: self._sa_block(x, tgt_mask, tgt_key_padding_mask,
                                                         tgt_is_causal),
                           lambda x: self._mha_block(x, memory, memory_mask,
                                                     memory_key_padding_mask, memory_is_causal),
                           self._ff_block)

    def _mha_block(self, x: Tensor, mem: Tensor, attn_mask: Tensor | None,
                   key_padding_mask: Tensor | None, is_causal: bool = False) -> Tensor:
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, need_weights=False,
                                is_causal=is_causal)[0]
        return self.dropout2(x)


def _clones(layer: Module, num_layers: int) -> ModuleList:
    """num_layers deep copies of layer: equal initial weights, trained independently (as
    torch; the layer passed in is not one of them)."""
    return ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])


class TransformerEncoder(Module):
    """num_layers copies of encoder_layer applied in turn (`layers.0`, `layers.1`, ...),
    then `norm` when given. is_causal=None: whether mask is the causal mask does not
    change the result here (torch looks, to pick a faster kernel)."""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None, enable_nested_tensor: bool = True,
                 mask_check: bool = True) -> None:
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm
        self.enable_nested_tensor, self.mask_check = enable_nested_tensor, mask_check

    def forward(self, src: Tensor, mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                           is_causal=bool(is_causal))
        return output if self.norm is None else self.norm(output)


class TransformerDecoder(Module):
    """num_layers copies of decoder_layer applied in turn, each attending to `memory`,
    then `norm` when given."""

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int,
                 norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        return output if self.norm is None else self.norm(output)


class Transformer(Module):
    """encoder(src) -> memory; decoder(tgt, memory) -> output: (T, N, d_model) for tgt
    (T, N, d_model) and src (S, N, d_model) ((N, T, ...) with batch_first; unbatched
    (T, d_model)). The stacks end with a LayerNorm each (encoder.norm, decoder.norm);
    custom_encoder / custom_decoder replace them. Every parameter with 2 or more
    dimensions is then re-drawn with xavier_uniform_, as torch."""

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Activation = F.relu,
                 custom_encoder: Module | None = None, custom_decoder: Module | None = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        check_device(device, "Transformer")
        options = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                   batch_first, norm_first, bias, None, dtype)
        for name, stack, layer, count, custom in (
                ("encoder", TransformerEncoder, TransformerEncoderLayer, num_encoder_layers,
                 custom_encoder),
                ("decoder", TransformerDecoder, TransformerDecoderLayer, num_decoder_layers,
                 custom_decoder)):
            if custom is None:
                custom = stack(layer(*options), count,
                               LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
            setattr(self, name, custom)
        self._reset_parameters()
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def _reset_parameters(self) -> None:
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Tensor | None = None,
                tgt_mask: Tensor | None = None, memory_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        batch = 0 if self.batch_first else 1
        if src.ndim == 3 and (tgt.ndim != 3 or src.shape[batch] != tgt.shape[batch]):
            raise ValueError(f"Transformer: the batch sizes of src {src.shape} and tgt "
                             f"{tgt.shape} must be equal (batch_first={self.batch_first})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise ValueError(f"Transformer: src {src.shape} and tgt {tgt.shape} must have "
                             f"d_model={self.d_model} features")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None
                                        ) -> Tensor:
        """The (sz, sz) causal mask: -inf above the diagonal (position i must not see the
        later ones), 0 elsewhere; float32 unless dtype is given."""
        check_device(device, "generate_square_subsequent_mask")
        return Tensor(causal_bias(sz, sz, to_dtype(dtype or get_default_dtype())))
