class RuleError(ValueError):
    """An action the rules refuse; the message is plain language for the educator."""
