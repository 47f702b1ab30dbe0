"""`python -m openimr.cli`: the same as the `openimr` command."""

from openimr.cli import main

main()
