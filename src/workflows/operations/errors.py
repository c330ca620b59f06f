"""An operation refused: unknown reference, stage already done, bad option, bad fact. Nothing was changed."""


class OperationError(Exception):
    pass
