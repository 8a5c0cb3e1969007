"""README.rst of an add-on from its manifest and readme/*.md fragments, the way OCA's
oca-gen-addon-readme builds it (which is not on PyPI): Markdown fragments converted by pandoc
(pypandoc-binary, from PyPI) into the sections of OCA's layout, with a digest of the sources
in a comment, and static/description/index.html rendered from it by docutils.

    scripts/gen_readme.py [ADDON_DIR]           write README.rst and index.html
    scripts/gen_readme.py --check [ADDON_DIR]   exit 1 when they are not what the fragments
                                                give (run without --check and commit them)
"""

import argparse
import ast
import hashlib
import io
import re
import sys
from pathlib import Path

import pypandoc
from docutils.core import publish_string
from jinja2 import Template

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "readme_template.rst.jinja"
FRAGMENTS_DIR = "readme"
# Fragment: heading level its own headings start at (contributors and credits sit under Credits).
FRAGMENTS = {
    "DESCRIPTION": 2,
    "CONTEXT": 2,
    "INSTALL": 2,
    "CONFIGURE": 2,
    "USAGE": 2,
    "ROADMAP": 2,
    "DEVELOP": 2,
    "CONTRIBUTORS": 3,
    "CREDITS": 3,
    "HISTORY": 2,
}
PANDOC_FORMAT = "gfm-raw_html-gfm_auto_identifiers"  # as OCA's generator reads Markdown
LICENSE_BADGES = {
    "AGPL-3": ("AGPL--3", "https://www.gnu.org/licenses/agpl-3.0-standalone.html"),
    "LGPL-3": ("LGPL--3", "https://www.gnu.org/licenses/lgpl-3.0-standalone.html"),
    "GPL-3": ("GPL--3", "https://www.gnu.org/licenses/gpl-3.0-standalone.html"),
}
MATURITY_BADGES = {
    "alpha": "Alpha-red",
    "beta": "Beta-yellow",
    "production/stable": "Production%2FStable-green",
    "mature": "Mature-brightgreen",
}
DIGEST_RE = re.compile(r"!! source digest: (?P<digest>sha256:\w+)")
# docutils settings of OCA's generator (pypa/readme_renderer's): no file or raw HTML inclusion,
# stop on warnings.
RST2HTML_SETTINGS = {
    "file_insertion_enabled": False,
    "halt_level": 2,
    "math_output": "MathJax",
    "raw_enabled": False,
    "smart_quotes": True,
    "syntax_highlight": "short",
    # Odoo (17+) warns about an XML declaration in a module's index.html; the charset is in a
    # <meta> tag anyway.
    "xml_declaration": False,
}


def source_digest(addon_dir):
    """sha256 over the manifest and the fragments, names included (as OCA computes it)."""
    digest = hashlib.sha256()
    fragments = sorted(
        path
        for path in (addon_dir / FRAGMENTS_DIR).rglob("*")
        if path.is_file() and not path.name.startswith(".")
    )
    for path in [addon_dir / "__manifest__.py", *fragments]:
        digest.update(str(path.relative_to(addon_dir)).encode())
        digest.update(path.read_bytes())
    return f"sha256:{digest.hexdigest()}"


def fragment_rst(path, level):
    text = pypandoc.convert_text(
        path.read_text(encoding="utf-8"),
        "rst",
        format=PANDOC_FORMAT,
        extra_args=[f"--shift-heading-level-by={level - 2}", "--wrap=preserve"],
        sandbox=True,
    )
    return text.rstrip("\n") + "\n"


def render(addon_dir, digest):
    manifest = ast.literal_eval((addon_dir / "__manifest__.py").read_text(encoding="utf-8"))
    fragments = {
        name: fragment_rst(path, level)
        for name, level in FRAGMENTS.items()
        if (path := addon_dir / FRAGMENTS_DIR / f"{name}.md").is_file()
    }
    website = manifest.get("website", "").rstrip("/")
    repo_path = "/".join(website.split("/")[-2:])  # github.com/<org>/<repo>
    branch = ".".join(manifest["version"].split(".")[:2])
    status = manifest.get("development_status", "Beta").lower()
    badges = []
    if status in MATURITY_BADGES:
        badges.append(
            (
                f"https://img.shields.io/badge/maturity-{MATURITY_BADGES[status]}.png",
                "https://odoo-community.org/page/development-status",
                status.capitalize(),
            )
        )
    if manifest.get("license") in LICENSE_BADGES:
        label, target = LICENSE_BADGES[manifest["license"]]
        badges.append(
            (
                f"https://img.shields.io/badge/license-{label}-blue.png",
                target,
                f"License: {manifest['license']}",
            )
        )
    if repo_path:
        badge_path = repo_path.replace("-", "--").replace("_", "__").replace("/", "%2F")
        badges.append(
            (
                f"https://img.shields.io/badge/github-{badge_path}-lightgray.png?logo=github",
                f"{website}/tree/{branch}/{addon_dir.name}",
                repo_path,
            )
        )
    template = Template(TEMPLATE.read_text(encoding="utf-8"), keep_trailing_newline=True)
    return template.render(
        addon_name=addon_dir.name,
        authors=[a.strip() for a in manifest.get("author", "").split(",") if a.strip()],
        badges=badges,
        branch=branch,
        development_status=status,
        fragments=fragments,
        manifest=manifest,
        repo_path=repo_path,
        website=website,
        source_digest=digest,
    )


def render_html(readme):
    html = publish_string(
        readme,
        writer_name="html4css1",
        settings_overrides={**RST2HTML_SETTINGS, "warning_stream": io.StringIO()},
    ).decode()
    # the docutils version would change the file with every upgrade
    return re.sub(r'(<meta name="generator" content="Docutils)\s*[\d.]+', r"\1", html)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("addon_dir", nargs="?", default=str(REPO / "lot_tracking"))
    parser.add_argument("--check", action="store_true", help="fail if the files are stale")
    args = parser.parse_args()
    addon_dir = Path(args.addon_dir).resolve()
    readme_path = addon_dir / "README.rst"
    index_path = addon_dir / "static" / "description" / "index.html"
    current = readme_path.read_text(encoding="utf-8") if readme_path.is_file() else ""
    digest = source_digest(addon_dir)
    if args.check:
        # The digest kept in the file: a manifest change that the README does not show (a new
        # data file) leaves it as it is, as OCA's --keep-source-digest does.
        kept = DIGEST_RE.search(current)
        readme = render(addon_dir, kept.group("digest") if kept else digest)
        html = render_html(readme)
        stale = [
            path.relative_to(REPO)
            for path, text in ((readme_path, readme), (index_path, html))
            if not path.is_file() or path.read_text(encoding="utf-8") != text
        ]
        if stale:
            print(
                f"{', '.join(map(str, stale))} not generated from {addon_dir.name}/readme/*.md and "
                f"the manifest: run scripts/gen_readme.py and commit the result",
                file=sys.stderr,
            )
            return 1
        return 0
    readme = render(addon_dir, digest)
    readme_path.write_text(readme, encoding="utf-8")
    index_path.parent.mkdir(parents=True, exist_ok=True)
    index_path.write_text(render_html(readme), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
