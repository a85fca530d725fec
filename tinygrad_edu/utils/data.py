"""torch.utils.data's import path: `from tinygrad_edu.utils.data import DataLoader, Dataset`
(also `.dataloader`, `.dataset` and `.sampler` below it) gives `nn.data`, where the
datasets, samplers and DataLoader live. (nn is imported here, on first use: nn itself
imports tinygrad_edu.)"""
import sys

import nn.data

for _name in ("dataloader", "dataset", "sampler"):
    sys.modules[f"{__name__}.{_name}"] = sys.modules[f"nn.data.{_name}"]
sys.modules[__name__] = nn.data
