"""Helpers for the exchange tests: the DCAT-AP 3.0.1 shapes with pyshacl, a live server, frictionless.

The shapes come from ../shared/data/specs (never copied into the project).

The main 3.0.1 shapes file refers to property shapes it never defines (upstream
SEMICeu/DCAT-AP#448; two under dcat:DataServiceShape, three more once ranges.ttl
is added), which stops pyshacl as soon as a focus node reaches one; those dangling
``sh:property`` references are dropped on loading, and nothing else is changed.
A document must conform to the main shapes, to the main shapes with the range
shapes, and to the compact mandatory shapes of the HTML specification.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from pyshacl import validate
from rdflib import Graph, Namespace

from tests.conftest import REPO

SPECS = Path(os.environ.get("HUBCITY_SPECS") or REPO.parent / "shared" / "data" / "specs")
SH = Namespace("http://www.w3.org/ns/shacl#")
RDF_PARSERS = {"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld"}
FRICTIONLESS = Path(sys.executable).parent / "frictionless"  # the command from the project's venv


def spec_file(name: str) -> Path:
    path = SPECS / name
    if not path.is_file():
        pytest.fail(f"DCAT-AP specification file missing: {path}")
    return path


def _without_dangling(*names: str) -> tuple[Graph, int]:
    shapes = Graph()
    for name in names:
        shapes.parse(spec_file(name))
    dangling = [t for t in shapes.triples((None, SH.property, None)) if (t[2], None, None) not in shapes]
    for triple in dangling:
        shapes.remove(triple)
    return shapes, len(dangling)


@functools.cache
def main_shapes() -> tuple[Graph, int]:
    """The main 3.0.1 shapes without their dangling property references (and how many were dropped)."""
    return _without_dangling("dcat-ap-3.0.1-SHACL.ttl")


@functools.cache
def main_and_range_shapes() -> tuple[Graph, int]:
    """The main shapes with the class-of-value (range) shapes they are meant to be used with."""
    return _without_dangling("dcat-ap-3.0.1-SHACL.ttl", "dcat-ap-3.0.1-ranges.ttl")


@functools.cache
def html_shapes() -> Graph:
    return Graph().parse(spec_file("dcat-ap-3.0.1-html-shapes.ttl"))


def shacl_failures(data: Graph) -> list[str]:
    """The pyshacl reports of every set of shapes the graph does not conform to (empty when it conforms)."""
    failures = []
    for name, shapes in (
        ("dcat-ap-3.0.1-SHACL.ttl", main_shapes()[0]),
        ("dcat-ap-3.0.1-SHACL.ttl + ranges.ttl", main_and_range_shapes()[0]),
        ("dcat-ap-3.0.1-html-shapes.ttl", html_shapes()),
    ):
        conforms, _, text = validate(data, shacl_graph=shapes)
        if not conforms:
            failures.append(f"{name}:\n{text}")
    return failures


def parse_rdf(body: bytes, ext: str) -> Graph:
    with warnings.catch_warnings():
        # rdflib 7.6's own JSON-LD parser still builds a ConjunctiveGraph, which it deprecates
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        return Graph().parse(data=body, format=RDF_PARSERS[ext])


def frictionless_validate(source: str, cwd: Path) -> tuple[int, dict[str, Any]]:
    """`frictionless validate --json SOURCE`, as a user runs it: its exit code and its report."""
    result = subprocess.run(
        [str(FRICTIONLESS), "validate", "--json", source],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        report = {"stdout": result.stdout, "stderr": result.stderr}
    return result.returncode, report
