//! A small backtracking regular-expression matcher for priority-expander patterns.
//!
//! The crate has no regex dependency, and priority configs use a tiny subset of RE2:
//! literals, `.`, escapes (`\.`, `\d`, `\w`, `\s` and negations), classes `[a-z0-9-]` / `[^…]`,
//! groups `( )` / `(?: )` with `|`, anchors `^` `$`, and greedy or lazy quantifiers `* + ? {n}
//! {n,} {n,m}`. Matching is unanchored (Go's `FindStringIndex != nil`), which is all the
//! expander needs. Not supported (rejected with an error): flags `(?i)`, named groups, Unicode
//! classes `\p{…}`, word boundaries `\b`, backreferences. Backtracking is exponential in the
//! worst case, acceptable for short node-group names.

use thiserror::Error;

/// A pattern the matcher cannot compile.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unsupported or invalid pattern {pattern:?}: {reason}")]
pub struct PatternError {
    pub pattern: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Atom {
    Char(char),
    Any,
    Class { ranges: Vec<(char, char)>, negated: bool },
    Group(Vec<Vec<Piece>>),
    Start,
    End,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Piece {
    atom: Atom,
    min: u32,
    max: Option<u32>,
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    source: String,
    alts: Vec<Vec<Piece>>,
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    source: &'a str,
}

const DIGIT: &[(char, char)] = &[('0', '9')];
const WORD: &[(char, char)] = &[('0', '9'), ('A', 'Z'), ('a', 'z'), ('_', '_')];
const SPACE: &[(char, char)] = &[(' ', ' '), ('\t', '\r')];

impl Parser<'_> {
    fn err(&self, reason: impl Into<String>) -> PatternError {
        PatternError { pattern: self.source.to_owned(), reason: reason.into() }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn alts(&mut self) -> Result<Vec<Vec<Piece>>, PatternError> {
        let mut alts = vec![self.seq()?];
        while self.peek() == Some('|') {
            self.pos += 1;
            alts.push(self.seq()?);
        }
        Ok(alts)
    }

    fn seq(&mut self) -> Result<Vec<Piece>, PatternError> {
        let mut seq = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            let (min, max) = self.quantifier()?;
            seq.push(Piece { atom, min, max });
        }
        Ok(seq)
    }

    fn atom(&mut self) -> Result<Atom, PatternError> {
        let c = self.peek().ok_or_else(|| self.err("unexpected end"))?;
        self.pos += 1;
        Ok(match c {
            '.' => Atom::Any,
            '^' => Atom::Start,
            '$' => Atom::End,
            '(' => {
                if self.peek() == Some('?') {
                    if self.chars.get(self.pos + 1) == Some(&':') {
                        self.pos += 2;
                    } else {
                        return Err(self.err("group flags and named groups are not supported"));
                    }
                }
                let alts = self.alts()?;
                if self.peek() != Some(')') {
                    return Err(self.err("missing )"));
                }
                self.pos += 1;
                Atom::Group(alts)
            }
            '[' => self.class()?,
            '\\' => self.escape()?,
            '*' | '+' | '?' | '{' => return Err(self.err(format!("nothing to repeat before {c:?}"))),
            ')' => return Err(self.err("unmatched )")),
            c => Atom::Char(c),
        })
    }

    fn escape(&mut self) -> Result<Atom, PatternError> {
        let c = self.peek().ok_or_else(|| self.err("trailing backslash"))?;
        self.pos += 1;
        let class = |r: &[(char, char)], negated| Atom::Class { ranges: r.to_vec(), negated };
        Ok(match c {
            'd' => class(DIGIT, false),
            'D' => class(DIGIT, true),
            'w' => class(WORD, false),
            'W' => class(WORD, true),
            's' => class(SPACE, false),
            'S' => class(SPACE, true),
            'n' => Atom::Char('\n'),
            't' => Atom::Char('\t'),
            c if c.is_ascii_alphanumeric() => return Err(self.err(format!("escape \\{c} is not supported"))),
            c => Atom::Char(c),
        })
    }

    fn class(&mut self) -> Result<Atom, PatternError> {
        let mut negated = false;
        if self.peek() == Some('^') {
            negated = true;
            self.pos += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self.peek().ok_or_else(|| self.err("missing ]"))?;
            self.pos += 1;
            if c == ']' && !first {
                break;
            }
            first = false;
            let lo = if c == '\\' {
                let e = self.peek().ok_or_else(|| self.err("trailing backslash"))?;
                self.pos += 1;
                match e {
                    'd' => {
                        ranges.extend_from_slice(DIGIT);
                        continue;
                    }
                    'w' => {
                        ranges.extend_from_slice(WORD);
                        continue;
                    }
                    's' => {
                        ranges.extend_from_slice(SPACE);
                        continue;
                    }
                    e if e.is_ascii_alphanumeric() => {
                        return Err(self.err(format!("escape \\{e} in a class is not supported")));
                    }
                    e => e,
                }
            } else {
                c
            };
            if self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|&n| n != ']') {
                let hi = self.chars[self.pos + 1];
                self.pos += 2;
                if hi < lo {
                    return Err(self.err("invalid class range"));
                }
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        Ok(Atom::Class { ranges, negated })
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect::<String>().parse().ok()
    }

    fn quantifier(&mut self) -> Result<(u32, Option<u32>), PatternError> {
        let q = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                self.pos += 1;
                let min = self.number().ok_or_else(|| self.err("bad {n,m}"))?;
                let max = if self.peek() == Some(',') {
                    self.pos += 1;
                    if self.peek() == Some('}') {
                        None
                    } else {
                        Some(self.number().ok_or_else(|| self.err("bad {n,m}"))?)
                    }
                } else {
                    Some(min)
                };
                if self.peek() != Some('}') || max.is_some_and(|m| m < min) {
                    return Err(self.err("bad {n,m}"));
                }
                self.pos += 1;
                if self.peek() == Some('?') {
                    self.pos += 1;
                }
                return Ok((min, max));
            }
            _ => return Ok((1, Some(1))),
        };
        self.pos += 1;
        if self.peek() == Some('?') {
            self.pos += 1; // lazy: same match/no-match answer
        }
        Ok(q)
    }
}

