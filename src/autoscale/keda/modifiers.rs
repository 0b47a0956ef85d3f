//! `advanced.scalingModifiers.formula`: a small interpreter for the expr-lang subset KEDA
//! documents (arithmetic, comparisons, logic, ternary, `??`, min/max/abs/...).
//!
//! Values are numbers, booleans or nil. A trigger whose scaler failed past the fallback
//! threshold (behavior `scalingModifiers`) is nil, which `a ?? b` replaces.
//! Errors carry the byte offset in the formula so users can find the mistake.

use std::collections::BTreeMap;
use std::fmt;

use super::fallback::HealthStatus;
use super::spec::{FallbackBehavior, ScaledObject};

/// A formula value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Num(f64),
    Bool(bool),
    Nil,
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Num(n) => write!(f, "{n}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Nil => write!(f, "nil"),
        }
    }
}

/// A parse or evaluation error at byte offset `pos` of the formula.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("formula error at position {pos}: {message}")]
pub struct FormulaError {
    pub pos: usize,
    pub message: String,
}

fn err<T>(pos: usize, message: impl Into<String>) -> Result<T, FormulaError> {
    Err(FormulaError { pos, message: message.into() })
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
    Question,
    Colon,
    End,
}

const OPS: &[&str] = &["??", "**", "&&", "||", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "^", "<", ">", "!"];

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, FormulaError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    'outer: while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.' || bytes[i] == b'_') {
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
                i += 1;
                if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
                    i += 1;
                }
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let text: String = src[start..i].chars().filter(|&c| c != '_').collect();
            match text.parse::<f64>() {
                Ok(n) => out.push((Tok::Num(n), start)),
                Err(_) => return err(start, format!("invalid number {:?}", &src[start..i])),
            }
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' || c == b'$' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$') {
                i += 1;
            }
            let word = &src[start..i];
            let tok = match word {
                "and" => Tok::Op("&&"),
                "or" => Tok::Op("||"),
                "not" => Tok::Op("!"),
                _ => Tok::Ident(word.to_string()),
            };
            out.push((tok, start));
            continue;
        }
        match c {
            b'(' => out.push((Tok::LParen, i)),
            b')' => out.push((Tok::RParen, i)),
            b',' => out.push((Tok::Comma, i)),
            b':' => out.push((Tok::Colon, i)),
            _ => {
                for op in OPS {
                    if src[i..].starts_with(op) {
                        out.push((Tok::Op(op), i));
                        i += op.len();
                        continue 'outer;
                    }
                }
                if c == b'?' {
                    out.push((Tok::Question, i));
                } else {
                    return err(i, format!("unexpected character {:?}", src[i..].chars().next().unwrap_or('?')));
                }
            }
        }
        i += 1;
    }
    out.push((Tok::End, src.len()));
    Ok(out)
}

/// Parsed expression tree.
#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Num(f64),
    Bool(bool),
    Nil,
    Var(String, usize),
    Unary(&'static str, Box<Expr>, usize),
    Binary(&'static str, Box<Expr>, Box<Expr>, usize),
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>, usize),
}

/// Binary precedence and right-associativity, following expr-lang's operator table.
fn binary_prec(op: &str) -> Option<(u8, bool)> {
    Some(match op {
        "||" => (10, false),
        "&&" => (15, false),
        "==" | "!=" | "<" | ">" | "<=" | ">=" => (20, false),
        "+" | "-" => (30, false),
        "*" | "/" | "%" => (60, false),
        "**" | "^" => (100, true),
        "??" => (200, false),
        _ => return None,
    })
}

const UNARY_NOT_PREC: u8 = 50;
const UNARY_SIGN_PREC: u8 = 90;

const FUNCTIONS: &[&str] = &["min", "max", "abs", "ceil", "floor", "round", "float", "int"];

struct Parser {
    toks: Vec<(Tok, usize)>,
    i: usize,
}

impl Parser {
    fn peek(&self) -> &(Tok, usize) {
        &self.toks[self.i]
    }

