"""Run chapter notebooks top to bottom in a fresh kernel and store their outputs (Restart & Run All).

Usage: python scripts/execute_notebooks.py [chapters/01a_perceptron.ipynb ...]   (default: every chapter)

Widget state is not stored, and the live-widget view (which carries a random model id) is dropped from
stored outputs: a reader who runs the cell in Jupyter gets the live widget, the website gets the static
HTML/JS version that the same output carries, and nbval ignores widget views anyway.
"""
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
ROOT = Path(__file__).resolve().parent.parent


def execute(path):
    """Execute one notebook in place, with its own folder as the working directory."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", store_widget_state=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            out.get("data", {}).pop(WIDGET_VIEW, None)
    nbformat.write(nb, path)
    print(f"executed {path.relative_to(ROOT)}")


if __name__ == "__main__":
    paths = [Path(p).resolve() for p in sys.argv[1:]] or sorted((ROOT / "chapters").glob("*.ipynb"))
    for p in paths:
        execute(p)
