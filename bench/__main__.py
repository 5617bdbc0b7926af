"""``python -m bench``: run every benchmark, or one by name (``python -m bench ingest --rows 200000``)."""

from __future__ import annotations

import argparse
import sys

from bench import ingest, personal, query, search

BENCHMARKS = {"ingest": ingest, "search": search, "personal": personal, "query": query}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = parser.add_subparsers(dest="benchmark")
    for name, module in BENCHMARKS.items():
        doc = (module.__doc__ or "").strip().splitlines()[0]
        module.add_arguments(
            sub.add_parser(
                name,
                help=doc,
                description=module.__doc__,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
        )
    args = parser.parse_args(argv)
    if args.benchmark:
        return int(BENCHMARKS[args.benchmark].run(args))
    status = 0
    for name, module in BENCHMARKS.items():
        defaults = sub.choices[name].parse_args([])
        print(f"== {name}")
        status |= int(module.run(defaults))
    return status


if __name__ == "__main__":
    sys.exit(main())