    fn next(&mut self) -> (Tok, usize) {
        let t = self.toks[self.i].clone();
        if self.i + 1 < self.toks.len() {
            self.i += 1;
        }
        t
    }

    fn expect(&mut self, want: Tok, what: &str) -> Result<(), FormulaError> {
        let (t, pos) = self.next();
        if t == want { Ok(()) } else { err(pos, format!("expected {what}, found {}", describe(&t))) }
    }

    fn expression(&mut self) -> Result<Expr, FormulaError> {
        let cond = self.binary(0)?;
        if self.peek().0 == Tok::Question {
            self.next();
            let a = self.expression()?;
            self.expect(Tok::Colon, "':' of the ternary operator")?;
            let b = self.expression()?;
            return Ok(Expr::Ternary(Box::new(cond), Box::new(a), Box::new(b)));
        }
        Ok(cond)
    }

    fn binary(&mut self, min_prec: u8) -> Result<Expr, FormulaError> {
        let mut lhs = self.unary()?;
        while let (Tok::Op(op), pos) = self.peek() {
            let (op, pos) = (*op, *pos);
            let Some((prec, right)) = binary_prec(op) else {
                break;
            };
            if prec < min_prec {
                break;
            }
            self.next();
            let next_min = if right { prec } else { prec + 1 };
            let rhs = self.binary(next_min)?;
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs), pos);
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, FormulaError> {
        if let (Tok::Op(op @ ("!" | "-" | "+")), pos) = self.peek().clone() {
            self.next();
            let prec = if op == "!" { UNARY_NOT_PREC } else { UNARY_SIGN_PREC };
            let operand = self.binary(prec)?;
            return Ok(Expr::Unary(op, Box::new(operand), pos));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, FormulaError> {
        let (tok, pos) = self.next();
        match tok {
            Tok::Num(n) => Ok(Expr::Num(n)),
            Tok::LParen => {
                let e = self.expression()?;
                self.expect(Tok::RParen, "')'")?;
                Ok(e)
            }
            Tok::Ident(name) => match name.as_str() {
                "true" => Ok(Expr::Bool(true)),
                "false" => Ok(Expr::Bool(false)),
                "nil" => Ok(Expr::Nil),
                _ if self.peek().0 == Tok::LParen => {
                    if !FUNCTIONS.contains(&name.as_str()) {
                        return err(pos, format!("unknown function {name:?}"));
                    }
                    self.next();
                    let mut args = Vec::new();
                    if self.peek().0 != Tok::RParen {
                        loop {
                            args.push(self.expression()?);
                            if self.peek().0 == Tok::Comma {
                                self.next();
                            } else {
                                break;
                            }
                        }
                    }
                    self.expect(Tok::RParen, "')' closing the call")?;
                    Ok(Expr::Call(name, args, pos))
                }
                _ => Ok(Expr::Var(name, pos)),
            },
            other => err(pos, format!("unexpected {}", describe(&other))),
        }
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(n) => format!("number {n}"),
        Tok::Ident(s) => format!("identifier {s:?}"),
        Tok::Op(o) => format!("operator {o:?}"),
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::Comma => "','".into(),
        Tok::Question => "'?'".into(),
        Tok::Colon => "':'".into(),
        Tok::End => "end of formula".into(),
    }
}

/// A parsed formula, reusable across polls (upstream caches the compiled program too).
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    source: String,
    root: Expr,
}

impl Formula {
    /// Parse a formula.
    pub fn parse(src: &str) -> Result<Self, FormulaError> {
        let toks = lex(src)?;
        let mut p = Parser { toks, i: 0 };
        let root = p.expression()?;
        let (t, pos) = p.next();
        if t != Tok::End {
            return err(pos, format!("unexpected {} after the expression", describe(&t)));
        }
        Ok(Self { source: src.to_string(), root })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Variable names used, in first-use order (to check they are trigger names).
    pub fn variables(&self) -> Vec<(String, usize)> {
        fn walk(e: &Expr, out: &mut Vec<(String, usize)>) {
            match e {
                Expr::Var(n, p) => {
                    if !out.iter().any(|(m, _)| m == n) {
                        out.push((n.clone(), *p));
                    }
                }
                Expr::Unary(_, a, _) => walk(a, out),
                Expr::Binary(_, a, b, _) => {
                    walk(a, out);
                    walk(b, out);
                }
                Expr::Ternary(a, b, c) => {
                    walk(a, out);
                    walk(b, out);
                    walk(c, out);
                }
                Expr::Call(_, args, _) => args.iter().for_each(|a| walk(a, out)),
                Expr::Num(_) | Expr::Bool(_) | Expr::Nil => {}
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }

    /// Evaluate with trigger values; `None` in the map is nil (a failed trigger).
    /// An unknown variable is an error, as upstream compiles the formula against the trigger names.
    pub fn eval(&self, env: &BTreeMap<String, Option<f64>>) -> Result<Value, FormulaError> {
        eval(&self.root, env)
    }

    /// Evaluate and require a number (upstream casts the result with `float(...)`).
    /// Returns `Ok(None)` when the result is nil (only possible through nil triggers).
    pub fn eval_number(&self, env: &BTreeMap<String, Option<f64>>) -> Result<Option<f64>, FormulaError> {
        match self.eval(env)? {
            Value::Num(n) => Ok(Some(n)),
            Value::Nil => Ok(None),
            Value::Bool(_) => err(0, "formula must return a number, got a boolean"),
        }
    }
}

fn num(v: Value, pos: usize, what: &str) -> Result<f64, FormulaError> {
    match v {
        Value::Num(n) => Ok(n),
        other => err(pos, format!("{what} needs a number, got {other}")),
    }
}

fn truthy(v: Value, pos: usize, what: &str) -> Result<bool, FormulaError> {
    match v {
        Value::Bool(b) => Ok(b),
        other => err(pos, format!("{what} needs a boolean, got {other}")),
    }
}

fn eval(e: &Expr, env: &BTreeMap<String, Option<f64>>) -> Result<Value, FormulaError> {
    Ok(match e {
        Expr::Num(n) => Value::Num(*n),
        Expr::Bool(b) => Value::Bool(*b),
        Expr::Nil => Value::Nil,
        Expr::Var(name, pos) => match env.get(name) {
            Some(Some(v)) => Value::Num(*v),
            Some(None) => Value::Nil,
            None => return err(*pos, format!("unknown name {name:?} (not a trigger name)")),
        },
        Expr::Unary(op, a, pos) => {
            let v = eval(a, env)?;
            match *op {
                "!" => Value::Bool(!truthy(v, *pos, "'!'")?),
                "-" => Value::Num(-num(v, *pos, "unary '-'")?),
                _ => Value::Num(num(v, *pos, "unary '+'")?),
            }
        }
        Expr::Ternary(c, a, b) => {
            let pos = expr_pos(c);
            if truthy(eval(c, env)?, pos, "the ternary condition")? { eval(a, env)? } else { eval(b, env)? }
        }
        Expr::Binary(op, a, b, pos) => {
            let pos = *pos;
            match *op {
                "&&" => {
                    let l = truthy(eval(a, env)?, pos, "'&&'")?;
                    Value::Bool(l && truthy(eval(b, env)?, pos, "'&&'")?)
                }
                "||" => {
                    let l = truthy(eval(a, env)?, pos, "'||'")?;
                    Value::Bool(l || truthy(eval(b, env)?, pos, "'||'")?)
                }
                "??" => match eval(a, env)? {
                    Value::Nil => eval(b, env)?,
                    v => v,
                },
                "==" => Value::Bool(eval(a, env)? == eval(b, env)?),
                "!=" => Value::Bool(eval(a, env)? != eval(b, env)?),
                _ => {
                    let l = num(eval(a, env)?, pos, &format!("'{op}'"))?;
                    let r = num(eval(b, env)?, pos, &format!("'{op}'"))?;
                    match *op {
                        "+" => Value::Num(l + r),
                        "-" => Value::Num(l - r),
                        "*" => Value::Num(l * r),
                        "/" => Value::Num(l / r),
                        "%" => {
                            if r == 0.0 {
                                return err(pos, "integer divide by zero");
                            }
                            Value::Num((l.trunc() % r.trunc()).trunc())
                        }
                        "**" | "^" => Value::Num(l.powf(r)),
                        "<" => Value::Bool(l < r),
                        ">" => Value::Bool(l > r),
                        "<=" => Value::Bool(l <= r),
                        ">=" => Value::Bool(l >= r),
                        _ => return err(pos, format!("unsupported operator {op}")),
                    }
                }
            }
        }
        Expr::Call(name, args, pos) => {
            let pos = *pos;
            let mut vals = Vec::with_capacity(args.len());
            for a in args {
                vals.push(num(eval(a, env)?, pos, &format!("{name}()"))?);
            }
            let one = |vals: &[f64]| -> Result<f64, FormulaError> {
                match vals {
                    [x] => Ok(*x),
                    _ => err(pos, format!("{name}() takes exactly 1 argument, got {}", vals.len())),
                }
            };
            Value::Num(match name.as_str() {
                "min" | "max" => {
                    if vals.is_empty() {
                        return err(pos, format!("{name}() needs at least 1 argument"));
                    }
                    let pick = |a: f64, b: f64| if name == "min" { a.min(b) } else { a.max(b) };
                    vals.iter().copied().reduce(pick).unwrap_or(0.0)
                }
                "abs" => one(&vals)?.abs(),
                "ceil" => one(&vals)?.ceil(),
                "floor" => one(&vals)?.floor(),
                "round" => one(&vals)?.round(),
                "float" => one(&vals)?,
                "int" => one(&vals)?.trunc(),
                _ => return err(pos, format!("unknown function {name:?}")),
            })
        }
    })
}

fn expr_pos(e: &Expr) -> usize {
    match e {
        Expr::Var(_, p) | Expr::Unary(_, _, p) | Expr::Binary(_, _, _, p) | Expr::Call(_, _, p) => *p,
        Expr::Ternary(c, _, _) => expr_pos(c),
        _ => 0,
    }
}

/// Upstream stores the composite metric in milli-units: `int64(value * 1000)`.
pub fn to_milli(value: f64) -> i64 {
    (value * 1000.0) as i64
}

/// The composite metric in milli-units. A nil formula result (possible only when failing
/// triggers are nil under fallback behavior `scalingModifiers`) becomes
/// `fallback.replicas * target`, so the HPA lands on the fallback replica count.
pub fn composite_metric_milli(
    so: &ScaledObject,
    formula: &Formula,
    env: &BTreeMap<String, Option<f64>>,
) -> Result<i64, FormulaError> {
    match formula.eval_number(env)? {
        Some(v) => Ok(to_milli(v)),
        None => {
            let target = so.scaling_modifiers().and_then(|sm| sm.target.trim().parse::<f64>().ok()).unwrap_or(0.0);
            let replicas = so.spec.fallback.as_ref().map_or(0, |f| f.replicas);
            if so.spec.fallback.is_none() {
                return err(0, "formula returned nil and no fallback is configured");
            }
            Ok(to_milli(f64::from(replicas) * target))
        }
    }
}

/// The value a trigger contributes to the formula: nil once its scaler has failed more than
/// `failureThreshold` times under fallback behavior `scalingModifiers`, else the value.
pub fn scaling_modifier_trigger_value(so: &ScaledObject, health: Option<&HealthStatus>, value: f64) -> Option<f64> {
    match (&so.spec.fallback, health) {
        (Some(fb), Some(h))
            if fb.behavior == FallbackBehavior::ScalingModifiers
                && h.failing
                && h.number_of_failures > fb.failure_threshold =>
        {
            None
        }
        _ => Some(value),
    }
}
