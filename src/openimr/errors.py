"""Errors a user can cause and fix. The CLI prints them in one line, never as a traceback."""


class UserError(Exception):
    """Bad input: names the file or field and says what is wrong."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)
