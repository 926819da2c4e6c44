"""`re` in migrated functions (scaffold/pyregex.py, migrate_files/pyre.rs).

The refusals and the translation are fast tests. The differential tests build a small probe
around the real pyre.rs and the pinned regex crate (marked slow) and compare it with CPython
on generated ASCII subjects, for each supported pattern shape.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from helpers import module_plan
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaffold import migrate_codegen, pins, pyregex, pyspecialize
from scaffold.migrate_types import STR
from scaffold.pytranslate import Expr, FunctionInfo, Translator, Untranslatable

if TYPE_CHECKING:
    from collections.abc import Iterator


def _plans(source: str) -> dict[str, migrate_codegen.FunctionPlan]:
    plans, skipped = migrate_codegen.analyse(textwrap.dedent(source), dotted="pkg.mod")
    assert not skipped, skipped
    return {p.name: p for p in plans}


@pytest.mark.parametrize(
    ("pattern", "flags", "reason"),
    [
        (r"(a)\1", 0, "backreference"),
        (r"a(?=b)", 0, "lookahead"),
        (r"(?<!a)b", 0, "negative lookahead or lookbehind"),
        (r"a++", 0, "possessive"),
        (r"(?>ab)", 0, "atomic group"),
        (r"(a)?(?(1)b|c)", 0, "conditional group"),
        (r"^a", re.MULTILINE, "MULTILINE"),
        (r"\Ba", 0, r"\B"),
        (r"(a*)*", 0, "can match empty"),
        (r"(?:a|)+", 0, "can match empty"),
        (r"(?i:a)b", 0, "flags set on a part"),
        ("(?i)\u212a", 0, "IGNORECASE on a pattern that is not ASCII"),
        (r"a{1001}", 0, "above 1000"),
        (r"(", 0, "not a valid pattern"),
        (b"a", 0, "not a str literal"),
    ],
)
def test_patterns_the_rust_engine_cannot_match_alike_are_refused(
    pattern: object, flags: int, reason: str
) -> None:
    with pytest.raises(Untranslatable, match=re.escape(reason)):
        pyregex.compile_pattern(pattern, flags)


@pytest.mark.parametrize(
    ("pattern", "flags", "rust"),
    [
        (r"\d+\w*\s", 0, r"(?:[0-9])+(?:[0-9A-Za-z_])*[\x{9}-\x{D}\x{1C}-\x{20}]"),
        (r"\s", re.ASCII, r"[\x{9}-\x{D}\x{20}]"),
        (r"[^\W\d]", 0, r"[^[^0-9A-Za-z_]0-9]"),
        ("^a b # c\n$", re.VERBOSE, r"\Aab\z"),
        (r"(?P<x>a)|b.", re.DOTALL, r"(?s)(?:(?P<x>a)|b.)"),
        (r"a??b{2,}?", 0, r"(?:a)??(?:b){2,}?"),
    ],
)
def test_python_syntax_is_written_in_rust_syntax(pattern: str, flags: int, rust: str) -> None:
    assert pyregex.compile_pattern(pattern, flags).rust == rust


@pytest.mark.parametrize(
    ("pattern", "whole"),
    [
        (r"(?i)([a-z\d]*)", {0, 1}),
        (r"((a|b)c)", {0, 1}),
        (r"(?:(\w+))", {0, 1}),
        (r"((a))", {0, 1, 2}),
        (r"\b('?\w)", {0, 1}),
        (r"^(a\b(b))$", {0, 1}),
        (r"(a)b", {0}),
        (r"(a)|(b)", {0}),
        (r"(a)*", {0}),
        ("a", {0}),
    ],
)
def test_groups_that_are_the_whole_match_are_known(pattern: str, whole: set[int]) -> None:
    assert pyregex.compile_pattern(pattern).whole == whole


def test_a_replacement_of_the_whole_match_does_without_the_capture_engine() -> None:
    plans = _plans(
        r"""
        import re
        def lower(s: str) -> str:
            return re.sub(r"(?i)([a-z\d]*)", lambda m: m.group(1).lower(), s)
        def upper(s: str) -> str:
            return re.sub(r"^\w", lambda m: m.group(0).upper(), s)
        def strip_id(s: str) -> str:
            return re.sub(r"_id$", "", s)
        def snake(s: str) -> str:
            return re.sub(r"([a-z\d])([A-Z])", r"\1_\2", s)
        def first(s: str) -> str:
            return re.sub(r"(a)b", lambda m: m.group(1), s)
        """
    )
    captures = {
        name: re.search(r"pyre::sub\([^,]+, [^,]+, [^,]+, [^,]+, (true|false),", plan.body or "")
        for name, plan in plans.items()
    }
    assert {name: m and m.group(1) for name, m in captures.items()} == {
        "lower": "false",
        "upper": "false",
        "strip_id": "false",
        "snake": "true",
        "first": "true",
    }
    assert "pyre::group(m, 0)" in (plans["lower"].body or "")


def test_dollar_and_empty_matches_are_flagged_for_the_runtime() -> None:
    assert pyregex.compile_pattern(r"a$").dollar
    assert not pyregex.compile_pattern(r"a\Z").dollar
    assert pyregex.compile_pattern(r"a*b*").empty_safe
    # After an empty match Python backtracks into `a` at the same place; Rust cannot.
    assert not pyregex.compile_pattern(r"a??").empty_safe
    assert not pyregex.compile_pattern(r"(?:|a)").empty_safe
    assert pyregex.compile_pattern(r"(?:a|)").empty_safe


def test_templates_are_read_by_cpython() -> None:
    pattern = pyregex.compile_pattern(r"(?P<first>a)(b)?")
    assert pyregex.template_parts(r"\1-\g<2>\g<first>\n", pattern) == [1, "-", 2, 1, "\n"]
    with pytest.raises(Untranslatable, match="template"):
        pyregex.template_parts(r"\3", pattern)


MODULE = """
    import re
    import re as regex

    ROMAN = re.compile('''
        ^ M{0,4} (CM|CD|D?C{0,3}) $   # thousands, hundreds
        ''', re.VERBOSE)
    LOOK = re.compile(r"(?=a)")
    MULTI = re.compile(r"^a", re.M | re.I)
    WORD = r"[a-z]+"


    def underscore(word: str) -> str:
        word = re.sub(r"([A-Z]+)([A-Z][a-z])", r'\\1_\\2', word)
        return regex.sub(r"([a-z\\d])([A-Z])", r'\\1_\\2', word).lower()


    def humanize(word: str, n: int) -> str:
        word = re.sub(r"(?i)([a-z\\d]*)", lambda m: m.group(1).lower(), word, n)
        return re.sub(r"^\\w", lambda word: word.group(0).upper() + word.group(), word)


    def valid(s: str) -> bool:
        if not ROMAN.search(s):
            return False
        return re.fullmatch(WORD, s) is None and bool(re.match("a|b", s))


    def looks(s: str) -> bool:
        return bool(LOOK.search(s))


    def multi(s: str) -> bool:
        return MULTI.match(s) is not None


    def kept(s: str) -> str:
        m = re.search("a", s)
        return s if m else ""


    def group3(s: str) -> str:
        return re.sub("(a)", lambda m: m.group(3), s)


    def findall(s: str) -> list[str]:
        return re.findall("a", s)
