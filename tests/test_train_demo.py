"""The main demo, examples/train_cnn.py, in a short mode: one small epoch."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np

import nn
import tinygrad_edu as tg

DEMO = Path(__file__).resolve().parents[1] / "examples" / "train_cnn.py"


def load_demo():
    spec = importlib.util.spec_from_file_location("train_cnn", DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_short_run_learns_and_checkpoint_reloads(tmp_path, capsys):
    demo = load_demo()
    model, history, test_set = demo.main(["--epochs", "1", "--limit", "640", "--batch-size", "16",
                                          "--out", str(tmp_path), "--no-progress",
                                          "--no-plots"])
    printed = capsys.readouterr().out
    assert re.search(r"^epoch 1: train loss \d+\.\d{4}, train acc \d+\.\d{2}%, "
                     r"test acc \d+\.\d{2}%$", printed, re.MULTILINE), printed
    steps = history["step_loss"]
    assert len(steps) == 40
    assert np.mean(steps[-5:]) < np.mean(steps[:5]) - 0.1          # the loss falls

    checkpoint = tg.load(tmp_path / "checkpoint.npz")
    assert checkpoint["epoch"] == 1 and checkpoint["history"]["step_loss"] == steps
    restored = demo.LeNet(image_size=8)
    restored.load_state_dict(checkpoint["model"])
    restored.eval()
    model.eval()
    images = test_set.tensors[0]
    with tg.no_grad():
        np.testing.assert_array_equal(restored(images).numpy(), model(images).numpy())
    optimizer = nn.optim.AdamW(restored.parameters())
    optimizer.load_state_dict(checkpoint["optimizer"])
    assert optimizer.state[restored.classifier[1].weight]["step"] == 40


def test_random_shift_moves_each_image_by_at_most_one_pixel():
    demo = load_demo()
    images = np.zeros((50, 1, 8, 8), np.float32)
    images[:, 0, 4, 4] = 1.0
    shifted = demo.random_shift(images, 1, np.random.default_rng(0))
    positions = [np.argwhere(img[0] == 1.0)[0] for img in shifted]
    assert all(np.abs(p - 4).max() <= 1 for p in positions)
    assert len({tuple(p) for p in positions}) == 9                 # all 9 offsets happen
    assert shifted.sum() == 50


def test_resume_from_checkpoint_continues_exactly(tmp_path, monkeypatch):
    """Stop a 2-epoch run after epoch 1, resume it: the same weights as running straight
    through (model, optimizer, scheduler and both random generators are restored)."""
    demo = load_demo()
    options = ["--epochs", "2", "--limit", "192", "--batch-size", "32", "--no-progress",
               "--no-plots"]
    straight, _, _ = demo.main(options + ["--out", str(tmp_path / "a")])

    train_epoch, calls = demo.train_epoch, []

    def stop_in_second_epoch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return train_epoch(*args, **kwargs)

    monkeypatch.setattr(demo, "train_epoch", stop_in_second_epoch)
    try:
        demo.main(options + ["--out", str(tmp_path / "b")])
    except KeyboardInterrupt:
        pass
    monkeypatch.setattr(demo, "train_epoch", train_epoch)
    resumed, history, _ = demo.main(options + ["--out", str(tmp_path / "c"), "--resume",
                                               str(tmp_path / "b" / "checkpoint.npz")])
    assert len(history["train_loss"]) == 2
    for a, b in zip(straight.parameters(), resumed.parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_curve_picture_and_graph_guard(tmp_path, capsys, monkeypatch):
    demo = load_demo()
    history = {"train_loss": [2.0, 1.0], "train_acc": [50.0, 80.0], "test_acc": [60.0, 85.0],
               "step_loss": [2.3, 1.9, 1.2, 0.9], "steps_per_epoch": 2}
    try:
        import matplotlib  # noqa: F401
        demo.save_curves(history, tmp_path / "curves.png")
        assert (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"
    except ImportError:
        demo.save_curves(history, tmp_path / "curves.png")
        assert "matplotlib is not installed" in capsys.readouterr().out
    monkeypatch.setattr(demo.shutil, "which", lambda name: None)
    model, test_set = demo.LeNet(8), nn.datasets.digits("test")
    demo.render_graph(model, test_set, nn.CrossEntropyLoss(), tmp_path / "graph.svg")
    printed = capsys.readouterr().out
    assert "Graphviz" in printed or "viz is not available" in printed
    assert not (tmp_path / "graph.svg").exists()
