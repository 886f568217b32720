"""Load tests of an EmpirioLabs gateway: Locust profiles of its rate limits and latency (``profiles.py``,
run headless with ``python -m loadtests``), and the time-to-first-token benchmark (``ttft.py``)."""
