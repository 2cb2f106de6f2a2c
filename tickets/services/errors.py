class TicketError(Exception):
    """A request cannot be done as asked; the message says why, for the person who asked."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
