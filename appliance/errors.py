"""Errors a person sees: the message is Russian and names the field it is about."""


class InputError(ValueError):
    """Bad input from a person, a file or a device; `message` is shown as is."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class StaleEdit(InputError):
    """Someone else saved the same record since the form was opened."""


class NotFound(LookupError):
    pass
