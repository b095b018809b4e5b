"""Seeded randomness for libraries that draw from numpy's global generator."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

__all__ = ["seeded"]

@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed numpy's global generator for libraries that use it, then put it back as it was."""
    # The legacy global generator is what mapclassify (via scikit-learn) and esda draw from;
    # restoring it afterwards keeps a caller's own random stream untouched.
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(seed)  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002
