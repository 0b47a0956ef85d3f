//! One error type for every input problem: it names the file, the place in it, what is wrong
//! and what to do about it.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in a file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// 1-based line, and column when known.
    Line { line: u64, column: Option<u64> },
    /// A field path such as `workloads.web.service.timeout`.
    Field(String),
    /// Line and the field path.
    LineField { line: u64, field: String },
}

/// An input error: file, place, problem, fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub file: Option<PathBuf>,
    pub place: Option<Place>,
    pub problem: String,
    pub fix: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(problem: impl Into<String>) -> Self {
        Error { file: None, place: None, problem: problem.into(), fix: None }
    }

    pub fn in_file(mut self, file: &Path) -> Self {
        if self.file.is_none() {
            self.file = Some(file.to_path_buf());
        }
        self
    }

    pub fn at_line(mut self, line: u64, column: Option<u64>) -> Self {
        self.place = Some(Place::Line { line, column });
        self
    }

    /// Names the field; prefixes a field path already set (so nested validators can add
    /// their parent's path on the way out).
    pub fn at_field(mut self, field: impl Into<String>) -> Self {
        let field = field.into();
        self.place = Some(match self.place.take() {
            None => Place::Field(field),
            Some(Place::Field(inner)) => Place::Field(join_path(&field, &inner)),
            Some(Place::LineField { line, field: inner }) => {
                Place::LineField { line, field: join_path(&field, &inner) }
            }
            Some(Place::Line { line, .. }) => Place::LineField { line, field },
        });
        self
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// An I/O failure on `path`, with the usual fixes.
    pub fn io(path: &Path, err: &std::io::Error) -> Self {
        let fix = match err.kind() {
            std::io::ErrorKind::NotFound => "check the path; relative paths resolve against the scenario file's folder",
            std::io::ErrorKind::PermissionDenied => "check the file's permissions",
            _ => "check that the path is readable",
        };
        Error::new(format!("cannot read: {err}")).in_file(path).fix(fix)
    }
}

fn join_path(parent: &str, child: &str) -> String {
    if child.starts_with('[') { format!("{parent}{child}") } else { format!("{parent}.{child}") }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            match &self.place {
                Some(Place::Line { line, column: Some(c) }) => write!(f, ":{line}:{c}")?,
                Some(Place::Line { line, column: None }) => write!(f, ":{line}")?,
                Some(Place::LineField { line, field }) => write!(f, ":{line}: field `{field}`")?,
                Some(Place::Field(field)) => write!(f, ": field `{field}`")?,
                None => {}
            }
            write!(f, ": ")?;
        } else if let Some(place) = &self.place {
            match place {
                Place::Field(field) | Place::LineField { field, .. } => write!(f, "field `{field}`: ")?,
                Place::Line { line, .. } => write!(f, "line {line}: ")?,
            }
        }
        write!(f, "{}", self.problem)?;
        if let Some(fix) = &self.fix {
            write!(f, "\n  fix: {fix}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_file_line_column_problem_fix() {
        let e =
            Error::new("not a number: \"abc\"").in_file(Path::new("t.csv")).at_line(3, Some(2)).fix("write a number");
        assert_eq!(e.to_string(), "t.csv:3:2: not a number: \"abc\"\n  fix: write a number");
    }

    #[test]
    fn field_paths_nest_outwards() {
        let e = Error::new("bad").at_field("timeout").at_field("service").at_field("workloads.web");
        assert_eq!(e.place, Some(Place::Field("workloads.web.service.timeout".into())));
        let e = Error::new("bad").at_field("[2]").at_field("containers");
        assert_eq!(e.place, Some(Place::Field("containers[2]".into())));
    }
}
