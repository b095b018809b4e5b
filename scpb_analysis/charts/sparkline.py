"""A small trend line drawn as inline SVG, for a table cell (no plotting library needed)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

__all__ = ["sparkline_svg"]


def sparkline_svg(values: Sequence[float], *, width: int = 120, height: int = 28,
                  label: str = "") -> str:
    """An inline SVG line through ``values``, its last point marked.

    Missing values (NaN or None) break the line rather than being drawn as zeros.

    Parameters
    ----------
    values : sequence of float
        The series in time order.
    width, height : int
        Size in CSS pixels.
    label : str
        Text for screen readers and the hover title (e.g. the months it covers).

    Examples
    --------
    >>> svg = sparkline_svg([3, 5, 4], label="3 months")
    >>> svg.startswith("<svg") and "<title>3 months</title>" in svg
    True
    >>> sparkline_svg([])
    ''
    """
    points = [(i, None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v))
              for i, v in enumerate(values)]
    known = [v for _, v in points if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    pad = 3
    step = (width - 2 * pad) / max(len(points) - 1, 1)

    def xy(i: int, v: float) -> str:
        return f"{pad + i * step:.1f},{pad + (high - v) / span * (height - 2 * pad):.1f}"

    runs, run = [], []
    for i, v in points:
        if v is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(xy(i, v))
    if run:
        runs.append(run)
    lines = "".join(f'<polyline points="{" ".join(r)}" fill="none" stroke="#1f4e79" '
                    'stroke-width="1.5"/>' for r in runs)
    last_i, last_v = next((i, v) for i, v in reversed(points) if v is not None)
    x, y = xy(last_i, last_v).split(",")
    title = html.escape(label)
    return (f'<svg class="sparkline" width="{width}" height="{height}" role="img" '
            f'aria-label="{title}" viewBox="0 0 {width} {height}"><title>{title}</title>'
            f'{lines}<circle cx="{x}" cy="{y}" r="2.5" fill="#c0504d"/></svg>')