type Cont<'a> = &'a dyn Fn(usize) -> bool;

fn match_alts(alts: &[Vec<Piece>], t: &[char], pos: usize, k: Cont) -> bool {
    alts.iter().any(|seq| match_seq(seq, t, pos, k))
}

fn match_seq(seq: &[Piece], t: &[char], pos: usize, k: Cont) -> bool {
    match seq.split_first() {
        None => k(pos),
        Some((p, rest)) => match_rep(p, 0, rest, t, pos, k),
    }
}

fn match_rep(p: &Piece, count: u32, rest: &[Piece], t: &[char], pos: usize, k: Cont) -> bool {
    if p.max.is_none_or(|m| count < m) {
        let more = |np: usize| {
            // An empty iteration past the minimum cannot make progress.
            if np == pos && count >= p.min {
                return false;
            }
            match_rep(p, count + 1, rest, t, np, k)
        };
        if match_atom(&p.atom, t, pos, &more) {
            return true;
        }
    }
    count >= p.min && match_seq(rest, t, pos, k)
}

fn match_atom(a: &Atom, t: &[char], pos: usize, k: Cont) -> bool {
    match a {
        Atom::Char(c) => t.get(pos) == Some(c) && k(pos + 1),
        Atom::Any => t.get(pos).is_some_and(|&c| c != '\n') && k(pos + 1),
        Atom::Class { ranges, negated } => {
            t.get(pos).is_some_and(|&c| ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated) && k(pos + 1)
        }
        Atom::Group(alts) => match_alts(alts, t, pos, k),
        Atom::Start => pos == 0 && k(pos),
        Atom::End => pos == t.len() && k(pos),
    }
}

impl Pattern {
    /// Compiles `source`, rejecting syntax outside the supported subset.
    pub fn new(source: &str) -> Result<Pattern, PatternError> {
        let mut p = Parser { chars: source.chars().collect(), pos: 0, source };
        let alts = p.alts()?;
        if p.pos != p.chars.len() {
            return Err(p.err("unmatched )"));
        }
        Ok(Pattern { source: source.to_owned(), alts })
    }

    /// True if the pattern matches anywhere in `text` (unanchored search).
    pub fn is_match(&self, text: &str) -> bool {
        let t: Vec<char> = text.chars().collect();
        (0..=t.len()).any(|start| match_alts(&self.alts, &t, start, &|_| true))
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        Pattern::new(p).unwrap().is_match(t)
    }

    #[test]
    fn subset() {
        assert!(m(".*t2\\.micro.*", "my-asg.t2.micro"));
        assert!(!m(".*t\\.micro.*", "my-asg.t2.micro"));
        assert!(m(".t2\\.large.*", "my-asg.t2.large"));
        assert!(!m("^t2", "my-asg.t2.large"));
        assert!(m("^my-(asg|pool)\\.t[23]\\.large$", "my-asg.t3.large"));
        assert!(!m("^my-(asg|pool)\\.t[23]\\.large$", "my-asg.t3.large2"));
        assert!(m("a{2,3}b", "xaab"));
        assert!(!m("^a{2,3}b", "ab"));
        assert!(m("spot-\\d+$", "aks-spot-12"));
        assert!(m("[^x]y", "ay"));
        assert!(m("(a*)*b", "aaab"));
        assert!(m("", "anything"));
    }

    #[test]
    fn rejects_unsupported() {
        assert!(Pattern::new("(?i)abc").is_err());
        assert!(Pattern::new("\\bword").is_err());
        assert!(Pattern::new("*a").is_err());
        assert!(Pattern::new("(a").is_err());
        assert!(Pattern::new("a)").is_err());
    }
}
