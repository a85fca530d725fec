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


def test_foreign_objects_are_named_with_their_package(tmp_path):
    import fractions

    import numpy as np
    with pytest.raises(TypeError, match=r"save: cannot store a fractions\.Fraction; expected"):
        tg.save({"x": fractions.Fraction(1, 3)}, tmp_path / "f.pt")
    with pytest.raises(RuntimeError, match=r"received fractions\.Fraction"):
        nn.Linear(1, 1).load_state_dict({"weight": fractions.Fraction(1), "bias": [0.0]})
    np.savez(tmp_path / "plain.npz", a=np.zeros(2))           # a zip, like torch's format
    with pytest.raises(ValueError, match=r"no '__structure__' entry; a torch tensor or "
                                         r"checkpoint\? load it with torch"):
        tg.load(tmp_path / "plain.npz")


def test_torch_tensors_get_the_numpy_hint(tmp_path):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match=r"received torch\.Tensor \(a torch tensor or "
                                           r"checkpoint\? .*v\.numpy\(\)"):
        nn.Linear(2, 1).load_state_dict(torch.nn.Linear(2, 1).state_dict())
    torch.save(torch.nn.Linear(2, 1).state_dict(), tmp_path / "torch.pt")
    with pytest.raises(ValueError, match="a torch tensor or checkpoint"):
        tg.load(tmp_path / "torch.pt")


def test_torchs_save_and_load_keywords_and_module_paths(tmp_path):
    import collections

    from nn.modules.utils import consume_prefix_in_state_dict_if_present
    from nn.parameter import Buffer, Parameter
    assert Parameter is nn.Parameter and Buffer is nn.Buffer      # torch.nn.parameter's path
    path = tmp_path / "m.pt"
    tg.save({"w": tg.ones(2)}, path, pickle_protocol=4, _use_new_zipfile_serialization=False)
    assert tg.load(path, mmap=True)["w"].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="save: nothing is pickled here"):
        tg.save({}, path, pickle_module=object())
    wrapped = collections.OrderedDict((f"module.{k}", v)
                                      for k, v in nn.Linear(2, 1).state_dict().items())
    wrapped._metadata = {"module": {"version": 1}, "module.inner": {}}
    consume_prefix_in_state_dict_if_present(wrapped, "module.")   # DataParallel's prefix
    assert list(wrapped) == ["weight", "bias"]
    assert wrapped._metadata == {"": {"version": 1}, "inner": {}}
    nn.Linear(2, 1).load_state_dict(wrapped)
