"""The YAML process language: models, loader with positioned errors, semantic checks, JSON Schema."""
