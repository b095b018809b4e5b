"""The package's folders are layers, and data flow one way through them.

Each folder of ``scpb_analysis`` is a layer; a module may import from its own layer and the
layers before it, never from a later one. ``demo`` and ``bench`` sit outside the production
path: nothing in a layer imports them. A name starting with ``_`` belongs to its module, and no
two modules import each other, directly or round a longer loop. The rules are read from the
source (every ``import``, including those inside functions), so a new upward import fails here
before it tangles the package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "scpb_analysis"

#: The layers in the order data flow through them.
LAYERS = ("core", "reference", "qa", "sources", "geo", "stats", "text", "charts", "blocks",
          "pack", "cli")
#: Outside the production path: they may import anything; no layer may import them.
OUTSIDE = ("demo", "bench")


def _modules(package: Path = PACKAGE) -> dict[str, Path]:
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(module: str, path: Path, modules: dict[str, Path] = MODULES
             ) -> list[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) for each package import in ``path``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in modules:
                    out.append((sub, None, node.lineno))
                else:
                    out.append((base, alias.name, node.lineno))
    return [(m, n, line) for m, n, line in out
            if m == "scpb_analysis" or m.startswith("scpb_analysis.")]


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "package"


def test_every_module_is_in_a_known_layer():
    unknown = sorted(m for m in MODULES if _layer(m) not in LAYERS + OUTSIDE + ("package",))
    assert not unknown, f"modules outside the layer folders {LAYERS + OUTSIDE}: {unknown}"


def _upward(modules: dict[str, Path]) -> list[str]:
    upward = []
    for module, path in modules.items():
        here = _layer(module)
        if here in OUTSIDE or here == "package":
            continue
        for target, name, line in _imports(module, path, modules):
            there = _layer(target)
            if there == "package":
                if name not in (None, "__version__"):
                    upward.append(f"{path.name}:{line} imports {name} from the package front door")
                continue
            if there in OUTSIDE and here != "cli":
                upward.append(f"{module}:{line} imports {target} (outside the production path)")
            elif there in LAYERS and LAYERS.index(there) > LAYERS.index(here):
                upward.append(f"{module}:{line} ({here}) imports {target} ({there})")
    return upward


def test_no_module_imports_from_a_later_layer():
    upward = _upward(MODULES)
    assert not upward, "imports against the flow:\n" + "\n".join(upward)


def _crossing(modules: dict[str, Path]) -> list[str]:
    crossing = []
    for module, path in modules.items():
        for target, name, line in _imports(module, path, modules):
            leaf = target.rpartition(".")[2]
            if name and name.startswith("_") and not name.startswith("__") and target != module:
                crossing.append(f"{module}:{line} imports {name} from {target}")
            elif leaf.startswith("_") and not leaf.startswith("__"):
                crossing.append(f"{module}:{line} imports the private module {target}")
    return crossing


def test_no_private_name_is_used_outside_its_module():
    crossing = _crossing(MODULES)
    assert not crossing, "private names used outside their module:\n" + "\n".join(crossing)


def _cycles(modules: dict[str, Path]) -> list[str]:
    graph = {m: {t for t, _, _ in _imports(m, p, modules) if t in modules and t != m}
             for m, p in modules.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return cycles


def test_no_import_cycles():
    cycles = _cycles(MODULES)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_checks_catch_an_upward_import_a_private_name_and_a_cycle(tmp_path):
    # A small package laid out like ours, with one of each fault planted: the checks above
    # must name each, or they could pass while the rules are broken.
    root = tmp_path / "scpb_analysis"
    files = {
        "__init__.py": "",
        "sources/__init__.py": "",
        "sources/mps.py": "def _parse():\n    from scpb_analysis.blocks.dashboard import show\n",
        "stats/__init__.py": "",
        "stats/rates.py": "from scpb_analysis.stats.spc import xmr\n",
        "stats/spc.py": "from scpb_analysis.stats.rates import crude_rate\n"
                        "from scpb_analysis.sources.mps import _parse\n",
        "blocks/__init__.py": "",
        "blocks/dashboard.py": "import scpb_analysis.demo\n",
        "demo/__init__.py": "from scpb_analysis.blocks.dashboard import show\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    modules = _modules(root)
    assert _upward(modules) == [
        "scpb_analysis.blocks.dashboard:1 imports scpb_analysis.demo (outside the production "
        "path)",
        "scpb_analysis.sources.mps:2 (sources) imports scpb_analysis.blocks.dashboard (blocks)"]
    assert _crossing(modules) == [
        "scpb_analysis.stats.spc:2 imports _parse from scpb_analysis.sources.mps"]
    assert any("scpb_analysis.stats.rates -> scpb_analysis.stats.spc -> "
               "scpb_analysis.stats.rates" in c for c in _cycles(modules))


@pytest.mark.parametrize("layer", LAYERS[:-1] + OUTSIDE)
def test_each_layer_folder_exists(layer):
    # The README's Layout section names these folders; a rename must update both.
    assert (PACKAGE / layer).is_dir() or (PACKAGE / f"{layer}.py").is_file()
