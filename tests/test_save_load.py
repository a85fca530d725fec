"""tg.save / tg.load keep a state dict's OrderedDict class and its _metadata (the module
versions load_state_dict reads, as torch's checkpoints keep them)."""
from collections import OrderedDict

import pytest

import nn
import tinygrad_edu as tg
from checks import round_trip


def test_a_state_dict_keeps_its_class_and_module_versions():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    saved = model.state_dict()
    loaded = round_trip({"model": saved, "epoch": 3, "plain": {"a": 1}})
    state = loaded["model"]
    assert type(state) is OrderedDict and list(state) == list(saved)
    assert state._metadata == saved._metadata and state._metadata["1"] == {"version": 2}
    assert type(loaded["plain"]) is dict and loaded["epoch"] == 3
    del state["1.num_batches_tracked"]        # version 2 has it: missing, as torch says
    with pytest.raises(RuntimeError, match='Missing key.*"1.num_batches_tracked"'):
        nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3)).load_state_dict(state)
    numbered = round_trip(OrderedDict([(0, tg.ones(1)), (1, tg.zeros(1))]))
    assert type(numbered) is OrderedDict and list(numbered) == [0, 1]
