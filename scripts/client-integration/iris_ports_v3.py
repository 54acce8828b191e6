"""pytest plugin for `scripts/client-integration/run.py --client v3`: the v3 client's integration tests
connect to `http://localhost:8080`; this sends that URL to the Iris started by run.py on a free port
(IRIS_HTTP_PORT). Other ports (8086, 8087: servers Iris does not stand in for) are left alone. Nothing else
of the tests is changed."""
from __future__ import annotations

import functools
import os
import re

import weaviate

HTTP = int(os.environ["IRIS_HTTP_PORT"])
_init = weaviate.Client.__init__


@functools.wraps(_init)
def _client_init(self, url=None, *args, **kwargs):
    if isinstance(url, str):
        url = re.sub(r"^(https?://(?:localhost|127\.0\.0\.1)):8080(?=/|$)", rf"\1:{HTTP}", url)
    return _init(self, url, *args, **kwargs)


weaviate.Client.__init__ = _client_init
