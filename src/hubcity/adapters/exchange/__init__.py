"""Open exchange formats: DCAT-AP 3 (RDF, with rdflib), Frictionless data packages and schema.org.

The web layer gathers what a reader may see through the services and passes it
here as ``DatasetEntry`` values; these modules only translate.
"""

from hubcity.adapters.exchange.datapackage import data_package
from hubcity.adapters.exchange.dcat import RDF_FORMATS, catalogue_graph, dataset_graph, serialize
from hubcity.adapters.exchange.model import CatalogueInfo, DatasetEntry, Links, PageInfo
from hubcity.adapters.exchange.schemaorg import dataset_markup, script_json

__all__ = [
    "RDF_FORMATS",
    "CatalogueInfo",
    "DatasetEntry",
    "Links",
    "PageInfo",
    "catalogue_graph",
    "data_package",
    "dataset_graph",
    "dataset_markup",
    "script_json",
    "serialize",
]
