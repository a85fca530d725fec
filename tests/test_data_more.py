"""nn.data beyond the basics: torch's collate structure, the TensorDataset fast path (used only
when it gives the same batches), samplers, Subset / random_split / ConcatDataset, DataLoader's
torch keywords. Core tests need no torch; the `torch_*` tests compare with it when installed."""
from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest

import nn
import nn.data as data
import tinygrad_edu as tg
from nn.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, RandomSampler,
                     SequentialSampler, Subset, TensorDataset, default_collate, random_split)
from tinygrad_edu import Tensor

Point = collections.namedtuple("Point", "x y")


class Wrapped(Dataset):
    """The same samples as `inner`, fetched one by one (never the fast path)."""

    def __init__(self, inner):
        self.inner = inner

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, i):
        return self.inner[i]


def describe(batch):
    """Containers by type, Tensors by dtype, shape and values: a structure to compare."""
    if isinstance(batch, Tensor):
        return ("Tensor", str(batch.dtype), batch.shape, batch.tolist())
    if isinstance(batch, dict):
        return (type(batch).__name__, {k: describe(v) for k, v in batch.items()})
    if isinstance(batch, (list, tuple)):
        return (type(batch).__name__, [describe(v) for v in batch])
    return batch


def small_data():
    x = np.arange(30, dtype=np.float32).reshape(10, 3)
    return TensorDataset(x, np.arange(10) % 3)


# ---------------------------------------------------------------- bug 1: the fast path

def test_subclass_getitem_is_called_per_sample():
    calls = []

    class Augmented(TensorDataset):
        def __getitem__(self, i):
            calls.append(i)
            x, y = super().__getitem__(i)
            return x * 2, y, f"s{i}"

    batches = list(DataLoader(Augmented(*small_data().tensors), batch_size=4))
    assert calls == list(range(10))                       # once per sample, with an int
    xs, ys, names = batches[0]
    assert xs.tolist() == (np.arange(12).reshape(4, 3) * 2).tolist()
    assert ys.tolist() == [0, 1, 2, 0] and names == ("s0", "s1", "s2", "s3")


def test_unrelated_batch_attribute_is_ignored():
    class Split(Dataset):
        batch = "train"

        def __len__(self):
            return 4

        def __getitem__(self, i):
            return np.float32(i)

    assert [b.tolist() for b in DataLoader(Split(), batch_size=2)] == [[0, 1], [2, 3]]


def test_fast_path_gives_exactly_the_per_sample_batches(monkeypatch):
    dataset = small_data()
    subset = Subset(dataset, [9, 0, 4, 4, 7, 2, 5])
    gathered = []
    original = data._gather
    monkeypatch.setattr(data, "_gather", lambda d, i: gathered.append(original(d, i)) or
                        gathered[-1])
    for source in (dataset, subset, Subset(subset, [6, 0, 1])):
        for kwargs in (dict(batch_size=3), dict(batch_size=4, shuffle=True, seed=1),
                       dict(sampler=[2, 0, 1, 0], batch_size=2)):
            fast = [describe(b) for b in DataLoader(source, **kwargs)]
            slow = [describe(b) for b in DataLoader(Wrapped(source), **kwargs)]
            assert fast == slow
            assert fast[0][0] == "list" and fast[0][1][1][1] == "int64"
    assert gathered and sum(g is not None for g in gathered) == len(gathered) // 2


def test_fast_path_is_skipped_for_a_custom_collate_or_non_integer_keys():
    dataset = small_data()
    assert data._gather(dataset, [0, 1]) is not None
    assert data._gather(dataset, [True, False]) is None                 # not a row mask
    assert data._gather(Wrapped(dataset), [0, 1]) is None
    assert list(DataLoader(dataset, 5, collate_fn=len)) == [5, 5]


# ---------------------------------------------------------------- bug 2: collate as torch

