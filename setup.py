"""Packages of the distribution; everything else is in pyproject.toml.

``specs/`` stays the one source of truth in the checkout (the gateway reads it there too) and is installed
as the data-only package ``empirio_specs``, which an installed harness finds through ``importlib.resources``
(:func:`suites.spec_file`, :func:`gateway.resources.spec_file`); ``fixtures/catalog/`` likewise becomes
``empirio_catalog`` for the reference gateway (:func:`gateway.resources.catalog_file`). ``pyproject.toml`` alone cannot map a directory to a package next to found ones.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["gateway*", "mocks*", "suites*"]), "empirio_specs", "empirio_catalog"],
    package_dir={"empirio_specs": "specs", "empirio_catalog": "fixtures/catalog"},
)
