"""The demo Gwangju: organisations, users, datasets and generated files (``hubcity demo``).

``city`` holds the specs, ``generators`` and ``complaints`` write the files, ``geo`` has
Gwangju's 구 and 행정동 codes; ``loader`` puts it all into a running hubcity.
"""
