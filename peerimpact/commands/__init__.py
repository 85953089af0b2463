"""The handlers of the ``peerimpact`` command's subcommands, one module per group: each takes the
parsed arguments and returns the exit code. The parser and ``main`` are :mod:`peerimpact.cli`.
"""