def test_collate_structure_and_dtypes():
    batch = default_collate([(1, 2.0, True, "a", b"x"), (3, 4.0, False, "b", b"y")])
    assert type(batch) is list                             # tuples give a list, as torch
    ints, floats, bools, names, raw = batch
    assert ints.dtype == np.int64 and floats.dtype == np.float64 and bools.dtype == np.bool_
    assert names == ("a", "b") and raw == (b"x", b"y")     # strings: the zipped tuple
    assert default_collate(["a", "b"]) == ["a", "b"]       # ... or the list given
    assert default_collate([{"k": "a"}, {"k": "b"}]) == {"k": ["a", "b"]}
    point = default_collate([Point(1, np.float32(2)), Point(3, np.float32(4))])
    assert type(point) is Point and point.y.dtype == np.float32 and point.x.tolist() == [1, 3]
    assert type(default_collate([[1, 2], [3, 4]])) is list
    ordered = default_collate([collections.OrderedDict(a=1), collections.OrderedDict(a=2)])
    assert type(ordered) is collections.OrderedDict and ordered["a"].tolist() == [1, 2]
    arrays = default_collate([np.zeros(2, np.int32), np.ones(2, np.int32)])
    assert arrays.dtype == np.int32 and arrays.shape == (2, 2)
    with pytest.raises(RuntimeError, match="same number of fields"):
        default_collate([(1, 2), (3,)])
    with pytest.raises(RuntimeError, match=r"different shapes \[\(2,\), \(3,\)\]"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(TypeError, match="cannot batch samples of type NoneType"):
        default_collate([None, None])


def test_batches_of_pairs_are_lists_that_can_be_modified():
    x, y = next(iter(DataLoader(small_data(), batch_size=2)))
    batch = next(iter(DataLoader(small_data(), batch_size=2)))
    batch[0] = batch[0] * 2
    assert batch[0].tolist() == (x * 2).tolist() and y.tolist() == [0, 1]


# ---------------------------------------------------------------- bug 3: the graph

def test_tensor_dataset_rows_stay_in_the_graph():
    w = Tensor(np.arange(8.0).reshape(4, 2), requires_grad=True)
    labels = np.arange(4)
    dataset = TensorDataset(w, labels)
    row, label = dataset[1]
    assert row.requires_grad and not label.requires_grad and label.shape == ()
    (row * 3).sum().backward()
    assert w.grad.tolist() == [[0, 0], [3, 3], [0, 0], [0, 0]]
    w.grad = None
    for source in (dataset, Wrapped(dataset)):             # fast path, and tg.stack
        rows, _ = next(iter(DataLoader(source, batch_size=3, sampler=[3, 1, 3])))
        assert rows.requires_grad
        rows.sum().backward()
        assert w.grad.tolist() == [[0, 0], [1, 1], [0, 0], [2, 2]]
        w.grad = None
    with tg.no_grad():
        assert not dataset[0][0].requires_grad
        assert not next(iter(DataLoader(Wrapped(dataset), 2)))[0].requires_grad
    plain = TensorDataset(np.arange(3))[2][0]
    plain += 1                                             # a writable 0-d array, not a scalar
    assert plain.item() == 3 and not plain.requires_grad


# ---------------------------------------------------------------- bug 4: torch's keywords

def test_loader_accepts_torchs_keywords():
    dataset = small_data()
    loader = DataLoader(dataset, 4, pin_memory=True, timeout=0, worker_init_fn=None,
                        prefetch_factor=None, persistent_workers=False,
                        multiprocessing_context=None)
    assert len(loader) == 3 and loader.pin_memory
    workers = DataLoader(dataset, 4, num_workers=2, prefetch_factor=2, persistent_workers=True,
                         timeout=5, worker_init_fn=print, in_order=False)
    assert [b[1].tolist() for b in workers] == [b[1].tolist() for b in loader]   # same batches
    by_sampler = [b[1].tolist() for b in DataLoader(dataset, 2, sampler=[9, 8, 7])]
    assert by_sampler == [[0, 2], [1]]
    positional = DataLoader(dataset, 2, False, [9, 8, 7], None, 0, None, False, True)
    assert positional.drop_last and len(positional) == 1       # torch's argument order
    batches = list(DataLoader(dataset, batch_sampler=[[0, 1, 2], [5]]))
    assert [b[0].shape for b in batches] == [(3, 3), (1, 3)]
    loader = DataLoader(dataset, batch_sampler=[[0], [1]])
    assert loader.batch_size is None and len(loader) == 2
    assert [x.tolist() for x, _ in DataLoader(dataset, None, sampler=[4, 1])] == \
        [[12, 13, 14], [3, 4, 5]]


@pytest.mark.parametrize("kwargs, message", [
    (dict(shuffle=True, sampler=[0]), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], drop_last=True), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], sampler=[0]), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], shuffle=True), "batch_sampler option is mutually exclusive"),
    (dict(pin_memory_device="cuda"), "pin_memory_device='cuda': this DataLoader has only the CPU"),
    (dict(num_workers=-1), "num_workers option should be non-negative"),
    (dict(timeout=-1), "timeout option should be non-negative, got -1"),
    (dict(seed=0, generator=np.random.default_rng(0)), "seed or generator, not both"),
    (dict(batch_size=True), "batch_size must be an int >= 1 or None, got True"),
])
def test_loader_refuses_what_it_cannot_do(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(small_data(), **kwargs)


def test_loader_type_errors():
    with pytest.raises(TypeError, match="generator must be a tinygrad_edu.Generator, a np.random.Generator"):
        DataLoader(small_data(), shuffle=True, generator=3)
    with pytest.raises(TypeError, match="sampler must be an iterable of indices, got bool"):
        DataLoader(small_data(), 2, True, True)            # (the old drop_last position)


def test_shuffle_with_a_generator_and_the_seeded_order_unchanged():
    dataset = TensorDataset(np.arange(20))

    def order(loader):
        return [int(v) for b in loader for v in b[0].tolist()]

    loader = DataLoader(dataset, 6, shuffle=True, generator=np.random.default_rng(5))
    assert loader.generator is not None
    first, second = order(loader), order(loader)
    rng = np.random.default_rng(5)
    assert first == rng.permutation(20).tolist() and second == rng.permutation(20).tolist()
    seeded = DataLoader(dataset, 6, shuffle=True, seed=5)  # the same draws as before
    assert order(seeded) == first and order(seeded) == second
    tg.manual_seed(4)
    shared = order(DataLoader(dataset, 6, shuffle=True))
    assert shared == np.random.default_rng(4).permutation(20).tolist()


# ---------------------------------------------------------------- samplers

def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]

    class Evens(data.Sampler[int]):                        # subclassed as in torch code
        def __init__(self, source):
            super().__init__(source)
            self.n = len(source)

        def __iter__(self):
            return iter(range(0, self.n, 2))

        def __len__(self):
            return (self.n + 1) // 2

    class Rows(Dataset[tuple]):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return (i,)

    assert [b[0].tolist() for b in DataLoader(Rows(), 2, sampler=Evens(Rows()))] == \
        [[0, 2], [4]]
    tg.manual_seed(0)
    a = list(RandomSampler(range(6)))
    tg.manual_seed(0)
    assert list(RandomSampler(range(6))) == a and sorted(a) == list(range(6))
    assert all(type(i) is int for i in a)
    rng_a, rng_b = np.random.default_rng(1), np.random.default_rng(1)
    assert list(RandomSampler(range(6), generator=rng_a)) == \
        list(RandomSampler(range(6), generator=rng_b))
    long = list(RandomSampler(range(4), num_samples=10))
    assert len(long) == 10 and sorted(long[:4]) == sorted(long[4:8]) == [0, 1, 2, 3]
    assert len(set(long[8:])) == 2
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=50))
    assert len(drawn) == 50 and set(drawn) == {0, 1, 2}
    assert len(RandomSampler(range(3), True, 7)) == 7
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        RandomSampler([])
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        RandomSampler(range(3), replacement=1)
    assert list(BatchSampler(range(5), 2, False)) == [[0, 1], [2, 3], [4]]
    assert list(BatchSampler(range(5), 2, True)) == [[0, 1], [2, 3]]
    assert len(BatchSampler(range(5), 2, False)) == 3 and len(BatchSampler(range(5), 2, True)) == 2
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        BatchSampler(range(5), 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value"):
        BatchSampler(range(5), 2, 1)


def test_loader_with_sampler_objects():
    dataset = small_data()
    sampler = RandomSampler(dataset, replacement=True, num_samples=7,
                            generator=np.random.default_rng(0))
    loader = DataLoader(dataset, 3, sampler=sampler)
    assert len(loader) == 3 and [len(b[1]) for b in loader] == [3, 3, 1]
    batches = BatchSampler(SequentialSampler(dataset), 4, drop_last=True)
    assert [b[1].tolist() for b in DataLoader(dataset, batch_sampler=batches)] == \
        [[0, 1, 2, 0], [1, 2, 0, 1]]


# ---------------------------------------------------------------- Subset, random_split, concat

def test_subset():
    subset = Subset(small_data(), [7, 2, 2])
    assert len(subset) == 3 and subset[0][1].item() == 1 and subset[-1][0].tolist() == [6, 7, 8]
    rows, labels = subset[[0, 1]]                          # a list index, as torch
    assert rows.shape == (2, 3) and labels.tolist() == [1, 2]


def test_random_split_lengths_and_reproducibility():
    dataset = small_data()
    parts = random_split(dataset, [3, 7], generator=np.random.default_rng(0))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    assert parts[0].indices + parts[1].indices == np.random.default_rng(0).permutation(10).tolist()
    assert [len(p) for p in random_split(range(10), [0.33, 0.33, 0.34])] == [4, 3, 3]
    assert [len(p) for p in random_split(range(11), [0.5, 0.5])] == [6, 5]
    assert [len(p) for p in random_split(range(7), [0.1, 0.1, 0.8])] == [1, 1, 5]
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        assert [len(p) for p in random_split(range(2), [0.1, 0.1, 0.8])] == [1, 0, 1]
    tg.manual_seed(2)
    a = random_split(range(10), [0.5, 0.5])[0].indices
    tg.manual_seed(2)
    assert random_split(range(10), [0.5, 0.5])[0].indices == a
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(range(10), [3, 6])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        random_split(range(10), [1.5, -0.5])
    with pytest.raises(ValueError, match=r"lengths must be ints >= 0 .* got \[0.5, 0.6\]"):
        random_split(range(10), [0.5, 0.6])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train, val = random_split(dataset, [0.8, 0.2], generator=np.random.default_rng(0))
    xs, ys = next(iter(DataLoader(train, batch_size=8)))
    assert xs.shape == (8, 3) and ys.tolist() == [dataset[i][1].item() for i in train.indices]


def test_concat_dataset_and_add():
    a, b = small_data(), TensorDataset(np.full((2, 3), -1.0, np.float32), np.array([7, 8]))
    both = a + b
    assert isinstance(both, ConcatDataset) and len(both) == 12
    assert both.cumulative_sizes == [10, 12]
    assert both[10][1].item() == 7 and both[-1][1].item() == 8 and both[9][1].item() == 0
    assert len(both + a) == 22 and len((both + a).datasets) == 2       # no flattening
    labels = [v for _, y in DataLoader(both, batch_size=5) for v in y.tolist()]
    assert labels == [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 7, 8]
    with pytest.raises(ValueError, match="absolute value of index should not exceed"):
        both[-13]
    with pytest.raises(IndexError, match="index 12 is out of range"):
        both[12]
    with pytest.raises(ValueError, match="should not be an empty iterable"):
        ConcatDataset([])


# ---------------------------------------------------------------- against torch (optional)

def test_torch_collate_structure_and_dtypes_match():
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate

    def describe_torch(batch):
        if isinstance(batch, torch.Tensor):
            return ("Tensor", str(batch.numpy().dtype), tuple(batch.shape), batch.tolist())
        if isinstance(batch, dict):
            return (type(batch).__name__, {k: describe_torch(v) for k, v in batch.items()})
        if isinstance(batch, (list, tuple)):
            return (type(batch).__name__, [describe_torch(v) for v in batch])
        return batch

    cases = [
        [(1, 2.0), (3, 4.0)],
        [[1, 2], [3, 4]],
        [Point(1, 2.0), Point(3, 4.0)],
        ["a", "b"],
        [(np.zeros(2, np.float32), "img_0.png"), (np.ones(2, np.float32), "img_1.png")],
        [1, 2], [1.5, 2.5], [True, False],
        [np.float32(1), np.float32(2)], [np.int32(1), np.int32(2)], [np.array(1.5)] * 2,
        [{"a": 1, "b": "s", "c": (np.int16(1), 2.0)}, {"a": 2, "b": "t", "c": (3, 4.0)}],
        [collections.OrderedDict(z=1.0, a=2)] * 2,
    ]
    for samples in cases:
        theirs = describe_torch(torch_collate(samples))
        assert describe(default_collate(samples)) == theirs, samples


def test_torch_loader_batches_match():
    torch = pytest.importorskip("torch")
    import torch.utils.data as TD

    x = np.arange(30, dtype=np.float32).reshape(10, 3)
    y = np.arange(10) % 3
    ours_data, theirs_data = TensorDataset(x, y), TD.TensorDataset(torch.tensor(x),
                                                                   torch.tensor(y))

    def as_lists(loader):
        return [[type(b).__name__] + [t.tolist() for t in b] for b in loader]

    for kwargs in (dict(batch_size=4), dict(batch_size=4, drop_last=True),
                   dict(batch_size=3, sampler=[9, 1, 4, 4]),
                   dict(batch_sampler=[[0, 5], [2], [9, 8, 7]])):
        ours = as_lists(DataLoader(ours_data, **kwargs))
        theirs = as_lists(TD.DataLoader(theirs_data, **kwargs))
        assert ours == theirs, kwargs
        assert len(DataLoader(ours_data, **kwargs)) == len(TD.DataLoader(theirs_data, **kwargs))
    for subset in ([3, 1], [0]):
        assert [t.tolist() for t in Subset(ours_data, subset)[0]] == \
            [t.tolist() for t in TD.Subset(theirs_data, subset)[0]]
    ours_cat, theirs_cat = ours_data + ours_data, theirs_data + theirs_data
    assert ours_cat.cumulative_sizes == theirs_cat.cumulative_sizes
    assert [ours_cat[i][1].item() for i in (-1, 10, 3)] == \
        [theirs_cat[i][1].item() for i in (-1, 10, 3)]
    assert list(BatchSampler(range(7), 3, False)) == list(TD.BatchSampler(range(7), 3, False))
    assert list(BatchSampler(range(7), 3, True)) == list(TD.BatchSampler(range(7), 3, True))
    w = torch.tensor(x, requires_grad=True)
    assert TD.TensorDataset(w)[0][0].requires_grad
    assert TensorDataset(Tensor(x, requires_grad=True))[0][0].requires_grad


def test_torch_random_split_lengths_match():
    pytest.importorskip("torch")
    import torch.utils.data as TD

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                     # empty splits warn in both
        for n, lengths in ((10, [0.33, 0.33, 0.34]), (11, [0.5, 0.5]), (7, [0.1, 0.1, 0.8]),
                           (2, [0.1, 0.1, 0.8]), (100, [0.7, 0.2, 0.1]), (5, [1.0]),
                           (13, [0.25] * 4), (10, [4, 6]), (0, [0.5, 0.5])):
            ours = [len(p) for p in random_split(range(n), lengths)]
            theirs = [len(p) for p in TD.random_split(range(n), lengths)]
            assert ours == theirs, (n, lengths)
    for lengths in ([3, 6], [1.5, -0.5], [0.5, 0.6]):
        with pytest.raises(ValueError):
            TD.random_split(range(10), lengths)
        with pytest.raises(ValueError):
            random_split(range(10), lengths)


def test_weighted_and_subset_random_samplers():
    tg.manual_seed(0)
    weighted = data.WeightedRandomSampler([0.1, 0.0, 0.9], num_samples=5000)
    counts = np.bincount(list(weighted), minlength=3) / 5000
    assert counts[1] == 0 and abs(counts[2] - 0.9) < 0.02 and len(weighted) == 5000
    subset = data.SubsetRandomSampler([7, 3, 5])
    assert sorted(subset) == [3, 5, 7] and len(subset) == 3
    with pytest.raises(ValueError, match="WeightedRandomSampler: weights must be finite"):
        data.WeightedRandomSampler([-1.0, 2.0], 3)
    with pytest.raises(ValueError, match="cannot draw 3 samples without replacement"):
        data.WeightedRandomSampler([1.0, 0.0, 1.0], 3, replacement=False)


# ------------------------------------------------- nineteenth session: a data-loading sweep
def test_a_packed_sequence_rebuilt_from_sorted_indices_keeps_the_batch_order():
    from nn.utils.rnn import PackedSequence, pack_sequence, pad_packed_sequence
    packed = pack_sequence([tg.tensor([1.0]), tg.tensor([2.0, 2, 2]), tg.tensor([3.0, 3])],
                           enforce_sorted=False)
    rebuilt = PackedSequence(packed.data * 10, packed.batch_sizes, packed.sorted_indices)
    assert rebuilt.unsorted_indices.tolist() == [2, 0, 1]              # torch derives it
    padded, lengths = pad_packed_sequence(rebuilt, batch_first=True)
    assert padded.tolist() == [[10, 0, 0], [20, 20, 20], [30, 30, 0]]
    assert lengths.tolist() == [1, 3, 2]
    assert rebuilt.double().data.dtype == np.float64 and rebuilt.to("cpu") is rebuilt
    assert rebuilt.float() is rebuilt and rebuilt.cpu() is rebuilt and not rebuilt.is_cuda
    assert type(rebuilt.double()) is PackedSequence


def test_an_iterable_dataset_is_batched_in_stream_order():
    class Stream(data.IterableDataset):
        def __iter__(self):
            assert data.get_worker_info() is None                 # the main process, as torch
            return iter(range(7))

    assert [b.tolist() for b in data.DataLoader(Stream(), batch_size=3)] == \
        [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in data.DataLoader(Stream(), batch_size=3, drop_last=True)] == \
        [[0, 1, 2], [3, 4, 5]]
    assert list(data.DataLoader(Stream(), batch_size=None)) == list(range(7))
    with pytest.raises(TypeError, match="Stream is a stream without a length"):
        len(data.DataLoader(Stream(), batch_size=3))
    for option in (dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])):
        with pytest.raises(ValueError, match="DataLoader with an IterableDataset"):
            data.DataLoader(Stream(), **option)

    class Sized(Stream):
        def __len__(self):
            return 7

    assert [len(data.DataLoader(Sized(), batch_size=3, drop_last=drop)) for drop in (False, True)
            ] == [3, 2]
    chained = Stream() + Sized()
    assert isinstance(chained, data.ChainDataset) and list(chained) == list(range(7)) * 2
    with pytest.raises(TypeError, match="ChainDataset: expects IterableDatasets"):
        data.ChainDataset([Stream(), [1, 2]])


