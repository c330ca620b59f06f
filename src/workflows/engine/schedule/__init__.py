"""The engine's schedule: when stages fall due and their moments fire, when rounds open, a projected case."""
