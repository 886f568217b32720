"""``make bench``: the reference gateway against a minimal upstream and the Python floor, in one run.

:mod:`loadtests.bench.upstream` is the minimal OpenAI-compatible upstream, :mod:`loadtests.bench.relay` the
bare relay (Starlette + aiohttp, no logic: the fastest a Python gateway can be here),
:mod:`loadtests.bench.targets` starts them and the gateway with everything on, :mod:`loadtests.bench.wrk`
drives each with wrk, :mod:`loadtests.bench.ttft` measures time to first token, :mod:`loadtests.bench.report`
prints the table and ratios and writes ``reports/bench.json`` and ``reports/bench.svg``. A benchmark, never
a test: the targets are printed as met or missed, and the exit code says only whether it ran.
"""
