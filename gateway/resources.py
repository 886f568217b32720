"""Where the gateway's data files are: the checkout's ``specs/`` and ``fixtures/catalog/`` when it runs
from a checkout (they are the one source of truth there), else the copies installed with the package as
the data-only packages ``empirio_specs`` and ``empirio_catalog`` (``package_dir`` in ``setup.py``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["ROOT", "catalog_file", "spec_file"]

ROOT = Path(__file__).resolve().parent.parent
"""The checkout (or, when installed, the directory holding the ``gateway`` package)."""


def _data_file(checkout_dir: Path, package: str, name: str) -> Path:
    checkout = checkout_dir / name
    if checkout.is_file():
        return checkout
    try:
        installed = Path(str(resources.files(package) / name))
    except ModuleNotFoundError:
        return checkout
    return installed if installed.is_file() else checkout


def spec_file(name: str) -> Path:
    """``specs/<name>`` of the checkout, else of the installed ``empirio_specs``."""
    return _data_file(ROOT / "specs", "empirio_specs", name)


def catalog_file(name: str = "models.yaml") -> Path:
    """``fixtures/catalog/<name>`` of the checkout, else of the installed ``empirio_catalog``."""
    return _data_file(ROOT / "fixtures" / "catalog", "empirio_catalog", name)
