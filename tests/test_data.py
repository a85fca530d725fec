"""nn.data (Dataset, TensorDataset, DataLoader) and nn.datasets (digits, MNIST IDX files).

Nothing here touches the network: IDX files are generated, downloads are pointed at a
closed local port or served by a fake urlopen.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import struct

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from nn.data import DataLoader, Dataset, TensorDataset
from tinygrad_edu import Tensor
from nn.datasets import idx


def test_tensor_dataset_and_loader_batches():
    x, y = np.arange(20, dtype=np.float32).reshape(10, 2), np.arange(10)
    data = TensorDataset(x, y)
    assert len(data) == 10
    first = data[3]
    assert first[0].tolist() == [6.0, 7.0] and first[1].item() == 3
    batches = list(DataLoader(data, batch_size=4))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    assert isinstance(batches[0][0], tg.Tensor) and batches[0][0].shape == (4, 2)
    assert batches[2][1].tolist() == [8, 9]
    assert len(DataLoader(data, 4)) == 3 and len(DataLoader(data, 4, drop_last=True)) == 2
    assert [len(b[1]) for b in DataLoader(data, 4, drop_last=True)] == [4, 4]
    with pytest.raises(ValueError, match="same first dimension"):
        TensorDataset(np.zeros(3), np.zeros(4))


def test_shuffle_is_new_each_epoch_and_reproducible_with_seed():
    data = TensorDataset(np.arange(50))

    def epochs(loader, n=3):
        return [np.concatenate([b[0].numpy() for b in loader]).tolist() for _ in range(n)]

    first = epochs(DataLoader(data, 8, shuffle=True, seed=7))
    assert all(sorted(e) == list(range(50)) for e in first)
    assert first[0] != first[1] != first[2]                  # a new order every epoch
    assert epochs(DataLoader(data, 8, shuffle=True, seed=7)) == first
    assert epochs(DataLoader(data, 8, shuffle=True, seed=8)) != first
    tg.manual_seed(3)                                       # without seed: the shared generator
    a = epochs(DataLoader(data, 8, shuffle=True))
    tg.manual_seed(3)
    assert epochs(DataLoader(data, 8, shuffle=True)) == a
    assert epochs(DataLoader(data, 8)) == [list(range(50))] * 3


def test_any_dataset_is_collated():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i], dtype=np.float32), i % 2

    batches = list(DataLoader(Squares(), 2))
    assert batches[1][0].tolist() == [[2, 4], [3, 9]] and batches[1][1].tolist() == [0, 1]
    assert batches[2][0].shape == (1, 2)


def test_dict_samples_are_collated_key_by_key_and_objects_refused():
    class Records(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return {"x": np.full(2, i, np.float32), "y": i}

    batch = next(iter(DataLoader(Records(), 2)))
    assert batch["x"].tolist() == [[0, 0], [1, 1]] and batch["y"].tolist() == [0, 1]

    class Objects(Records):
        def __getitem__(self, i):
            return {"x": object()}

    with pytest.raises(TypeError, match="DataLoader: cannot batch samples of type object"):
        next(iter(DataLoader(Objects(), 2)))


def test_collate_fn_and_unbatched_loading_as_torch():
    class Pairs(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return np.array([i, i]), i, {"w": np.float64(i / 2)}

    sizes = list(DataLoader(Pairs(), 2, collate_fn=len))
    assert sizes == [2, 1]
    samples = list(DataLoader(Pairs(), batch_size=None))
    assert len(DataLoader(Pairs(), batch_size=None)) == 3 and len(samples) == 3
    array, number, record = samples[2]                   # a list, as torch's default_convert
    assert isinstance(samples[2], list) and isinstance(array, Tensor)
    assert array.tolist() == [2, 2] and number == 2 and type(number) is int
    assert isinstance(record["w"], Tensor) and record["w"].item() == 1.0
    rows = list(DataLoader(TensorDataset(np.arange(6.0).reshape(3, 2)), batch_size=None,
                           shuffle=True, seed=0))
    assert sorted(r[0].tolist() for r in rows) == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
    firsts = list(DataLoader(Pairs(), batch_size=None, collate_fn=lambda s: s[1]))
    assert firsts == [0, 1, 2]
    with pytest.raises(ValueError, match="batch_size=None yields single samples"):
        DataLoader(Pairs(), batch_size=None, drop_last=True)


def test_default_convert_keeps_container_types_it_can_rebuild_as_torch():
    from collections import OrderedDict
    from nn.data import default_convert

    class Row(list):
        pass
    ordered = default_convert(OrderedDict(b=np.ones(1), a=2))
    assert type(ordered) is OrderedDict and list(ordered) == ["b", "a"]
    assert isinstance(ordered["b"], Tensor) and ordered["a"] == 2
    row = default_convert(Row([np.zeros(2), "x"]))
    assert type(row) is Row and isinstance(row[0], Tensor) and row[1] == "x"
    assert default_convert(range(3)) == [0, 1, 2]            # a range cannot be rebuilt
    assert default_convert("text") == "text"


def test_loader_arguments_are_checked():
    data = TensorDataset(np.zeros((4, 2)))
    assert len(DataLoader(data, 2, num_workers=0)) == 2
    assert len(DataLoader(data, 2, num_workers=2)) == 2     # the main process makes them
    with pytest.raises(ValueError, match=r"batch_size must be an int >= 1 or None, got 2.0"):
        DataLoader(data, 2.0)


def test_digits_embedded_split():
    train, test = nn.datasets.digits("train"), nn.datasets.digits("test")
    assert len(train) == 1437 and len(test) == 360
    images, labels = train.tensors
    assert images.shape == (1437, 1, 8, 8) and images.dtype == np.float32
    assert labels.dtype == np.int64 and set(labels.tolist()) == set(range(10))
    assert images.numpy().min() == 0.0 and images.numpy().max() == 1.0
    assert np.allclose(images.numpy() * 16, np.round(images.numpy() * 16))   # counts 0..16
    # stratified: every class holds 20% of its images in the test set, to within one
    counts_train = np.bincount(labels.numpy())
    counts_test = np.bincount(test.tensors[1].numpy())
    assert np.all(np.abs(counts_test - 0.2 * (counts_train + counts_test)) < 1)
    # the split is fixed: no test image is also a training image
    train_rows = {row.tobytes() for row in images.numpy()}
    assert sum(row.tobytes() in train_rows for row in test.tensors[0].numpy()) < 5
    with pytest.raises(ValueError, match="'train' or 'test'"):
        nn.datasets.digits("val")


def test_digits_split_helper_is_stratified_and_seeded():
    from nn.datasets.make_digits import stratified_test_mask
    labels = np.repeat(np.arange(3), [10, 20, 33])
    mask = stratified_test_mask(labels, 13, seed=0)
    assert mask.sum() == 13 and np.bincount(labels[mask]).tolist() == [2, 4, 7]
    assert np.array_equal(mask, stratified_test_mask(labels, 13, seed=0))


def write_idx(path, array: np.ndarray, compress: bool) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}i", *array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(raw)


def make_mnist(folder, n: int = 6, compress: bool = True, prefix: str = "t10k") -> tuple:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    suffix = ".gz" if compress else ""
    write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images, compress)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels, compress)
    return images, labels


@pytest.mark.parametrize("compress", [True, False])
def test_mnist_reads_idx_files(tmp_path, compress, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_CACHE", str(tmp_path / "cache"))
    images, labels = make_mnist(tmp_path, compress=compress)
    data = nn.datasets.mnist(tmp_path, split="test")
    x, y = data.tensors
    assert x.shape == (6, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_allclose(x.numpy()[:, 0] * 255, images, atol=1e-4)
    assert y.tolist() == labels.tolist()


def test_fashion_mnist_in_torchvision_layout(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_CACHE", str(tmp_path / "cache"))
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    _, labels = make_mnist(raw, n=3, prefix="train")
    assert nn.datasets.fashion_mnist(tmp_path).tensors[1].tolist() == labels.tolist()


def test_corrupt_idx_files_are_clear_errors(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x00\x00\x0d\x01\x00\x00\x00\x02ab")
    with pytest.raises(ValueError, match="not an unsigned-byte IDX file"):
        idx.read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(bytes([0, 0, 8, 1]) + struct.pack(">i", 5) + b"abc")
    with pytest.raises(ValueError, match="truncated or corrupt"):
        idx.read_idx(tmp_path / "short")


def test_missing_files_say_what_to_download(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_CACHE", str(tmp_path / "cache"))
    with pytest.raises(FileNotFoundError) as info:
        nn.datasets.mnist(tmp_path, split="train")
    message = str(info.value)
    assert "train-images-idx3-ubyte(.gz) not found" in message
    assert "download=True" in message and "train-images-idx3-ubyte.gz" in message
    assert str(tmp_path) in message
    with pytest.raises(ValueError, match="'train' or 'test'"):
        nn.datasets.mnist(tmp_path, split="validation")


def test_download_failure_explains_the_manual_route(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(idx, "MNIST_MIRRORS", ("http://127.0.0.1:9/mnist/",))
    with pytest.raises(RuntimeError) as info:
        idx.mnist(None, split="test", download=True)
    message = str(info.value)
    assert "could not download t10k-images-idx3-ubyte.gz" in message
    assert "http://127.0.0.1:9/mnist/t10k-images-idx3-ubyte.gz" in message
    assert idx.MNIST_SHA256["t10k-images-idx3-ubyte.gz"] in message
    assert str(tmp_path / "cache" / "mnist") in message


def test_download_checks_sha256_and_caches(tmp_path, monkeypatch):
    """A fake mirror: the first serves corrupted bytes (rejected), the second good ones."""
    monkeypatch.setenv("TINYGRAD_EDU_CACHE", str(tmp_path / "cache"))
    source = tmp_path / "source"
    source.mkdir()
    images, labels = make_mnist(source, n=4)
    files = {p.name: p.read_bytes() for p in source.iterdir()}
    checksums = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    requested = []

    def fake_urlopen(url, timeout):
        requested.append(url)
        mirror, name = url.rsplit("/", 1)
        body = files[name] if mirror.endswith("good") else b"not the file"
        return io.BytesIO(body)

    monkeypatch.setattr(idx.urllib.request, "urlopen", fake_urlopen)
    monkeypatch.setattr(idx, "MNIST_MIRRORS", ("https://bad/", "https://good/"))
    monkeypatch.setattr(idx, "MNIST_SHA256", checksums)
    data = idx.mnist(split="test", download=True)
    assert data.tensors[1].tolist() == labels.tolist()
    assert requested == ["https://bad/t10k-images-idx3-ubyte.gz",
                         "https://good/t10k-images-idx3-ubyte.gz",
                         "https://bad/t10k-labels-idx1-ubyte.gz",
                         "https://good/t10k-labels-idx1-ubyte.gz"]
    cached = sorted(p.name for p in (tmp_path / "cache" / "mnist").iterdir())
    assert cached == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    requested.clear()
    idx.mnist(split="test", download=True)          # second time: from the cache
    assert requested == []
