"""The contract, installed as the data-only package ``empirio_specs`` (see ``setup.py``); read it with
``importlib.resources.files("empirio_specs")`` or :func:`suites.spec_file`."""
