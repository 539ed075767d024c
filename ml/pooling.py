"""Pooling of backbone features into one vector per image."""

from __future__ import annotations

import torch


def gem(x: torch.Tensor, p: float = 4.0, eps: float = 1e-6, dim: int = -1) -> torch.Tensor:
    """Generalized mean over ``dim``: (mean(clamp(x, eps)^p))^(1/p)."""
    return x.clamp(min=eps).pow(p).mean(dim=dim).pow(1.0 / p)
