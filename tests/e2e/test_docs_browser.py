"""The docs site as a reader sees it: built by mkdocs, opened in a real headless browser.

Checks every built page for links and images that lead nowhere (parsing the HTML), then
loads pages in Debian's chromium: every image must decode, the quick start's code must not
scroll sideways, and a screenshot is taken (kept in the test's tmp folder to look at).
"""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from helpers import build_docs

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.slow

if CHROMIUM is None and os.environ.get("CI"):  # .ci/run installs it: CI must not skip
    pytest.fail("chromium is missing in CI: .ci/run installs it (apt-get install chromium)")


class _Refs(HTMLParser):
    """The links, images, scripts and stylesheets of one page, and the ids it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        attr = {"a": "href", "link": "href", "img": "src", "script": "src"}.get(tag)
        if attr and found.get(attr):
            self.refs.append((tag, str(found[attr])))


def _parse(page: Path) -> _Refs:
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_docs(out)
    return out


def test_no_broken_internal_links_or_images(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 10  # (every docs/*.md page, plus 404 and search)
    parsed = {page: _parse(page) for page in pages}
    broken: list[str] = []
    checked = 0
    for page, refs in parsed.items():
        for tag, ref in refs.refs:
            url = urlsplit(html.unescape(ref))
            if url.scheme or url.netloc or ref.startswith("mailto:"):
                continue  # the outside world is not ours to check offline
            # 404.html links from the site's root (it is served for any missing path).
            base = site if url.path.startswith("/") else page.parent
            target = (base / unquote(url.path).lstrip("/")).resolve() if url.path else page
            checked += 1
            if not target.is_file():
                broken.append(f"{page.relative_to(site)}: <{tag}> {ref} (no such file)")
            elif url.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if url.fragment not in ids:
                    broken.append(f"{page.relative_to(site)}: <{tag}> {ref} (no such anchor)")
    assert checked > 100  # (the navigation alone links every page)
    assert broken == []


# Appended to a page before chromium loads it: after the load, the verdict is written into the
# DOM, which --dump-dom prints. An image that failed to load has naturalWidth 0.
_PROBE = """<script>
window.addEventListener("load", () => {
  const broken = [...document.images].filter(i => !i.complete || i.naturalWidth === 0)
    .map(i => i.getAttribute("src"));
  const wide = [...document.querySelectorAll("pre > code")]
    .filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.textContent.slice(0, 60));
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({images: document.images.length, broken, wide});
  document.body.appendChild(out);
});
</script>"""


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",  # CI runs as root, where chromium's sandbox refuses to start
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1280,1000",
            "--virtual-time-budget=10000",  # let the page load (and the probe run) first
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize(
    ("page", "min_images", "narrow"),
    [
        # The quick start and the commands a newcomer copies must fit without scrolling;
        # measured tables (why-in-process) may be wider than the column.
        ("index.html", 0, True),
        ("new.html", 0, True),
        ("exit-codes.html", 0, True),
        ("why-in-process.html", 1, False),
    ],
)
def test_pages_render_in_chromium(site: Path, page: str, min_images: int, narrow: bool) -> None:
    probed = site / f"probe-{page}"
    text = (site / page).read_text(encoding="utf-8")
    probed.write_text(text.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    done = _chromium("--dump-dom", probed.as_uri())
    assert '<pre id="probe">' in done.stdout, done.stderr[-2000:]
    verdict = json.loads(
        html.unescape(done.stdout.split('<pre id="probe">', 1)[1].split("</pre>", 1)[0])
    )
    assert verdict["images"] >= min_images
    assert verdict["broken"] == [], f"images that did not load on {page}"
    if narrow:
        assert verdict["wide"] == [], f"code that scrolls sideways on {page}"

    shot = site.parent / f"{Path(page).stem}.png"
    done = _chromium(f"--screenshot={shot}", (site / page).as_uri())
    assert shot.is_file(), done.stderr[-2000:]
    assert shot.read_bytes().startswith(b"\x89PNG")
    # A blank white page compresses to a few KB; text, navigation and code make far more.
    assert shot.stat().st_size > 30_000
