"""An operation refused: unknown reference, stage already done, bad option, bad fact. Nothing was changed."""


class OperationError(Exception):
    pass


class CaseNotFound(OperationError):
    """No case has this reference in the database the command opened."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"no case with reference {reference}")
        self.reference = reference
