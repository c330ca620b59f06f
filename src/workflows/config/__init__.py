"""The partnership's configuration: config/*.yaml (loader.py), and where it is (locations.py)."""
