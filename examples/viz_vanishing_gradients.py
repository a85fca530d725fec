"""Lesson 5: vanishing gradients, deep sigmoid network against deep ReLU network.

Backward through a sigmoid multiplies g by sigmoid'(z) = s(1 - s) <= 1/4 at every
layer, so after 10 layers the gradient reaching the first layer is many orders of
magnitude smaller than at the last: the first layers barely learn, and no init
fixes that (here Xavier, the usual one for sigmoid). ReLU passes g through
unchanged where the unit is active (relu' = 1), so with He (Kaiming) init, which
keeps the signal's variance from layer to layer, the norms stay comparable.

Prints the per-layer gradient norms of both networks (viz.grad_flow) and writes a
chart for each (needs matplotlib; without it the table is printed).

    python examples/viz_vanishing_gradients.py [out_dir]
"""
import sys
from pathlib import Path

import nn
import tinygrad_edu as tg
import viz

DEPTH, WIDTH, BATCH = 10, 32, 64


def deep_mlp(activation, init) -> nn.Sequential:
    layers = []
    for _ in range(DEPTH - 1):
        layers += [nn.Linear(WIDTH, WIDTH), activation()]
    model = nn.Sequential(*layers, nn.Linear(WIDTH, 1))
    for name, p in model.named_parameters():
        if name.endswith("weight"):
            init(p)
        else:
            nn.init.zeros_(p)
    return model


def main(out: Path) -> None:
    tg.manual_seed(0)
    x, y = tg.randn(BATCH, WIDTH), tg.randn(BATCH, 1)
    flows = {}
    for name, activation, init in (("sigmoid", nn.Sigmoid, nn.init.xavier_normal_),
                                   ("relu", nn.ReLU, nn.init.kaiming_normal_)):
        tg.manual_seed(1)
        model = deep_mlp(activation, init)
        nn.MSELoss()(model(x), y).backward()
        flows[name] = viz.grad_flow(model, out / f"grad_flow_{name}.png",
                                    title=f"{DEPTH}-layer {name} MLP: ‖dL/dW‖ per parameter")
    weights = [n for n in flows["sigmoid"] if n.endswith("weight")]
    print(f"{'layer weight':<14}{'sigmoid':>12}{'relu':>12}")
    for name in weights:
        print(f"{name:<14}{flows['sigmoid'][name]:>12.3e}{flows['relu'][name]:>12.3e}")
    ratios = {k: flows[k][weights[0]] / flows[k][weights[-1]] for k in flows}
    print(f"first / last layer gradient norm: sigmoid {ratios['sigmoid']:.2e}, "
          f"relu {ratios['relu']:.2e}")
    assert ratios["sigmoid"] < 1e-4 and ratios["relu"] > 1e-2


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "out"))
