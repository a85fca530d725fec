"""MNIST and Fashion-MNIST: read the standard IDX files, optionally downloading them.

IDX format (big-endian): two zero bytes, a type byte (0x08 = uint8), the number of
dimensions d, then d int32 sizes, then the data. Image files are (N, 28, 28), label
files (N,). Files may be gzip-compressed (`.gz`) or raw.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

from ..data import TensorDataset

MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "https://storage.googleapis.com/cvdf-datasets/mnist/")
FASHION_MIRRORS = ("https://fashion-mnist.s3.eu-central-1.amazonaws.com/",
                   "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/"
                   "data/fashion/")

# SHA-256 of the .gz archives (the same files torchvision and TensorFlow datasets fetch).
MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz":
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz":
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz":
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz":
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
FASHION_SHA256 = {
    "train-images-idx3-ubyte.gz":
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "train-labels-idx1-ubyte.gz":
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "t10k-images-idx3-ubyte.gz":
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "t10k-labels-idx1-ubyte.gz":
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}


def cache_dir(name: str) -> Path:
    """$TINYGRAD_EDU_CACHE, else $XDG_CACHE_HOME/tinygrad_edu, else ~/.cache/tinygrad_edu
    (on Windows %LOCALAPPDATA%\\tinygrad_edu), then the dataset's name."""
    base = os.environ.get("TINYGRAD_EDU_CACHE")
    if base is None:
        root = os.environ.get("XDG_CACHE_HOME") or os.environ.get("LOCALAPPDATA") or \
            os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(root, "tinygrad_edu")
    return Path(base) / name


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """The uint8 array stored in an IDX file (gzip-compressed when the name ends in .gz)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"read_idx: {path} is not an unsigned-byte IDX file "
                         f"(header {raw[:4].hex() or 'empty'}, expected 000008xx)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"read_idx: {path} has {len(raw)} bytes, fewer than its header of "
                         f"{ndim} sizes needs ({header}); the file is truncated or corrupt")
    shape = tuple(int(n) for n in np.frombuffer(raw[4:header], dtype=">i4"))
    expected = header + int(np.prod(shape))
    if len(shape) != ndim or len(raw) != expected:
        raise ValueError(f"read_idx: {path} has {len(raw)} bytes but its header "
                         f"(shape {shape}) needs {expected}; the file is truncated or corrupt")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _find(directory: Path, dataset_dir: str, stem: str) -> Path | None:
    """`stem` or `stem.gz` in directory, or in torchvision's layout directory/<Name>/raw."""
    for folder in (directory, directory / dataset_dir / "raw"):
        for name in (stem, stem + ".gz"):
            if (folder / name).is_file():
                return folder / name
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(filename: str, target_dir: Path, mirrors: tuple, sha256: str, name: str) -> Path:
    """Fetch `filename` from the first mirror that works, check its SHA-256, keep it."""
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / filename
    problems = []
    for mirror in mirrors:
        url = mirror + filename
        try:
            with urllib.request.urlopen(url, timeout=30) as response, tempfile.NamedTemporaryFile(
                    dir=target_dir, delete=False) as tmp:
                tmp.write(response.read())
            digest = _sha256(Path(tmp.name))
            if digest != sha256:
                os.unlink(tmp.name)
                problems.append(f"{url}: SHA-256 {digest} does not match {sha256}")
                continue
            os.replace(tmp.name, target)
            return target
        except OSError as error:
            problems.append(f"{url}: {error}")
    raise RuntimeError(
        f"{name}: could not download {filename}:\n  " + "\n  ".join(problems) +
        "\nDownload it yourself from one of\n  " + "\n  ".join(m + filename for m in mirrors) +
        f"\n(SHA-256 {sha256}) and put it (.gz or uncompressed) in {target_dir}, "
        "or pass that directory as root.")


def _load(name: str, dataset_dir: str, mirrors: tuple, checksums: dict,
          root: str | os.PathLike | None, split: str, download: bool) -> TensorDataset:
    if split not in ("train", "test"):
        raise ValueError(f"{name}: split must be 'train' or 'test', got {split!r}")
    prefix = "train" if split == "train" else "t10k"
    cache = cache_dir(name)
    folders = ([Path(root)] if root is not None else []) + [cache]
    arrays = []
    for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
        stem = f"{prefix}-{kind}"
        path = next((p for p in (_find(f, dataset_dir, stem) for f in folders) if p), None)
        if path is None and download:
            path = _download(stem + ".gz", cache, mirrors, checksums[stem + ".gz"], name)
        if path is None:
            where = " or ".join(str(f) for f in folders)
            raise FileNotFoundError(
                f"{name}: {stem}(.gz) not found in {where}. Pass download=True to fetch it "
                f"from {mirrors[0]}, or download {mirrors[0]}{stem}.gz yourself and put it "
                f"in {folders[0]}.")
        arrays.append(read_idx(path))
    images, labels = arrays
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"{name}: images of shape {images.shape} do not match labels of "
                         f"shape {labels.shape}")
    return TensorDataset((images[:, None] / np.float32(255)).astype(np.float32, copy=False),
                         labels.astype(np.int64))


def mnist(root: str | os.PathLike | None = None, split: str = "train",
          download: bool = False) -> TensorDataset:
    """MNIST handwritten digits: images (N, 1, 28, 28) float32 in [0, 1], labels int64.

    Looks for the four standard files (`train-images-idx3-ubyte[.gz]`, ...) in `root`
    (or root/MNIST/raw, torchvision's layout) and in the cache directory; with
    `download=True` missing files are fetched into the cache and their SHA-256 checked.
    """
    return _load("mnist", "MNIST", MNIST_MIRRORS, MNIST_SHA256, root, split, download)


def fashion_mnist(root: str | os.PathLike | None = None, split: str = "train",
                  download: bool = False) -> TensorDataset:
    """Fashion-MNIST (Zalando clothing images, 10 classes), same format and rules as `mnist`."""
    return _load("fashion_mnist", "FashionMNIST", FASHION_MIRRORS, FASHION_SHA256, root, split,
                 download)