def test_the_torch_import_paths_of_the_data_utilities():
    from tinygrad_edu.utils.data import DataLoader, Dataset
    from tinygrad_edu.utils.data.dataloader import default_collate
    from tinygrad_edu.utils.data.sampler import BatchSampler
    from nn.data.dataset import TensorDataset
    assert DataLoader is data.DataLoader and Dataset is data.Dataset
    assert default_collate is data.default_collate and BatchSampler is data.BatchSampler
    assert TensorDataset is data.TensorDataset


def test_collate_sampler_and_loader_checks_as_torch():
    assert data.default_collate([1, 2.5]).dtype == np.float32     # torch.tensor([1, 2.5])
    assert data.default_collate([2.5, 1]).dtype == np.float64     # a float first: float64
    assert data.default_collate([1, 2]).dtype == np.int64
    with pytest.raises(ValueError, match=r"weights must be a 1-d sequence.*\(2, 2\)"):
        data.WeightedRandomSampler([[1.0, 2.0], [3.0, 4.0]], 3)
    for option in (dict(persistent_workers=True), dict(prefetch_factor=2)):
        with pytest.raises(ValueError, match="option needs num_workers > 0"):
            data.DataLoader(data.TensorDataset(tg.arange(4)), **option)


def test_read_idx_names_a_header_cut_short(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(ValueError, match="read_idx: .* has 6 bytes, fewer than its header"):
        nn.datasets.read_idx(path)


def test_one_hot_names_a_bad_num_classes():
    with pytest.raises(ValueError, match="one_hot: num_classes must be -1"):
        nn.functional.one_hot(tg.tensor([1]), num_classes=-2)


def test_collate_promotes_mixed_dtypes_as_torch():
    int_then_float = default_collate([Tensor(np.int64(1)), Tensor(np.float32(2))])
    assert int_then_float.dtype == np.float32 and int_then_float.tolist() == [1.0, 2.0]
    assert default_collate([np.zeros(2, np.float32), np.ones(2, np.int32)]).dtype == np.float32
    assert default_collate([np.zeros(2, np.int16), np.ones(2, np.float16)]).dtype == np.float16
    assert default_collate([np.float32(1), 2.5]).dtype == np.float32
    assert default_collate([np.float64(1), 2.5]).dtype == np.float64
    assert default_collate([1, np.float32(2)]).dtype == np.float32
    assert default_collate([True, 2.5]).dtype == np.float32
    assert default_collate([True, 2]).tolist() == [1, 2]
    with pytest.raises(TypeError, match="first sample is a Tensor, so every sample must be one, "
                                        "got Tensor, ndarray"):
        default_collate([tg.zeros(2), np.zeros(2)])


def test_getitems_fetches_a_whole_batch_as_torch():
    class Rows(Dataset):
        calls = []

        def __len__(self):
            return 4

        def __getitems__(self, indices):
            self.calls.append(list(indices))
            return [[10 * i, -i] for i in indices]

    rows = Rows()
    assert [b[0].tolist() for b in DataLoader(rows, 2)] == [[0, 10], [20, 30]]
    assert Rows.calls == [[0, 1], [2, 3]]
    subset = Subset(rows, [3, 1])                       # mapped indices, one call
    assert [b[1].tolist() for b in DataLoader(subset, 2)] == [[-3, -1]]
    assert Rows.calls[-1] == [3, 1]


def test_stack_dataset():
    images, labels = TensorDataset(tg.arange(6).reshape(3, 2)), [7, 8, 9]
    pairs = data.StackDataset(images, labels)
    assert len(pairs) == 3 and pairs[1][1] == 8 and pairs[1][0][0].tolist() == [2, 3]
    named = data.StackDataset(image=images, label=labels)
    (batch,) = list(DataLoader(named, 3))
    assert batch["label"].tolist() == [7, 8, 9] and batch["image"][0].shape == (3, 2)
    assert [b[1].tolist() for b in DataLoader(pairs, 2)] == [[7, 8], [9]]
    with pytest.raises(ValueError, match=r"StackDataset: the datasets differ in length: \[2, 3\]"):
        data.StackDataset(images, [1, 2])
    with pytest.raises(ValueError, match="either as positional or as keyword arguments"):
        data.StackDataset(images, label=labels)


def test_loader_attributes_and_iterator_length_as_torch():
    loader = DataLoader(small_data(), 4, timeout=2, worker_init_fn=print)
    assert loader.collate_fn is default_collate and loader.timeout == 2
    assert loader.worker_init_fn is print and loader.prefetch_factor is None
    assert DataLoader(small_data(), None).collate_fn is data.default_convert
    batches = iter(loader)
    assert len(batches) == 3 and len(list(batches)) == 3
    with pytest.raises(ValueError, match="multiprocessing_context can only be used with "
                                         "multi-process loading"):
        DataLoader(small_data(), multiprocessing_context="spawn")


def test_dataset_base_has_no_length_and_concat_refuses_streams():
    class Indexed(Dataset):
        def __getitem__(self, index):
            return index

    with pytest.raises(TypeError):                      # (as torch: no __len__ at all)
        len(Indexed())

    class Stream(data.IterableDataset):
        def __iter__(self):
            yield 1

        def __len__(self):
            return 1

    with pytest.raises(TypeError, match="ConcatDataset: Stream is an IterableDataset"):
        ConcatDataset([Stream()])
