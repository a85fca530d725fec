"""Recurrent layers as torch.nn: RNNCell, LSTMCell, GRUCell (one time step) and RNN, LSTM,
GRU (a whole sequence, stacked layers, both directions).

Everything is composed from Tensor ops (linear, sigmoid, tanh, relu, slicing, cat, stack): no
op here has a backward of its own. One step, with x the input, h the previous hidden state
and the rows of weight_ih / weight_hh split into blocks in torch's gate order:

    RNN   h' = tanh(W_ih x + b_ih + W_hh h + b_hh)                        (or relu)
    LSTM  i, f, g, o = the four blocks of  W_ih x + b_ih + W_hh h + b_hh
          c' = sigmoid(f) * c + sigmoid(i) * tanh(g),   h' = sigmoid(o) * tanh(c')
          (with proj_size: h' = W_hr (sigmoid(o) * tanh(c')), so h has proj_size features)
    GRU   r, z, n: the three blocks of each projection separately (gi = W_ih x + b_ih,
          gh = W_hh h + b_hh):  r = sigmoid(gi_r + gh_r),  z = sigmoid(gi_z + gh_z),
          n = tanh(gi_n + r * gh_n),   h' = (1 - z) * n + z * h

Backpropagation through time (BPTT). The Python loop over t unrolls the recurrence into one
graph of L steps that all use the same weights. Backward walks it from the last step to
the first, and the gradient reaching h_{t-1} is the sum of what its own output received
(from the loss or the next layer) and what step t sends back through the recurrence. For
the tanh RNN, with a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh and h_t = tanh(a_t):

    dL/da_t      = dL/dh_t * (1 - h_t**2)
    dL/dh_{t-1} += dL/da_t @ W_hh          the gradient of h_t flows to h_{t-1} through W_hh
    dL/dW_hh    += dL/da_t^T @ h_{t-1}     summed over all steps (one shared weight)
    dL/dW_ih    += dL/da_t^T @ x_t

So the gradient that reaches h_0 from step t went through t factors diag(1 - h**2) W_hh:
its size shrinks or grows geometrically with t (vanishing or exploding gradients: hence
gradient clipping, `nn.utils.clip_grad_norm_`). The LSTM's cell state passes it back
through c_t = f * c_{t-1} + ..., multiplied by the forget gate only, so it can last. None of
this is written by hand here: the engine derives it from the VJPs of the ops of each step
(tests/test_recurrent.py checks it against these formulas and finite differences).

Speed: W_ih x_t + b_ih does not depend on h, so it is one matmul for all L steps before
the loop, then unbound into steps (the engine adds their gradients back into one array,
see autograd.py); each step computes only W_hh h_{t-1} + b_hh and the gates.
"""
from __future__ import annotations

import functools
import math
import warnings
from typing import Any, Callable

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.device import check_device
from tinygrad_edu.dtypes import get_default_dtype, to_dtype
from tinygrad_edu.shapes import new_shape

from . import functional as F
from . import init
from .module import Module, Parameter
from .utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

State = tuple  # (h,) for RNN and GRU, (h, c) for LSTM


def _elman_step(activation: Callable, gi: Tensor, state: State, w_hh: Tensor,
                b_hh: Tensor | None, w_hr: Tensor | None = None) -> State:
    """h' = activation(gi + W_hh h + b_hh), gi = W_ih x + b_ih."""
    (h,) = state
    return (activation(gi + F.linear(h, w_hh, b_hh)),)


def _lstm_step(gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None,
               w_hr: Tensor | None = None) -> State:
    """c' = sigmoid(f) c + sigmoid(i) tanh(g), h' = sigmoid(o) tanh(c') (then W_hr h')."""
    h, c = state
    i, f, g, o = (gi + F.linear(h, w_hh, b_hh)).chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    return (h if w_hr is None else F.linear(h, w_hr), c)


