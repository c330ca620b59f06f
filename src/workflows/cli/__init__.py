"""The `workflows` command."""
