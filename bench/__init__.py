"""hubcity benchmarks: ``python -m bench [ingest] [options]`` (``make bench``).

Benchmarks measure, side by side with the baselines an issue names, and print ratios;
they are not timed tests. Results are also written as JSON under ``bench/out/``.
"""
