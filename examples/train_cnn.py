"""Train a LeNet-style CNN with `nn`, `loss.backward()` and `nn.optim` -- the main demo.

    python examples/train_cnn.py                          # embedded 8x8 digits, ~5 s
    python examples/train_cnn.py --dataset mnist --data DIR   # MNIST IDX files in DIR
    python examples/train_cnn.py --dataset mnist --download   # fetch MNIST into the cache

Per epoch it prints `epoch N: train loss X.XXXX, train acc YY.YY%, test acc ZZ.ZZ%`,
then saves a checkpoint (model + optimizer + scheduler + epoch + history, one .npz,
no pickle), a loss/accuracy curve (with matplotlib) and the backward graph of one
small batch (with viz and Graphviz). `pip install -e ".[demo]"` adds the progress bar
(tqdm) and the curve (matplotlib).

What gets the 8x8 digits to ~98-99% in well under a minute: random shifts of up to
one pixel as augmentation, label smoothing 0.1, AdamW with the one-cycle schedule.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np

import nn
import tinygrad_edu as tg


class LeNet(nn.Module):
    """Convolutions, ReLU and max-pooling, then a two-layer classifier; for 8x8 or 28x28 input.

    8x8:   conv 1->16 3x3, conv 16->32 3x3, pool 2            -> 32 x 4 x 4 = 512 features
    28x28: conv 1->16 5x5, pool 2, conv 16->32 5x5, pool 2    -> 32 x 7 x 7 = 1568 features
    then Linear(features, 128), ReLU, Dropout(0.25), Linear(128, 10).
    """

    def __init__(self, image_size: int = 8, num_classes: int = 10) -> None:
        super().__init__()
        if image_size == 8:
            self.features = nn.Sequential(
                nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
                nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
            features = 32 * 4 * 4
        elif image_size == 28:
            self.features = nn.Sequential(
                nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2))
            features = 32 * 7 * 7
        else:
            raise ValueError(f"LeNet: image_size must be 8 or 28, got {image_size}")
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(features, 128), nn.ReLU(), nn.Dropout(0.25),
            nn.Linear(128, num_classes))

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        return self.classifier(self.features(x))


def random_shift(images: np.ndarray, max_shift: int, rng: np.random.Generator) -> np.ndarray:
    """Move every image by its own random (dy, dx) in [-max_shift, max_shift], filling with 0."""
    if max_shift == 0:
        return images
    n, c, h, w = images.shape
    padded = np.pad(images, ((0, 0), (0, 0), (max_shift,) * 2, (max_shift,) * 2))
    dy, dx = rng.integers(0, 2 * max_shift + 1, size=(2, n))
    rows = (dy[:, None] + np.arange(h))[:, None, :, None]
    cols = (dx[:, None] + np.arange(w))[:, None, None, :]
    return padded[np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None], rows, cols]


def load_data(args: argparse.Namespace) -> tuple:
    if args.dataset == "digits":
        train, test = nn.datasets.digits("train"), nn.datasets.digits("test")
    else:
        loader = getattr(nn.datasets, args.dataset)
        train = loader(args.data, "train", download=args.download)
        test = loader(args.data, "test", download=args.download)
    if args.limit:
        train = nn.data.TensorDataset(*(t[:args.limit] for t in train.tensors))
        test = nn.data.TensorDataset(*(t[:args.limit] for t in test.tensors))
    return train, test


def accuracy(model: nn.Module, dataset: nn.data.TensorDataset, batch_size: int = 256) -> float:
    """Percentage of correct predictions (eval mode, no graph)."""
    model.eval()
    correct = 0
    with tg.no_grad():
        for images, labels in nn.data.DataLoader(dataset, batch_size):
            correct += int((model(images).argmax(1) == labels).sum().item())
    model.train()
    return 100.0 * correct / len(dataset)


def progress(iterable, total: int, enabled: bool, desc: str):
    """tqdm's bar when tqdm is installed (and wanted), else the plain iterable."""
    if enabled:
        try:
            from tqdm import tqdm
            return tqdm(iterable, total=total, desc=desc, leave=False, file=sys.stderr)
        except ImportError:
            pass
    return iterable


def train_epoch(model, loader, optimizer, scheduler, criterion, args, desc) -> tuple:
    """One pass over the data; returns (mean loss, accuracy %, per-step losses)."""
    model.train()
    losses, correct, seen, start = [], 0, 0, time.perf_counter()
    bar = progress(loader, len(loader), args.progress, desc)
    for images, labels in bar:
        x = tg.Tensor(random_shift(images.numpy(), args.shift, tg.random.generator()))
        logits = model(x)
        loss = criterion(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
        correct += int((logits.argmax(1) == labels).sum().item())
        seen += len(labels)
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss=f"{np.mean(losses[-20:]):.4f}",
                            img_per_s=f"{seen / (time.perf_counter() - start):.0f}")
    return float(np.mean(losses)), 100.0 * correct / seen, losses


