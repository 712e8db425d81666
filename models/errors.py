class RuleError(ValueError):
    """An action the rules refuse; the message is plain language for the educator."""


class Conflict(RuleError):
    """A write refused because the value changed on another screen after this screen showed it.

    `theirs` is the value stored now and `version` its version: a screen that shows both can let the person
    keep theirs (show it) or keep their own (write again with `seen_version=version`)."""

    def __init__(self, theirs, version, message: str | None = None) -> None:
        super().__init__(message or "This was changed on another screen after this one showed it.")
        self.theirs = theirs
        self.version = version


class Unchecked:
    """Passed as `seen_version` by a writer that is the only one (the demo seeder, a test): no check."""

    def __repr__(self) -> str:
        return "UNCHECKED"


UNCHECKED = Unchecked()