def _gru_step(gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None,
              w_hr: Tensor | None = None) -> State:
    """r, z = sigmoid(gi + gh), n = tanh(gi_n + r gh_n), h' = (1 - z) n + z h."""
    (h,) = state
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, -1)
    r, z = (i_r + h_r).sigmoid(), (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return ((1 - z) * n + z * h,)


# per mode: the number of gate blocks in weight_ih's rows, and one time step
# step(gi, state, w_hh, b_hh, w_hr) -> the new state (w_hr: the LSTM's projection or None)
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
STEPS = {"RNN_TANH": functools.partial(_elman_step, Tensor.tanh),
         "RNN_RELU": functools.partial(_elman_step, Tensor.relu),
         "LSTM": _lstm_step, "GRU": _gru_step}
NONLINEARITIES = {"tanh": "RNN_TANH", "relu": "RNN_RELU"}


def _mode(nonlinearity: str) -> str:
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
    return NONLINEARITIES[nonlinearity]


def _new_parameter(shape: tuple, dtype: Any) -> Parameter:
    dtype = to_dtype(dtype or get_default_dtype())
    return Parameter(np.zeros(new_shape(shape, "RNN"), dtype=dtype))


def _reset(module: Module, hidden_size: int) -> None:
    """Every parameter U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), drawn in
    named_parameters() order from the library's seeded generator, as torch."""
    bound = 1 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    for weight in module.parameters():
        init.uniform_(weight, -bound, bound)


def _check_input(name: str, input: Any, unbatched_ndim: int, input_size: int) -> None:
    """A Tensor of unbatched_ndim or unbatched_ndim + 1 dims with input_size features."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (unbatched_ndim, unbatched_ndim + 1):
        raise ValueError(f"{name}: Expected input to be {unbatched_ndim}D or "
                         f"{unbatched_ndim + 1}D, got {input.ndim}D tensor instead (shape "
                         f"{input.shape})")
    if input.shape[-1] != input_size:
        raise RuntimeError(f"{name}: input.size(-1) must be equal to input_size. Expected "
                           f"{input_size}, got {input.shape[-1]} (input shape {input.shape})")


def _check_dtype(name: str, weight: Tensor, *tensors: Tensor) -> None:
    """The input and the states must have the weights' dtype (matmul mixes none)."""
    for t in tensors:
        if t.dtype != weight.dtype:
            raise ValueError(f"{name}: input and hidden states must have the weight dtype "
                             f"{weight.dtype}, got {t.dtype}. Convert the input: "
                             f"input.to({weight.dtype}), or the model: model.to({t.dtype})")


def _scan(step: Callable, x: Tensor, state: State, w_ih: Tensor, w_hh: Tensor,
          b_ih: Tensor | None, b_hh: Tensor | None, w_hr: Tensor | None,
          reverse: bool, lengths: np.ndarray | None = None) -> tuple[Tensor, State]:
    """Run one layer in one direction over x (L, N, H_in): outputs (L, N, H) and the last
    state. The input projection of all L steps is one matmul, before the loop.

    With `lengths` (a packed batch), sequence n runs only over its steps t < lengths[n]:
    past them its state is kept, so the last state is the one after its own last step,
    and in reverse it starts from the initial state at its own last step."""
    length, batch, features = x.shape
    gi = F.linear(x.reshape(length * batch, features), w_ih, b_ih)
    gi = gi.reshape(length, batch, w_ih.shape[0])
    steps, outputs = gi.unbind(0), []
    for t in (range(length - 1, -1, -1) if reverse else range(length)):
        new = step(steps[t], state, w_hh, b_hh, w_hr)
        if lengths is not None:
            running = Tensor((lengths > t)[:, None])
            new = tuple(n.where(running, s) for n, s in zip(new, state))
        state = new
        outputs.append(state[0])
    return tg.stack(outputs[::-1] if reverse else outputs), state


# ------------------------------------------------------------------------------------ cells
class RNNCellBase(Module):
    """What the cells share: weight_ih (gates*H, H_in), weight_hh (gates*H, H), bias_ih and
    bias_hh (gates*H,) or None; input (N, H_in) or unbatched (H_in,); hx (N, H) or (H,),
    zeros when not given."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        check_device(device, type(self).__name__)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        rows = num_chunks * hidden_size
        self.weight_ih = _new_parameter((rows, input_size), dtype)
        self.weight_hh = _new_parameter((rows, hidden_size), dtype)
        for name in ("bias_ih", "bias_hh"):
            self.register_parameter(name, _new_parameter((rows,), dtype) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset(self, self.hidden_size)

    def _step(self, input: Tensor, hx: tuple | None, mode: str) -> State:
        """One step of `mode` from the state tensors hx (None: zeros); unbatched in, out."""
        name = type(self).__name__
        _check_input(name, input, 1, self.input_size)
        batched = input.ndim == 2
        expected = input.shape[:-1] + (self.hidden_size,)
        if hx is None:
            hx = (tg.zeros(*expected, dtype=input.dtype),) * (2 if mode == "LSTM" else 1)
        for k, h in enumerate(hx):
            if not isinstance(h, Tensor) or h.ndim not in (1, 2):
                raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got "
                                 f"{getattr(h, 'ndim', type(h).__name__)}D instead")
            if h.shape != expected:
                raise RuntimeError(f"{name}: hidden{k} must have shape {expected} for an input "
                                   f"of shape {input.shape}, got {h.shape}")
        _check_dtype(name, self.weight_ih, input, *hx)
        x, hx = (input, hx) if batched else (input.unsqueeze(0), [h.unsqueeze(0) for h in hx])
        gi = F.linear(x, self.weight_ih, self.bias_ih)
        state = STEPS[mode](gi, hx, self.weight_hh, self.bias_hh)
        return state if batched else tuple(s.squeeze(0) for s in state)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        return text + (f", nonlinearity={nonlinearity}" if nonlinearity != "tanh" else "")


class RNNCell(RNNCellBase):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (nonlinearity 'tanh' or 'relu')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        _mode(nonlinearity)
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(input, None if hx is None else (hx,), _mode(self.nonlinearity))[0]


class LSTMCell(RNNCellBase):
    """(h', c') from (h, c): gates i, f, g, o (the module docstring). hx is (h, c) or None."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple[Tensor, Tensor]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise RuntimeError("LSTMCell: hx must be a tuple (h, c) of two tensors")
        return self._step(input, None if hx is None else tuple(hx), "LSTM")


class GRUCell(RNNCellBase):
    """h' = (1 - z) n + z h with gates r, z, n (the module docstring)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(input, None if hx is None else (hx,), "GRU")[0]


# ----------------------------------------------------------------------------------- layers
def _check_size(name: str, value: Any, what: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name}: {what} should be of type int, got: {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name}: {what} must be greater than zero, got {value}")


class RNNBase(Module):
    """A stack of `num_layers` recurrent layers of `mode` ('RNN_TANH', 'RNN_RELU', 'LSTM',
    'GRU'), each run forwards and, when bidirectional, backwards over the sequence.

    Parameters per layer k and direction (suffix '' or '_reverse'), in torch's order:
    weight_ih_lk (gates*H, H_in of layer k), weight_hh_lk (gates*H, H_out), bias_ih_lk and
    bias_hh_lk (gates*H,) when bias, weight_hr_lk (proj_size, H) for an LSTM with proj_size
    (H_out = proj_size, else hidden_size). Layer k > 0 reads the directions of layer k-1
    concatenated (num_directions * H_out features), after dropout when training.

    input (L, N, H_in), (N, L, H_in) with batch_first, or unbatched (L, H_in);
    hx (num_layers * num_directions, N, H_out) (batch_first does not apply), zeros when None.
    Returns (output, h_n): output (L, N, num_directions * H_out) (the directions side by
    side, each at the time step it read); h_n[k * num_directions + d] is the last state of
    layer k in direction d (for the reverse direction, the state after reading x_0).
    LSTM takes and returns hx = (h, c), c of hidden_size features.
    """

    @property
    def _flat_weights_names(self) -> list[str]:
        """torch's (private) list of the weight names, layer by layer, as in
        named_parameters (d2l.ai's initialization code reads it)."""
        return [name for names in self._all_weights for name in names]

    @property
    def _flat_weights(self) -> list:
        """The weights by name: a pruned or parametrized one is read as the module sees it
        (weight = weight_orig * mask), not from the parameter table."""
        return [getattr(self, name, None) for name in self._flat_weights_names]

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        check_device(device, name)
        if mode not in GATES:
            raise ValueError(f"{name}: unknown mode {mode!r}, expected one of {list(GATES)}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
                or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in range [0, 1] representing "
                             f"the probability of an element being zeroed, got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        _check_size(name, input_size, "input_size")
        _check_size(name, hidden_size, "hidden_size")
        _check_size(name, num_layers, "num_layers")
        if not isinstance(proj_size, int) or proj_size < 0:
            raise ValueError(f"{name}: proj_size should be a positive integer or zero to "
                             f"disable projections, got {proj_size!r}")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if proj_size >= hidden_size:
            raise ValueError(f"{name}: proj_size has to be smaller than hidden_size, got "
                             f"proj_size={proj_size} and hidden_size={hidden_size}")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        rows, out = GATES[mode] * hidden_size, proj_size or hidden_size
        directions = 2 if bidirectional else 1
        self._all_weights = []
        for layer in range(num_layers):
            for suffix in ("", "_reverse")[:directions]:
                shapes = {"weight_ih": (rows, input_size if layer == 0 else out * directions),
                          "weight_hh": (rows, out)}
                if bias:
                    shapes.update(bias_ih=(rows,), bias_hh=(rows,))
                if proj_size:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                names = [f"{kind}_l{layer}{suffix}" for kind in shapes]
                for param, shape in zip(names, shapes.values()):
                    setattr(self, param, _new_parameter(shape, dtype))
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset(self, self.hidden_size)

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters of each layer and direction, as torch."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """torch packs the weights into one buffer for cuDNN; nothing to do here."""

    def _weights(self, layer: int, direction: int) -> tuple:
        """(w_ih, w_hh, b_ih, b_hh, w_hr) of one layer and direction, None where absent."""
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        return tuple(getattr(self, kind + suffix, None)          # (pruned: weight_orig * mask)
                     for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"))

    def _initial_state(self, hx: Any, input: Tensor, batch: int) -> list[Tensor]:
        """The state tensors (h0, or h0 and c0), each (num_layers * directions, N, size)."""
        name, lstm = type(self).__name__, self.mode == "LSTM"
        count = self.num_layers * (2 if self.bidirectional else 1)
        sizes = (self.proj_size or self.hidden_size, self.hidden_size)[:2 if lstm else 1]
        if hx is None:
            return [tg.zeros(count, batch, size, dtype=input.dtype) for size in sizes]
        if lstm and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise RuntimeError(f"{name}: hx must be a tuple (h_0, c_0) of two tensors")
        states, batched = (list(hx) if lstm else [hx]), input.ndim == 3
        for k, (state, size) in enumerate(zip(states, sizes)):
            what = ("h_0", "c_0")[k] if lstm else "hx"
            if not isinstance(state, Tensor) or state.ndim != (3 if batched else 2):
                raise RuntimeError(f"{name}: for {'batched 3-D' if batched else 'unbatched 2-D'}"
                                   f" input, {what} should be {3 if batched else 2}-D, got "
                                   f"{getattr(state, 'shape', type(state).__name__)}")
            expected = (count, batch, size) if batched else (count, size)
            if state.shape != expected:
                raise RuntimeError(f"{name}: expected {what} of shape {expected} for an input "
                                   f"of shape {input.shape}, got {state.shape}")
        return [s if batched else s.unsqueeze(1) for s in states]

    def forward(self, input: Tensor | PackedSequence, hx: Any = None) -> tuple[Any, Any]:
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        name = type(self).__name__
        _check_input(name, input, 2, self.input_size)
        batched = input.ndim == 3
        x = input if batched else input.unsqueeze(1)          # (L, N, H_in)
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        if x.shape[0] == 0:
            raise RuntimeError(f"{name}: Expected sequence length to be larger than 0 (input "
                               f"shape {input.shape})")
        initial = self._initial_state(hx, input, x.shape[1])
        _check_dtype(name, self.weight_ih_l0, input, *initial)
        x, states = self._layers(x, initial)
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        if not batched:
            x, states = x.squeeze(1), [s.squeeze(1) for s in states]
        return x, (tuple(states) if self.mode == "LSTM" else states[0])

    def _layers(self, x: Tensor, initial: list[Tensor],
                lengths: np.ndarray | None = None) -> tuple[Tensor, list[Tensor]]:
        """Every layer and direction over x (L, N, H_in): the last layer's outputs and the
        final states stacked as (num_layers * directions, N, size)."""
        directions = 2 if self.bidirectional else 1
        final = []
        for layer in range(self.num_layers):
            if layer and self.training:
                x = F.dropout(x, self.dropout)
            outputs = []
            for direction in range(directions):
                k = layer * directions + direction
                out, last = _scan(STEPS[self.mode], x, tuple(s[k] for s in initial),
                                  *self._weights(layer, direction), reverse=direction == 1,
                                  lengths=lengths)
                outputs.append(out)
                final.append(last)
            x = tg.cat(outputs, -1) if directions == 2 else outputs[0]
        return x, [tg.stack(list(s)) for s in zip(*final)]      # h_n (and c_n)

    def _forward_packed(self, input: PackedSequence, hx: Any) -> tuple[PackedSequence, Any]:
        """A PackedSequence in and out: the batch unpacked in its sorted order, each sequence
        run over its own steps, the outputs packed again; hx and h_n are in the caller's
        batch order, as torch."""
        name = type(self).__name__
        if input.data.ndim != 2:
            raise ValueError(f"{name}: a PackedSequence's data must be 2-D (sum of lengths, "
                             f"input_size), got shape {input.data.shape}")
        _check_input(name, input.data, 1, self.input_size)
        padded, lengths = pad_packed_sequence(PackedSequence(input.data, input.batch_sizes))
        order, back = input.sorted_indices, input.unsorted_indices
        states = hx if isinstance(hx, (tuple, list)) else () if hx is None else (hx,)
        if order is not None and states and all(  # (a state of another shape is left for
                getattr(s, "ndim", 0) == 3 and s.shape[1] >= len(order.data)  # the check
                for s in states):                                              # below)
            hx = (tuple(s[:, order.data] for s in hx) if isinstance(hx, (tuple, list))
                  else hx[:, order.data])
        initial = self._initial_state(hx, padded, padded.shape[1])
        _check_dtype(name, self.weight_ih_l0, padded, *initial)
        x, states = self._layers(padded, initial, lengths.data)
        if back is not None:
            states = [s[:, back.data] for s in states]
        output = PackedSequence(pack_padded_sequence(x, lengths.data).data, input.batch_sizes,
                                order, back)
        return output, (tuple(states) if self.mode == "LSTM" else states[0])

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or relu), stacked."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(_mode(nonlinearity), input_size, hidden_size, num_layers, bias,
                         batch_first, dropout, bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory: forward(input, (h_0, c_0)) -> (output, (h_n, c_n))."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit: gates r, z, n (the module docstring)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, 0, device, dtype)
