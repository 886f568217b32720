"""Load tests of an EmpirioLabs gateway: Locust profiles of its rate limits and latency (``profiles.py``,
run headless with ``python -m loadtests``), and the benchmarks of time to first token (``ttft.py``) and of
the cost of admission (``admission.py``)."""