"""


def test_search_sub_and_lambdas_translate_and_the_rest_says_why() -> None:
    plans = _plans(MODULE)
    for name in ("underscore", "humanize", "valid"):
        assert plans[name].body is not None, (name, plans[name].reason)
    assert "pyre::expand" in (plans["underscore"].body or "")
    assert "pyre::group(m, 0)?" in (plans["humanize"].body or "")  # group 1 is the whole match
    # The lambda's parameter hides the function's own `word` inside the lambda only.
    assert "pyre::group(word, 0)?" in (plans["humanize"].body or "")
    reasons = {name: plans[name].reason for name in plans if plans[name].body is None}
    assert "lookahead" in reasons["looks"]
    assert "MULTILINE" in reasons["multi"]
    assert "re.Match" in reasons["kept"]  # a match object kept in a variable
    assert "no such group" in reasons["group3"]
    assert "findall" in reasons["findall"]


def test_the_regex_crate_is_a_dependency_only_when_used() -> None:
    def plan(source: str) -> migrate_codegen.ModulePlan:
        plans, _ = migrate_codegen.analyse(textwrap.dedent(source), dotted="pkg.mod")
        return module_plan(plans)

    used = plan(MODULE)
    toml = migrate_codegen.cargo_toml(crate="pkg", lib="_mod_rs", version="1", abi3=None, plan=used)
    assert f'regex = "{pins.load().regex}"' in toml
    assert "mod pyre {" in migrate_codegen.lib_rs(used, gil_used=True)
    unused = plan("def f(x: int) -> int:\n    return x\n")
    toml = migrate_codegen.cargo_toml(
        crate="pkg", lib="_mod_rs", version="1", abi3=None, plan=unused
    )
    assert "regex" not in toml
    assert "pyre" not in migrate_codegen.lib_rs(unused, gil_used=True)


# -- differential: the real pyre.rs on the pinned regex crate against CPython -------------------

_PROBE = r"""
mod pyo3 {
    pub mod prelude {
        pub type PyResult<T> = Result<T, String>;
    }
}
mod pyops {
    pub fn redo(why: &str) -> String {
        format!("REDO {why}")
    }
    PYOPS_ASCII
    // As pyops.rs: case mapping in Rust for ASCII text only.
    pub fn ascii_lower(s: &[char]) -> Result<Vec<char>, String> {
        if !is_ascii(s) {
            return Err(redo("lower() of non-ASCII text"));
        }
        Ok(s.iter().map(char::to_ascii_lowercase).collect())
    }
}
PYRE
METHODS

