"""The package's layers: cli > classroom > experiments > model > scenario > errors.

The contract itself is ``[tool.importlinter]`` in pyproject.toml; this runs it on the
source tree, so that an import pointing up a layer (even one inside a function) fails the
suite. A second check keeps layers from reaching into each other's private names.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_imports_point_only_down_the_layers():
    # A fresh process started in the repository: `sim` is this source tree, whatever is installed.
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 kept, 0 broken" in run.stdout


def _layer(module: str) -> str:
    """The layer of a dotted module name under ``sim`` ('' for the package itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imported(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every ``from X import name`` of a ``sim`` module in ``path``, absolute."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    package = package.removesuffix(".__init__")
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = node.module or ""
        if node.level:
            base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], *filter(None, [base])])
        if base == "sim" or base.startswith("sim."):
            found += [(base, alias.name) for alias in node.names]
    return found


def test_no_layer_imports_another_layers_private_names():
    reaching = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        here = _layer(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for module, name in _imported(path):
            if name.startswith("_") and not name.startswith("__") and _layer(module) != here:
                reaching.append(f"{path.relative_to(ROOT)}: from {module} import {name}")
    assert not reaching, "\n".join(reaching)
