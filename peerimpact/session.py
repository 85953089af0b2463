"""What a build's kernel runs between sections and reports, so that nothing carries over.

A worker's kernel serves report after report (see :mod:`peerimpact.builder.execute`). Before
each section the namespace is cleared (``%reset -f``) and :func:`reset` puts back what a
section may change outside it. Modules stay loaded: that is what makes a warm kernel fast.
This module imports nothing heavy, so resetting a fresh kernel costs nothing.
"""

from __future__ import annotations

import sys


def reset() -> None:
    """Clear the namespace and the output history, close every figure, restore matplotlib's
    settings from its rc file and forget the report the notebook helper last opened (its
    extract, tables folder and policy).

    The namespace is cleared as IPython's ``%reset -f`` clears it, but without the full
    garbage collection that makes ``%reset`` cost 0.3 s in a kernel holding pandas and
    matplotlib: what a section leaves is freed by reference counting as its names go.
    """
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        hidden = shell.user_ns_hidden
        for name in [n for n in shell.user_ns if n not in hidden]:
            del shell.user_ns[name]
        shell.history_manager.output_hist.clear()  # Out[n]: values a section's cells returned
        shell.history_manager.output_hist_reprs.clear()
        shell.user_ns.update({"_": "", "__": "", "___": ""})
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is not None:
        matplotlib.rc_file_defaults()
        inline = sys.modules.get("matplotlib_inline.config")
        if inline is not None:  # what the inline backend is configured to set, as on its activation
            matplotlib.rcParams.update(inline.InlineBackend.instance().rc)
    notebook = sys.modules.get("peerimpact.notebook")
    if notebook is not None:
        notebook.forget()
