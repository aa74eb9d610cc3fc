"""The papermill engine ``kinerja-fork``: a notebook's cells run in this process's report shell.

Registered through papermill's public entry point (``papermill.engine`` in ``pyproject.toml``);
:func:`ensure_registered` registers it through the registry's public ``register`` when the
package metadata is older than the code (an editable install not re-installed yet).

>>> ensure_registered()  # doctest: +SKIP
'kinerja-fork'
"""

from __future__ import annotations

from typing import Any

from papermill.engines import Engine, papermill_engines
from papermill.exceptions import PapermillException

from kinerja_research.reports.shell import current_shell, run_code_cell

ENGINE_NAME = "kinerja-fork"


class ForkedShellEngine(Engine):
    """papermill engine: cells run in the in-process shell of a prepared report process."""

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: Any, **kwargs: Any) -> None:  # type: ignore[override]
        shell = current_shell()
        if shell is None:
            raise RuntimeError("the fork engine runs only in a prepared report process (prepare_worker)")
        for index, cell in enumerate(nb_man.nb.cells):
            nb_man.cell_start(cell, index)
            try:
                if cell.cell_type == "code" and not run_code_cell(shell, cell):
                    nb_man.cell_exception(cell, cell_index=index)
                    break
            finally:
                nb_man.cell_complete(cell, cell_index=index)


def ensure_registered() -> str:
    """The engine's papermill name, registered if the entry point did not do it."""
    try:
        papermill_engines.get_engine(ENGINE_NAME)
    except PapermillException:
        papermill_engines.register(ENGINE_NAME, ForkedShellEngine)
    return ENGINE_NAME
