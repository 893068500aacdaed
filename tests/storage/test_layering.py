"""storage/ is layers imported one way: readers and store each depend on the domain alone, never on
each other; none of it loads Textual; the console (tui) imports only what storage.store exports."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STORAGE = ROOT / "storage"
# Side by side above the domain: what the store keeps is the domain's (a review row too), and what
# a reader works out (a report, the composer's text) is nothing the store depends on.
# Mail (storage/mail) sends an update and records it through the store: above both, and neither
# the store nor the readers import it.
LAYERS = {"domain": 0, "readers": 1, "store": 1, "mail": 2}
# Imports of tui/app.py that wait for its owner (it is being changed meanwhile): remove each line once
# that file imports the name from storage.store; this test fails while a line is here for nothing.
WAITING: set[tuple[str, str, str]] = set()  # imports waiting for their owner to change them


def _modules() -> list[Path]:
    return sorted(p for p in STORAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _name(path: Path) -> str:
    parts = path.relative_to(STORAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(path: Path) -> set[str]:
    """Modules of storage that ``path`` imports when it runs (not those only named for type checkers)."""
    tree = ast.parse(path.read_text())
    package = _name(path) if path.name == "__init__.py" else _name(path).rsplit(".", 1)[0]
    found = set()

    def visit(node, typing_only=False):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, typing_only)
            return
        if isinstance(node, ast.ImportFrom) and not typing_only:
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            else:
                target = node.module or ""
            if target.startswith("storage"):
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child, typing_only)

    visit(tree)
    known = {_name(p) for p in _modules()}
    return {name for name in found if name in known}


def _part(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _layer(module: str) -> int | None:
    return LAYERS.get(_part(module))


def test_every_module_sits_in_a_layer():
    loose = [_name(p) for p in _modules() if _name(p) != "storage" and _layer(_name(p)) is None]
    assert loose == [], f"modules outside domain/, readers/, store/ and mail/: {loose}"


def test_imports_point_down_the_layers_only():
    upward = []
    for path in _modules():
        here = _layer(_name(path))
        for target in _runtime_imports(path):
            there = _layer(target)
            if here is None or there is None or _part(target) == _part(_name(path)):
                continue
            if there >= here:  # up, or sideways: the store and the readers never import each other
                upward.append(f"{_name(path)} imports {target}")
    assert upward == []


def _console_imports_of_the_store() -> set[tuple[str, str, str]]:
    """(file, module, name) of every import in tui/ from storage.store or below it, typing-only ones too."""
    found = set()
    for path in sorted((ROOT / "tui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            where = str(path.relative_to(ROOT))
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("storage.store"):
                found.update((where, node.module, alias.name) for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update((where, alias.name, "") for alias in node.names if alias.name.startswith("storage.store"))
    return found


def test_the_console_imports_only_what_the_store_package_exports():
    import storage.store

    imports = _console_imports_of_the_store()
    assert len(imports) > 10  # the console's imports were found, not an empty walk
    past = sorted(f"{where}: from {module} import {name}" for where, module, name in imports - WAITING
                  if module != "storage.store" or name not in storage.store.__all__)
    assert past == [], "tui imports storage.store's own names only (add a name to its __all__ if it is public)"
    assert WAITING <= imports, f"no longer waiting, remove from WAITING: {sorted(WAITING - imports)}"


def test_what_the_store_package_exports_can_be_imported_from_it():
    import storage.store

    for name in storage.store.__all__:
        assert getattr(storage.store, name) is not None, name


def test_no_import_cycles_between_modules():
    graph = {_name(p): _runtime_imports(p) - {_name(p)} for p in _modules()}
    state: dict[str, int] = {}

    def walk(node, trail):
        if state.get(node) == 1:
            raise AssertionError("import cycle: " + " → ".join([*trail, node]))
        if state.get(node) == 2:
            return
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if target != node and not node.startswith(target + "."):  # a package's own __init__
                walk(target, [*trail, node])
        state[node] = 2

    for module in sorted(graph):
        walk(module, [])


def test_no_storage_module_loads_textual(python, child_env):
    names = [_name(p) for p in _modules()]
    code = ("import importlib, sys\n"
            f"for name in {names!r}:\n"
            "    importlib.import_module(name)\n"
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
            "print(len(sys.modules), loaded)\n")
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, env=child_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split(" ", 1)[1].strip() == "[]", done.stdout
    assert len(names) > 25  # every module was imported, not an empty list


def test_the_folder_store_offers_every_method_of_the_interface_with_its_parameters(folder, clock):
    import inspect

    from storage.store import FolderStore, IncidentStore, open_store

    store = open_store(folder, clock=clock)
    assert isinstance(store, FolderStore) and isinstance(store, IncidentStore)

    declared = {name: member for name, member in vars(IncidentStore).items()
                if not name.startswith("_") and (callable(member) or isinstance(member, property))}
    assert len(declared) > 20
    for name, member in declared.items():
        assert hasattr(store, name), f"FolderStore lacks {name}"
        if callable(member):
            wanted = list(inspect.signature(member).parameters)
            offered = list(inspect.signature(getattr(FolderStore, name)).parameters)
            assert offered[:len(wanted)] == wanted, f"{name}: {offered} != {wanted}"


def test_no_two_classes_share_a_name():
    defined: dict[str, list[str]] = {}
    for path in sorted([*STORAGE.rglob("*.py"), *(ROOT / "tui").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                defined.setdefault(node.name, []).append(str(path.relative_to(ROOT)))
    assert len(defined) > 50
    assert {name: where for name, where in defined.items() if len(where) > 1} == {}
