"""Which of lib's functions a reader's solution calls, seen by their code objects, so any import name is caught."""
import contextlib
import io
import sys


def code_of(f):
    """The Python code object that runs when f is called (NumPy's dispatchers wrap a Python implementation)."""
    f = getattr(f, "_implementation", f)
    f = getattr(f, "__func__", f)  # a bound method runs its function's code
    return getattr(f, "__code__", None)


def watch_calls(fn, args, watched, *, hide_prints=False):
    """Call fn(*args) while watching the functions in `watched` ({function: name}); return (result, the names
    of the watched functions entered, in order, each once, the exception fn raised or None)."""
    codes = {code_of(f): name for f, name in watched.items() if code_of(f) is not None}
    entered = []

    def hook(frame, event, arg):
        if event == "call" and frame.f_code in codes and codes[frame.f_code] not in entered:
            entered.append(codes[frame.f_code])

    result = error = None
    quiet = contextlib.redirect_stdout(io.StringIO()) if hide_prints else contextlib.nullcontext()
    previous = sys.getprofile()
    sys.setprofile(hook)
    try:
        with quiet:
            result = fn(*args)
    except Exception as exc:  # noqa: BLE001 - the caller decides whether the reader's error matters here
        error = exc
    finally:
        sys.setprofile(previous)
    return result, entered, error
