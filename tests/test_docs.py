"""The project's documents stand alone: every link and every cited document resolves inside the repository."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRACKED = [
    ROOT / f for f in subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
]
TEXT = [p for p in TRACKED if p.suffix in (".md", ".py", ".toml", ".sh") and p.is_file()]
# A cited document: a path into docs/, a README, or a Markdown file with an upper-case name.
CITED = re.compile(r"(?<![\w/.-])((?:docs/|\.\./)?(?:[\w-]+/)*(?:[A-Z][A-Z_]+|README|[a-z_]+)\.md)\b")
OUTSIDE = "../" + "shared"  # the planning documents beside the checkout, which a reader of the project does not have
GENERATED = {"report.md", "compare.md", "robustness.md", "scaling.md", "browser.md"}  # files the commands write, not documents


def _resolves(name: str, where: Path) -> bool:
    return any((base / name).exists() for base in (where.parent, ROOT, ROOT / "docs"))


def test_every_markdown_link_resolves():
    broken = []
    for path in (p for p in TEXT if p.suffix == ".md"):
        for target in re.findall(r"\]\(([^)\s]+)\)", path.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            if not (path.parent / target.split("#")[0]).exists():
                broken.append(f"{path.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_every_cited_document_is_in_the_repository():
    missing = []
    for path in TEXT:
        text = path.read_text(encoding="utf-8")
        assert OUTSIDE not in text, f"{path.relative_to(ROOT)} cites a document outside the repository"
        for name in set(CITED.findall(text)):
            if Path(name).name not in GENERATED and not _resolves(name, path):
                missing.append(f"{path.relative_to(ROOT)} cites {name}")
    assert missing == []


def test_every_cited_calibration_section_exists():
    sections = set(re.findall(r"^## (\d+)\.", (ROOT / "docs" / "calibration.md").read_text(), flags=re.M))
    cited = {(p.relative_to(ROOT), s) for p in TEXT for s in re.findall(r"calibration\.md §(\d+)", p.read_text(encoding="utf-8"))}
    assert cited and all(s in sections for _, s in cited), sorted(c for c in cited if c[1] not in sections)
