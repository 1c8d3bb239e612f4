"""Subcommands of the ``tinygrad-rnn`` command line (see ``cli.py``)."""
