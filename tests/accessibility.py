"""axe-core in Chromium: the page's violations, as the HTML checks and the browser tests ask for
them. axe comes from the npm package in package.json (``make test`` installs it into
node_modules); when CI is set and it is missing, the tests fail instead of skipping."""

import os

import pytest

from tests.conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# axe.run's findings, each with the elements it found them on.
RUN_AXE = """async ([within, options]) => {
    const context = within ? {include: within} : document;
    const results = await axe.run(context, Object.assign({resultTypes: ["violations"]}, options));
    return results.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => n.target.join(" ") + " :: " + n.failureSummary),
    }));
}"""


def axe_script():
    if not AXE.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"axe-core cannot run in CI: no {AXE.relative_to(ROOT)} (npm ci)")
        pytest.skip(f"no {AXE.relative_to(ROOT)} (npm ci)")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page, script, within=None, **options):
    """Every rule in the light theme; in the dark one, which changes only colours, the contrast.
    ``page`` is open in a context of the light scheme; ``within``, CSS selectors, limits the run
    to those parts of the page; ``options`` go to axe.run."""
    page.evaluate(script)
    violations = page.evaluate(RUN_AXE, [within, options])
    page.emulate_media(color_scheme="dark")
    dark = page.evaluate(RUN_AXE, [within, {**options, "runOnly": ["color-contrast"]}])
    page.emulate_media(color_scheme="light")
    return violations + [dict(violation, id=violation["id"] + " (dark theme)") for violation in dark]


def axe_summary(violations):
    lines = []
    for violation in violations:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}, {len(violation['nodes'])}×")
        lines.extend(f"    {node[:200]}" for node in violation["nodes"][:5])
    return "\n".join(lines)
