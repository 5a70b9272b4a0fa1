"""``python -m app.cli``: the same as the ``complaints-gateway`` console script."""

from app.cli import main

main()
