"""Run at the start of every report kernel (``IPKernelApp.exec_lines``).

- figures carry their titles in their repr, for the report's alt text
  (:func:`alliance_analysis.presentation.plots.install_kernel_hooks`);
- tqdm's "IProgress not found" warning (ipywidgets is not a dependency) is not
  printed into reports; progress bars are off in report kernels (``TQDM_DISABLE``).

Examples
--------
>>> install()
>>> import warnings
>>> any("IProgress" in str(f[1].pattern) for f in warnings.filters if f[1] is not None)
True
"""

from __future__ import annotations

import warnings


def install() -> None:
    """Install the report-kernel hooks (idempotent)."""
    warnings.filterwarnings("ignore", message=r"IProgress not found")
    from alliance_analysis.presentation import plots

    plots.install_kernel_hooks()
