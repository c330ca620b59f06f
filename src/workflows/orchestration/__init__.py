"""Running our flows under Prefect: serving the deployments. Imports Prefect, so only flow commands use it."""
