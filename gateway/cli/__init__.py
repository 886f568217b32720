"""Command line: ``python -m gateway serve`` and ``python -m gateway admin …``."""
