"""Load tests of an EmpirioLabs gateway: Locust profiles of its rate limits and latency (``profiles.py``,
run headless with ``python -m loadtests``), and the benchmarks of throughput, latency and time to first token (``bench/``) and of
the cost of admission (``admission.py``)."""
