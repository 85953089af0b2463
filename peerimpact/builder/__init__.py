"""Reports built: kinds and scopes, plan, execute, render, publish."""

import sys

# nbformat validates with jsonschema, which on import compiles the IRI grammar of
# rfc3987-syntax whenever that is installed (JupyterLab's jupyter-events brings it): seconds
# in every process that reads a notebook. No notebook schema uses the "iri" format, so the
# build's processes go without that one checker.
if "jsonschema" not in sys.modules:
    # None in sys.modules is the documented way to make an import fail
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