def save_curves(history: dict, path: Path) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install -e '.[demo]'), so no curve; "
              f"train loss per epoch: {[round(v, 4) for v in history['train_loss']]}, "
              f"test acc: {[round(v, 2) for v in history['test_acc']]}")
        return
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(np.arange(1, len(history["step_loss"]) + 1) / history["steps_per_epoch"],
                 history["step_loss"], lw=0.6, alpha=0.6, label="per step")
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    ax_loss.plot(epochs, history["train_loss"], "o-", label="epoch mean")
    ax_loss.set(xlabel="epoch", ylabel="train loss", title="loss (with label smoothing)")
    ax_loss.legend()
    ax_acc.plot(epochs, history["train_acc"], "o-", label="train")
    ax_acc.plot(epochs, history["test_acc"], "o-", label="test")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    ax_acc.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"wrote {path}")


def render_graph(model: nn.Module, dataset, criterion, path: Path) -> None:
    """The backward graph of the loss on two images, drawn by viz with Graphviz's `dot`."""
    try:
        from viz import render
    except ImportError as error:
        print(f"viz is not available ({error}); skipping the graph picture")
        return
    if shutil.which("dot") is None:
        print("Graphviz's `dot` program is not installed, so no graph picture: install it "
              "with `apt install graphviz`, `brew install graphviz` or from "
              "https://graphviz.org/download/")
        return
    images, labels = dataset[np.arange(2)]
    model.eval()
    loss = criterion(model(images), labels)
    model.train()
    try:
        print(f"wrote {render(loss, str(path), model=model)}")
    except Exception as error:  # the picture is an extra: report it, keep the trained model
        print(f"viz.render could not draw the graph: {type(error).__name__}: {error}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=["digits", "mnist", "fashion_mnist"],
                        default="digits")
    parser.add_argument("--data", default=None, help="directory with the IDX files (MNIST)")
    parser.add_argument("--download", action="store_true", help="fetch MNIST if missing")
    parser.add_argument("--epochs", type=int, default=None, help="default: 20 digits, 3 MNIST")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.01, help="peak learning rate (one-cycle)")
    parser.add_argument("--shift", type=int, default=None,
                        help="max random shift in pixels (default 1 digits, 2 MNIST)")
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=0, help="use only the first N images")
    parser.add_argument("--out", default="train_cnn_out", help="directory for outputs")
    parser.add_argument("--resume", default=None,
                        help="checkpoint to continue an interrupted run from (same options)")
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    parser.add_argument("--no-plots", dest="plots", action="store_false",
                        help="skip the curve and graph pictures")
    return parser


def main(argv: list[str] | None = None) -> tuple:
    args = build_parser().parse_args(argv)
    tg.tune_malloc()      # reuse freed temporaries instead of page-faulting them in every step
    mnist_like = args.dataset != "digits"
    args.epochs = args.epochs or (3 if mnist_like else 20)
    args.shift = (2 if mnist_like else 1) if args.shift is None else args.shift
    tg.manual_seed(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    train_set, test_set = load_data(args)
    loader = nn.data.DataLoader(train_set, args.batch_size, shuffle=True, drop_last=True,
                                seed=args.seed)
    model = LeNet(image_size=train_set.tensors[0].shape[-1])
    criterion = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    optimizer = nn.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    scheduler = nn.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs,
                                                 steps_per_epoch=len(loader))
    history = {"train_loss": [], "train_acc": [], "test_acc": [], "step_loss": [],
               "steps_per_epoch": len(loader)}
    first_epoch = 1
    if args.resume:
        checkpoint = tg.load(args.resume)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
        history, first_epoch = checkpoint["history"], checkpoint["epoch"] + 1
        tg.random.generator().bit_generator.state = checkpoint["random_state"]["shared"]
        loader.generator.bit_generator.state = checkpoint["random_state"]["loader"]

    print(f"{args.dataset}: {len(train_set)} train / {len(test_set)} test images, "
          f"{sum(p.numel() for p in model.parameters())} parameters")
    start = time.perf_counter()
    checkpoint_path = out / "checkpoint.npz"
    for epoch in range(first_epoch, args.epochs + 1):
        loss, train_acc, step_losses = train_epoch(model, loader, optimizer, scheduler,
                                                   criterion, args, f"epoch {epoch}")
        test_acc = accuracy(model, test_set)
        for key, value in (("train_loss", loss), ("train_acc", train_acc),
                           ("test_acc", test_acc)):
            history[key].append(value)
        history["step_loss"].extend(step_losses)
        print(f"epoch {epoch}: train loss {loss:.4f}, train acc {train_acc:.2f}%, "
              f"test acc {test_acc:.2f}%")
        tg.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                 "scheduler": scheduler.state_dict(), "epoch": epoch, "history": history,
                 "random_state": {"shared": tg.random.generator().bit_generator.state,
                                  "loader": loader.generator.bit_generator.state}},
                checkpoint_path)
    print(f"trained in {time.perf_counter() - start:.1f} s; checkpoint: {checkpoint_path}")
    if args.plots:
        save_curves(history, out / "curves.png")
        render_graph(model, test_set, criterion, out / "backward_graph.svg")
    return model, history, test_set


if __name__ == "__main__":
    main()
