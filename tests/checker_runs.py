"""How the checker tests run a checker: it prints its one sentence exactly once and returns a CheckResult."""
import textwrap

from lib.checkers import CheckResult


def run(checker, fn, capsys, width=None):
    """Run a checker; check it printed exactly its message, once, as one sentence (wrapped at `width`)."""
    result = checker(fn)
    printed = capsys.readouterr().out
    assert isinstance(result, CheckResult) and isinstance(result.passed, bool)
    shown = result.message
    if width is not None:
        shown = textwrap.fill(result.message, width, break_long_words=False, break_on_hyphens=False)
        assert all(len(line) <= width for line in printed.splitlines()), f"lines wider than {width}"
    assert printed == shown + "\n", "the checker must print its message exactly once"
    assert result.message.endswith(".") and "\n" not in result.message
    assert repr(result) == f"CheckResult(passed={result.passed})", "repr must not repeat the printed sentence"
    return result


def expect_fail(checker, fn, capsys, *fragments, width=None):
    """The checker fails `fn`, and its sentence names every fragment."""
    result = run(checker, fn, capsys, width)
    assert not result.passed, f"a wrong answer passed: {result.message}"
    for fragment in fragments:
        assert fragment in result.message, f"{fragment!r} not in {result.message!r}"
    return result


def expect_pass(checker, fn, capsys, width=None):
    """The checker passes `fn` with a sentence that starts 'Passed:'."""
    result = run(checker, fn, capsys, width)
    assert result.passed and result.message.startswith("Passed:"), result.message
    return result
