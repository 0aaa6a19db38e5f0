"""Human units and display names: how glmtui writes bytes, rates, durations, ages and GPU names.

Pure functions (no I/O, no Textual), so every screen and panel writes the same figure the same way.
"""

from __future__ import annotations

GPU_VENDOR_WORDS = ("NVIDIA ", "GeForce ", "Tesla ")


def short_gpu_name(name: str) -> str:
    """`NVIDIA GeForce RTX 4090` → `RTX 4090`: the vendor words carry no information in glmtui."""
    for prefix in GPU_VENDOR_WORDS:
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name
