"""End to end: modules, autograd, optimizers and data fit together and really learn.

A small MLP and a small CNN are trained on the embedded digits with a fixed seed and
must reach a fixed test accuracy (measured: see the comments; thresholds leave a small
margin for BLAS rounding differences between machines). A few seconds each.
"""
from __future__ import annotations

import numpy as np

import nn
import tinygrad_edu as tg


def fit(model: nn.Module, optimizer, epochs: int, batch_size: int = 64) -> float:
    train, test = nn.datasets.digits("train"), nn.datasets.digits("test")
    loader = nn.data.DataLoader(train, batch_size, shuffle=True, seed=0)
    losses = []
    for _ in range(epochs):
        for images, labels in loader:
            loss = nn.functional.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    assert np.mean(losses[-10:]) < 0.25 * np.mean(losses[:10])
    model.eval()
    with tg.no_grad():
        images, labels = test.tensors
        return float((model(images).argmax(1) == labels).float().mean().item())


def test_mlp_learns_digits():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    accuracy = fit(model, nn.optim.Adam(model.parameters(), lr=0.005), epochs=12)
    assert accuracy >= 0.95, accuracy                    # measured: 0.9556


def test_cnn_learns_digits():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 4 * 4, 10))
    accuracy = fit(model, nn.optim.Adam(model.parameters(), lr=0.005), epochs=6)
    assert accuracy >= 0.955, accuracy                   # measured: 0.9639
