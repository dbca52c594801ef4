"""``python -m expense_sync`` runs the CLI."""

from expense_sync.cli import app

app()
