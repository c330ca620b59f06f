"""YAML loading that remembers where every value came from, for `file:line:column` errors."""

from workflows.yamlsource.loader import Located, Problem, YamlSourceError, load_located
from workflows.yamlsource.problems import problems_from_validation_error
from workflows.yamlsource.suggestions import close_names, did_you_mean

__all__ = [
    "Located",
    "Problem",
    "YamlSourceError",
    "close_names",
    "did_you_mean",
    "load_located",
    "problems_from_validation_error",
]
