"""`python -m vlmhyperbench.cli`: the same as the `vlmhyperbench` script."""

from vlmhyperbench.cli.app import main

main()
