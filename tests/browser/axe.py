"""axe-core in the browser tests: inject the vendored axe.min.js into a page and list what it finds.

The forum's Content-Security-Policy refuses injected scripts, so pages checked here come from a context made
with ``bypass_csp=True`` (see :func:`axe_context`)."""

from __future__ import annotations

from pathlib import Path

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING = ("critical", "serious")


def axe_context(browser, **kwargs):
    return browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900}, **kwargs)


def violations(page, impacts: tuple[str, ...] = BLOCKING) -> list[dict]:
    """axe's violations on the page (the whole document) of the given impacts."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in impacts]


def describe(found: list[dict]) -> str:
    """A readable list for an assertion message: rule, impact, the first few elements and the fix."""
    lines = []
    for v in found:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])} elements]")
        for node in v["nodes"][:4]:
            lines.append(
                f"    {' '.join(node['target'])}: {node.get('failureSummary', '').splitlines()[-1:]}"
            )
    return "\n".join(lines)
