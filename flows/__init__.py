"""Prefect flows: thin entry points that call `src/workflows`. Served by `workflows serve`."""
