"""The error of the homework tools: a problem with the homework's files or arguments."""


class HomeworkError(Exception):
    """A problem with the homework's files (bad markers, a path that cannot be used), its tests
    or its reference; the command line prints it as one error, never as a traceback."""