use std::io::{BufRead, Write};

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> String {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap() as char).collect()
}

// One query a line: op, pattern, subject (hex), dollar, empty_safe, count, template.
fn main() {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    for line in stdin.lock().lines() {
        let line = line.unwrap();
        let f: Vec<&str> = line.split('\t').collect();
        let cell = pyre::Cell::new();
        let re = match pyre::compiled(&cell, &unhex(f[1])) {
            Ok(re) => re,
            Err(e) => { writeln!(out, "{e}").unwrap(); out.flush().unwrap(); continue; }
        };
        let subject: Vec<char> = unhex(f[2]).chars().collect();
        if f[0] == "title" || f[0] == "capitalize" {
            let done = if f[0] == "title" { title(subject) } else { capitalize(subject) };
            match done {
                Ok(v) => writeln!(out, "ok {}", hex(&v.iter().collect::<String>())).unwrap(),
                Err(e) => writeln!(out, "{e}").unwrap(),
            }
            out.flush().unwrap();
            continue;
        }
        let answer = match pyre::subject(&subject, f[3] == "1") {
            Err(e) => e,
            Ok(hay) => match f[0] {
                "test" => (if re.is_match(&hay) { "1" } else { "0" }).to_string(),
                "spans" => match re.captures(&hay) {
                    None => "none".to_string(),
                    Some(caps) => (0..caps.len())
                        .map(|k| match caps.get(k) {
                            Some(m) => format!("{}:{}", m.start(), m.end()),
                            None => "-".into(),
                        })
                        .collect::<Vec<_>>()
                        .join(","),
                },
                _ => {
                    let parts: Vec<pyre::Part> = f[6]
                        .split(',')
                        .filter(|p| !p.is_empty())
                        .map(|p| match &p[..1] {
                            "g" => pyre::Part::Group(p[1..].parse().unwrap()),
                            _ => pyre::Part::Text(Box::leak(unhex(&p[1..]).into_boxed_str())),
                        })
                        .collect();
                    let count: i64 = f[5].parse().unwrap();
                    // As the translator decides: the capture engine only for groups > 0.
                    let captures = parts.iter().any(|p| matches!(p, pyre::Part::Group(1..)));
                    let expand = |c: &pyre::Found<'_>| Ok(pyre::expand(c, &parts));
                    match pyre::sub(re, &hay, count, f[4] == "1", captures, expand) {
                        Ok(v) => format!("ok {}", hex(&v.iter().collect::<String>())),
                        Err(e) => e,
                    }
                }
            },
        };
        writeln!(out, "{answer}").unwrap();
        out.flush().unwrap();
    }
}
"""


class Probe:
    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process

    def ask(self, *fields: str) -> str:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write("\t".join(fields) + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().rstrip("\n")


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Probe]:
    root = tmp_path_factory.mktemp("probe")
    (root / "src").mkdir()
    pyre = (Path(migrate_codegen.__file__).parent / "migrate_files" / "pyre.rs").read_text()
    pyre = pyre.replace("use pyo3::prelude::*;", "use crate::pyo3::prelude::*;")
    methods = "\n".join(
        f"fn {name}(subject: Vec<char>) -> Result<Vec<char>, String> {{ Ok({_method(name)}) }}"
        for name in ("title", "capitalize")
    )
    pyops = (Path(migrate_codegen.__file__).parent / "migrate_files" / "pyops.rs").read_text()
    # pyops.rs's own ASCII helpers (no PyO3 in them), which pyre.rs calls.
    helpers = "\n".join(_rust_fn(pyops, name) for name in ("is_ascii", "ascii_string"))
    main = (
        _PROBE.replace("PYRE", f"mod pyre {{\n{pyre}}}")
        .replace("METHODS", methods)
        .replace("PYOPS_ASCII", helpers)
    )
    (root / "src" / "main.rs").write_text(main)
    (root / "Cargo.toml").write_text(
        '[package]\nname = "pyre-probe"\nversion = "0.0.0"\nedition = "2024"\n'
        f'[dependencies]\nregex = "{pins.load().regex}"\n'
    )
    target = os.environ.get("CARGO_TARGET_DIR", str(root / "target"))
    subprocess.run(
        ["cargo", "build", "--quiet", "--manifest-path", str(root / "Cargo.toml")],
        check=True,
        env={**os.environ, "CARGO_TARGET_DIR": target},
    )
    process = subprocess.Popen(
        [str(Path(target) / "debug" / "pyre-probe")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    yield Probe(process)
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.close()
    process.wait(timeout=30)
    process.stdout.close()


def _rust_fn(source: str, name: str) -> str:
    """`pub fn NAME` of a Rust source file, up to its closing brace at the start of a line."""
    start = source.index(f"pub fn {name}(")
    return source[start : source.index("\n}\n", start) + 3]


def _method(name: str) -> str:
    """The Rust the registry writes for `subject.NAME()`."""
    func = ast.parse(f"def f(s: str) -> str:\n    return s.{name}()").body[0]
    assert isinstance(func, ast.FunctionDef)
    tr = Translator(func, FunctionInfo(name="f", params=[("s", STR)], returns=STR))
    call = func.body[0].value  # type: ignore[attr-defined]
    return pyspecialize.METHODS["str", name].emit(tr, Expr("subject", STR), call).code


def _hex(s: str) -> str:
    return s.encode("ascii").hex()


# Each supported shape (the corpus's patterns among them), with the flags it is used with.
SHAPES = [
    (r"([A-Z]+)([A-Z][a-z])", 0),
    (r"([a-z\d])([A-Z])", 0),
    (r"(?:^|_)(.)", 0),
    (r"_id$", 0),
    (r"(?i)([a-z\d]*)", 0),
    (r"^\w", 0),
    (r"\b('?\w)", 0),
    ("^M{0,4}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$", re.VERBOSE),
    (r"(?i)[^a-z0-9\-_]+", 0),
    (r"\s+|\d", 0),
    (r"\s", re.ASCII),
    (r"[^\W\d]\W?", 0),
    (r"a*?b|a+?", 0),
    (r"(a|ab)(c|bcd)(d*)", 0),
    (r"(?P<w>\w+)\s*=\s*(?P<v>\S*)", 0),
    (r"x*", 0),
    (r"(?:ab)?c??", 0),
    (r"((a|b)c)", 0),
    (r"(?:(\w+))", 0),
    (r"a.b", re.DOTALL),
    (r"\Aa|b\Z", 0),
    (r"[a-c]{2,3}", re.IGNORECASE),
]
SUBJECTS = st.text(
    alphabet=st.sampled_from("aAbBcCxXdDMCDXLIVmi_-' =\n\t\x0b\x1c\x1f\x7f019!"), max_size=12
)


@pytest.mark.slow
@pytest.mark.parametrize(("source", "flags"), SHAPES)
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(subject=SUBJECTS, count=st.integers(-1, 3))
def test_pyre_agrees_with_cpython(
    probe: Probe, source: str, flags: int, subject: str, count: int
) -> None:
    pattern = pyregex.compile_pattern(source, flags)
    python = re.compile(source, flags)
    dollar = "1" if pattern.dollar else "0"
    safe = "1" if pattern.empty_safe else "0"
    redo = "\n" in subject and pattern.dollar
    for how, rust in (
        ("search", pattern.rust),
        ("match", f"\\A(?:{pattern.rust})"),
        ("fullmatch", f"\\A(?:{pattern.rust})\\z"),
    ):
        got = probe.ask("test", _hex(rust), _hex(subject), dollar, safe, "0", "")
        if redo:
            assert got.startswith("REDO"), got
            continue
        assert got == ("1" if getattr(python, how)(subject) else "0"), (how, rust, subject)
    # The groups of the first match (what m.group(k) of a lambda reads).
    spans = probe.ask("spans", _hex(pattern.rust), _hex(subject), dollar, safe, "0", "")
    found = python.search(subject)
    if not redo:
        want = (
            "none"
            if found is None
            else ",".join(
                "-" if found.span(k) == (-1, -1) else f"{found.start(k)}:{found.end(k)}"
                for k in range(pattern.groups + 1)
            )
        )
        assert spans == want, (pattern.rust, subject)
    # Every group (the capture engine, unless all are the whole match), and the whole match
    # alone (the DFA's find).
    every = "<" + "".join(f"\\g<{k}>." for k in range(pattern.groups + 1)) + ">"
    for template in (every, "<\\g<0>>"):
        parts = [
            pattern.group(p) if isinstance(p, int) else p
            for p in pyregex.template_parts(template, pattern)
        ]
        encoded = ",".join(f"g{p}" if isinstance(p, int) else f"t{_hex(p)}" for p in parts)
        got = probe.ask("sub", _hex(pattern.rust), _hex(subject), dollar, safe, str(count), encoded)
        if got.startswith("REDO"):
            # Only for the documented reasons: `$` with a newline, an empty match where the
            # pattern is not empty_safe.
            assert redo or not pattern.empty_safe, (got, subject)
            continue
        want = python.sub(template, subject, count=count)
        assert got == "ok " + _hex(want), (source, template, subject)


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=12))
def test_title_and_capitalize_agree_with_cpython_on_ascii(probe: Probe, text: str) -> None:
    # (What titleize's lambda and subject use.)
    for name in ("title", "capitalize"):
        got = probe.ask(name, "", _hex(text), "0", "0", "0", "")
        assert got == "ok " + _hex(getattr(text, name)()), (name, text)


@pytest.mark.slow
def test_non_ascii_subjects_go_to_python(probe: Probe) -> None:
    assert probe.ask("title", "", "c3a9", "0", "0", "0", "").startswith("REDO")
    got = probe.ask("test", _hex("a"), "c3a9", "0", "1", "0", "")
    assert got.startswith("REDO"), got
