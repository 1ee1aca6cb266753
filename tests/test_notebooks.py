"""The notebooks under notebooks/: committed without outputs, and they run top to bottom.

Each notebook is executed with nbclient in a kernel that runs this very interpreter
(``sys.executable``): the test writes its own ``python3`` kernel spec into a temporary
folder, so whatever kernels the machine has registered (a user-level ``python3``
pointing at another Python, or none at all) play no part.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = ["explore.ipynb", "your-corpus.ipynb"]
CELL_TIMEOUT = 300  # seconds, per cell
KERNEL = "python3"


def _read(name: str):
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def _kernel_manager(tmp_path: Path) -> KernelManager:
    """A kernel manager whose ``python3`` kernel is ``sys.executable``."""
    kernels = tmp_path / "kernels"
    spec = kernels / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (kg tests)",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    specs = KernelSpecManager(kernel_dirs=[str(kernels)], ensure_native_kernel=False)
    assert specs.get_kernel_spec(KERNEL).argv[0] == sys.executable
    return KernelManager(kernel_name=KERNEL, kernel_spec_manager=specs)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_without_outputs(name):
    nb = _read(name)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == KERNEL
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code, f"{name} has no code cells"
    for i, cell in enumerate(code):
        assert cell.get("outputs") == [], f"{name}: code cell {i} has outputs"
        assert cell.get("execution_count") is None, f"{name}: code cell {i} has a count"
    markdown = [cell for cell in nb.cells if cell.cell_type == "markdown"]
    assert len(markdown) >= 3, f"{name} should explain its steps"


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(name, tmp_path):
    nb = _read(name)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    km = _kernel_manager(tmp_path)
    client = nbclient.NotebookClient(
        nb,
        km=km,
        timeout=CELL_TIMEOUT,
        allow_errors=False,
        resources={"metadata": {"path": str(workdir)}},
    )
    started = time.monotonic()
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:  # pragma: no cover - on failure
        pytest.fail(f"{name} failed:\n{error}")
    finally:
        # nbclient shuts down only the kernels it started itself
        if km.has_kernel:
            km.shutdown_kernel(now=True)
    elapsed = time.monotonic() - started

    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    errors = [
        output
        for cell in code
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors, f"{name}: {errors}"
    assert all(cell.get("execution_count") for cell in code), f"{name}: a cell did not run"
    # the notebooks write only to temporary folders, never to the working directory
    assert list(workdir.iterdir()) == []
    if name == "explore.ipynb":
        html = [
            output["data"]["text/html"]
            for cell in code
            for output in cell.get("outputs", [])
            if "text/html" in output.get("data", {})
        ]
        viewers = [h for h in html if '<iframe srcdoc="' in h]
        assert len(viewers) >= 1, "kg.show drew no viewer"
        assert all("kg graph viewer" in h for h in viewers)
    print(f"{name}: ran in {elapsed:.1f} s")


def test_explore_covers_the_brief():
    """The steps the explore notebook is there to show."""
    nb = _read("explore.ipynb")
    sources = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    assert any("kg.show(ego" in source for source in sources)
    assert any("louvain_communities" in source and "seed=" in source for source in sources)
    assert any("kg.read_graph" in source and "graph.graphml" in source for source in sources)
