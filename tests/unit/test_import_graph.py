"""The import graph of glmtui's own modules has no cycle, counting every import statement: those
inside functions and under `if TYPE_CHECKING:` too (a type-only cycle is still a cycle for a reader).

The layers themselves are import-linter's contracts (`lint-imports`, in the test command); this
catches the cycles inside one layer, which a layers contract does not see. The simulator may keep
its internal arrangement (issue 11): a server and its handlers import each other, nothing else does.
"""

import grimp


def test_no_import_cycle_among_glmtuis_modules() -> None:
    graph = grimp.build_graph("glmtui", cache_dir=None)
    cycles: list[tuple[str, ...]] = []
    for module in sorted(m for m in graph.modules if not m.startswith("glmtui.simulator")):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None:
                cycles.append((module, *back))
    assert cycles == [], "import cycles: " + "; ".join(" → ".join(c) for c in cycles)
