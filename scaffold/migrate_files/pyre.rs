//! Python's `re` on the Rust regex crate, for the calls `migrate` translated.
//!
//! Patterns were checked and rewritten by `scaffold/pyregex.py` when this file was made.
//! Where the engines can differ, the call is redone in Python (`pyops::redo`): a subject that
//! is not ASCII, `$` on a subject with a newline, an empty match Python would step over
//! differently, a group that did not take part in the match.

use super::pyops;
use pyo3::prelude::*;
use regex::{Captures, Regex};
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
    if !s.iter().all(char::is_ascii) {
        return Err(pyops::redo("re on text that is not ASCII (Unicode tables differ)"));
    }
    if dollar && s.contains(&'\n') {
        return Err(pyops::redo("re: `$` also matches before a final newline in Python"));
    }
    Ok(s.iter().collect())
}

/// A part of a `re.sub` template: literal text or a group's text.
pub enum Part {
    Text(&'static str),
    Group(usize),
}

/// The template with its groups filled in; a group that did not match gives "" (as Python).
pub fn expand(caps: &Captures<'_>, parts: &[Part]) -> Vec<char> {
    let mut out = Vec::new();
    for part in parts {
        match part {
            Part::Text(text) => out.extend(text.chars()),
            Part::Group(k) => out.extend(caps.get(*k).map_or("", |m| m.as_str()).chars()),
        }
    }
    out
}

/// `m.group(k)`: Python gives None for a group that did not match; Python redoes the call.
pub fn group(caps: &Captures<'_>, k: usize) -> PyResult<Vec<char>> {
    caps.get(k)
        .map(|m| m.as_str().chars().collect())
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
    mut repl: impl FnMut(&Captures<'_>) -> PyResult<Vec<char>>,
) -> PyResult<Vec<char>> {
    let mut out = Vec::new();
    let (mut last, mut at, mut done) = (0_usize, 0_usize, 0_i64);
    while at <= hay.len() && (count == 0 || done < count) {
        let Some(caps) = re.captures_at(hay, at) else {
            break;
        };
        let whole = caps.get(0).expect("group 0 always matches");
        if whole.is_empty() && !empty_safe {
            return Err(pyops::redo("re: an empty match Python steps over by backtracking"));
        }
        out.extend(hay[last..whole.start()].chars());
        out.extend(repl(&caps)?);
        last = whole.end();
        done += 1;
        // ASCII text: one byte is one character.
        at = if whole.is_empty() { whole.end() + 1 } else { whole.end() };
    }
    out.extend(hay[last..].chars());
    Ok(out)
}
