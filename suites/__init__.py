"""The conformance suites and the pytest plugin (:mod:`suites.plugin`) that runs them against any
EmpirioLabs-compatible deployment.

The contract ships with the harness: ``specs/`` of the checkout is installed as the package data
``empirio_specs`` (``package_dir`` in ``setup.py``), so :func:`spec_file` finds it from any directory.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["ASYNCAPI_PATH", "ROOT", "SPEC_PATH", "spec_file"]

ROOT = Path(__file__).resolve().parent.parent
"""The checkout (or, for an installed harness, the directory holding the ``suites`` package)."""


def spec_file(name: str) -> Path:
    """``specs/<name>``: the checkout's own when ``suites`` is loaded from a checkout (``specs/`` is the one
    source of truth there), else the installed package data ``empirio_specs``."""
    checkout = ROOT / "specs" / name
    if checkout.is_file():
        return checkout
    try:
        installed = Path(str(resources.files("empirio_specs") / name))
    except ModuleNotFoundError:
        installed = checkout
    if not installed.is_file():
        raise FileNotFoundError(f"{name} is neither in {checkout.parent} nor in the installed package empirio_specs")
    return installed


SPEC_PATH = spec_file("openapi.yaml")
ASYNCAPI_PATH = spec_file("asyncapi.yaml")
