"""``python -m wfm`` runs the command line."""

from .cli import main

main()
