"""``Scale``: a learnable scalar that multiplies its input (used by FCOS-style heads per level)."""
import torch
import torch.nn as nn


class Scale(nn.Module):
    """``x * scale`` with ``scale`` a learnable parameter of shape (1,), initialised to ``scale``."""

    def __init__(self, scale: float = 1.0):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(scale, dtype=torch.float))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale
