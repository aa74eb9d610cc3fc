"""The papermill engine ``kinerja-fork``: a notebook's cells run in this process's report shell.

Registered through papermill's public entry point (``papermill.engine`` in ``pyproject.toml``);
:func:`ensure_registered` registers it through the registry's public ``register`` when the
package metadata is older than the code (an editable install not re-installed yet).

Importing papermill loads every registered entry point, this one included. So that importing
this module first cannot load a half-initialized copy of itself through that registration, the
module imports nothing from papermill at import time: the engine class is built on first access
(:func:`engine_class`, or the attribute ``ForkedShellEngine``, which the entry point names).

>>> ensure_registered()  # doctest: +SKIP
'kinerja-fork'
"""

from __future__ import annotations

import functools
from typing import Any

ENGINE_NAME = "kinerja-fork"

__all__ = ["ENGINE_NAME", "engine_class", "ensure_registered"]


@functools.cache
def engine_class() -> type:
    """The papermill ``Engine`` subclass whose cells run in the in-process report shell."""
    # papermill.engines may be half-initialized here (this runs during its own entry-point
    # registration); ``Engine`` is defined before the registration runs.
    from papermill.engines import Engine

    from kinerja_research.reports.shell import current_shell, run_code_cell

    class ForkedShellEngine(Engine):
        """papermill engine: cells run in the in-process shell of a prepared report process."""

        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: Any, **kwargs: Any) -> None:  # type: ignore[override]
            """Run the code cells in order in the report shell, stopping at the first error."""
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

    ForkedShellEngine.__module__ = __name__
    ForkedShellEngine.__qualname__ = "ForkedShellEngine"
    return ForkedShellEngine


def __getattr__(name: str) -> Any:
    if name == "ForkedShellEngine":
        return engine_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def ensure_registered() -> str:
    """The engine's papermill name, registered if the entry point did not do it."""
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillException

    try:
        papermill_engines.get_engine(ENGINE_NAME)
    except PapermillException:
        papermill_engines.register(ENGINE_NAME, engine_class())
    return ENGINE_NAME
