//! Python's `re` on the Rust regex crate, for the calls `migrate` translated.
//!
//! Patterns were checked and rewritten by `scaffold/pyregex.py` when this file was made.
//! Where the engines can differ, the call is redone in Python (`pyops::redo`): a subject that
//! is not ASCII, `$` on a subject with a newline, an empty match Python would step over
//! differently, a group that did not take part in the match.

use super::pyops;
use pyo3::prelude::*;
use regex::{Captures, Match, Regex};
use std::sync::OnceLock;

/// One compiled pattern per call site, built on first use.
pub type Cell = OnceLock<Option<Regex>>;

pub fn compiled<'a>(cell: &'a Cell, pattern: &str) -> PyResult<&'a Regex> {
    cell.get_or_init(|| Regex::new(pattern).ok())
        .as_ref()
        .ok_or_else(|| pyops::redo("re: a pattern the regex crate does not build"))
}

/// The subject as Rust text, when Rust matches it exactly as Python does.
pub fn subject(s: &[char], dollar: bool) -> PyResult<String> {
    if !pyops::is_ascii(s) {
        return Err(pyops::redo("re on text that is not ASCII (Unicode tables differ)"));
    }
    if dollar && s.contains(&'\n') {
        return Err(pyops::redo("re: `$` also matches before a final newline in Python"));
    }
    Ok(pyops::ascii_string(s))
}

/// The chars of a part of the subject: ASCII (see `subject`), so each byte is one.
fn ascii_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    text.bytes().map(char::from)
}

/// A part of a `re.sub` template: literal text or a group's text.
pub enum Part {
    Text(&'static str),
    Group(usize),
}

/// A match as a `re.sub` replacement sees it: with its groups, or, when the replacement reads
/// only the whole match (group 0, or a group that is the whole pattern), just its span. That
/// one is found by the regex crate's DFAs alone: its capture engine runs over the whole match
/// again, slowly (inflection's `humanize` of a 1 MB word was 2x slower than pure Python).
pub enum Found<'h> {
    Groups(Captures<'h>),
    Whole(Match<'h>),
}

impl<'h> Found<'h> {
    fn get(&self, k: usize) -> Option<Match<'h>> {
        match self {
            Found::Groups(caps) => caps.get(k),
            Found::Whole(whole) => (k == 0).then_some(*whole),
        }
    }
}

/// The template with its groups filled in; a group that did not match gives "" (as Python).
pub fn expand(found: &Found<'_>, parts: &[Part]) -> Vec<char> {
    let mut out = Vec::new();
    for part in parts {
        match part {
            Part::Text(text) => out.extend(text.chars()),
            Part::Group(k) => out.extend(ascii_chars(found.get(*k).map_or("", |m| m.as_str()))),
        }
    }
    out
}

/// `m.group(k)`: Python gives None for a group that did not match; Python redoes the call.
pub fn group(found: &Found<'_>, k: usize) -> PyResult<Vec<char>> {
    found
        .get(k)
        .map(|m| ascii_chars(m.as_str()).collect())
        .ok_or_else(|| pyops::redo("re: a group that did not take part in the match"))
}

/// `re.sub(pattern, repl, subject, count)` with Python's loop: after a non-empty match the
/// next one may be empty at its end; after an empty match, Python looks for a non-empty one
/// at the same place first, which Rust can only tell apart when `empty_safe`.
pub fn sub(
    re: &Regex,
    hay: &str,
    count: i64,
    empty_safe: bool,
    captures: bool,
    mut repl: impl FnMut(&Found<'_>) -> PyResult<Vec<char>>,
) -> PyResult<Vec<char>> {
    let mut out = Vec::new();
    let (mut last, mut at, mut done) = (0_usize, 0_usize, 0_i64);
    while at <= hay.len() && (count == 0 || done < count) {
        // The same leftmost-first match either way; `captures`: the replacement reads groups.
        let found = if captures {
            re.captures_at(hay, at).map(Found::Groups)
        } else {
            re.find_at(hay, at).map(Found::Whole)
        };
        let Some(found) = found else {
            break;
        };
        let whole = found.get(0).expect("group 0 always matches");
        if whole.is_empty() && !empty_safe {
            return Err(pyops::redo("re: an empty match Python steps over by backtracking"));
        }
        out.extend(ascii_chars(&hay[last..whole.start()]));
        out.extend(repl(&found)?);
        last = whole.end();
        done += 1;
        // ASCII text: one byte is one character.
        at = if whole.is_empty() { whole.end() + 1 } else { whole.end() };
    }
    out.extend(ascii_chars(&hay[last..]));
    Ok(out)
}
