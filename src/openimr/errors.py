"""Errors a user can cause and fix. The CLI prints them in one line, never as a traceback."""


class UserError(Exception):
    """Bad input: names the file or field and says what is wrong."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


def failure_message(where: object, exc: BaseException) -> str:
    """The one line an input that failed gets, whatever failed: a user's mistake says what is
    wrong; anything else says it is openimr's fault and asks for a report."""
    if isinstance(exc, UserError):
        return str(exc)
    if isinstance(exc, RecursionError):
        return f"{where}: the input is nested too deeply to read"
    if isinstance(exc, MemoryError):
        return f"{where}: the input is too large to hold in memory"
    return f"{where}: internal error ({type(exc).__name__}); please report it with the file"
