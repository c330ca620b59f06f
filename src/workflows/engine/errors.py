"""A command the case cannot take in its current state; the message is for the person who sent it."""


class EngineError(Exception):
    pass
