"""How every checker prints its one sentence: wrapped to the page's code column, the reader's own prints kept."""
import contextlib
import functools
import io
import sys
import textwrap

WIDTH = 76  # the page's code column


def wrap(message):
    """The sentence wrapped to WIDTH columns, never breaking a word or a hyphenated name."""
    return textwrap.fill(message, WIDTH, break_long_words=False, break_on_hyphens=False)


def print_wrapped(checker, fn, keep_reader_prints=True):
    """Run checker(fn) and print its sentence wrapped; what fn printed is kept (or dropped) as it is."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        result = checker(fn)
    printed = buffer.getvalue()
    if printed.endswith(result.message + "\n"):
        printed = printed[:-len(result.message) - 1]
    if keep_reader_prints:
        sys.stdout.write(printed)
    print(wrap(result.message))
    return result


def wrapped(checker=None, *, keep_reader_prints=True):
    """Decorator: the checker prints its sentence wrapped to WIDTH (see print_wrapped)."""
    def decorate(check):
        @functools.wraps(check)
        def run(fn):
            return print_wrapped(check, fn, keep_reader_prints)
        return run
    return decorate(checker) if checker is not None else decorate


def finish(passed, message):
    """Print the one sentence wrapped to WIDTH and return it as a CheckResult."""
    from . import CheckResult  # here, not at the top: lib.checkers imports this module while it starts

    print(wrap(message))
    return CheckResult(passed, message)


def check_callable(fn, who):
    """A failed (wrapped) CheckResult if fn is not a function, else None."""
    if not callable(fn):
        return finish(False, f"{who} needs a function to check, but got {type(fn).__name__}; pass the function "
                             "itself, without calling it.")
    return None
