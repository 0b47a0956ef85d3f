//! YAML loading behind one door (`serde-saphyr`), with errors that carry file and line.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_saphyr::Spanned;

use crate::error::{Error, Result};

/// One YAML document of a multi-document file, with the line it starts on.
pub struct Document<'a> {
    pub text: &'a str,
    /// 0-based line offset of the document's first line in the file.
    pub line_offset: u64,
}

/// Splits a multi-document YAML stream at `---` marker lines. Empty documents are dropped.
pub fn split_documents(text: &str) -> Vec<Document<'_>> {
    let mut docs = Vec::new();
    let mut start_byte = 0;
    let mut start_line = 0u64;
    let mut offset = 0;
    for (line_no, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed.starts_with("--- ") || trimmed == "..." {
            docs.push(Document { text: &text[start_byte..offset], line_offset: start_line });
            start_byte = offset + line.len();
            start_line = line_no as u64 + 1;
        }
        offset += line.len();
    }
    docs.push(Document { text: &text[start_byte..], line_offset: start_line });
    docs.retain(|d| d.text.lines().any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#')));
    docs
}

/// Deserializes one document, turning a parse error into an [`Error`] with file and line.
pub fn from_document<T: DeserializeOwned>(path: &Path, doc: &Document<'_>) -> Result<T> {
    serde_saphyr::from_str(doc.text).map_err(|e| yaml_error(path, &e, doc.line_offset))
}

pub fn yaml_error(path: &Path, err: &serde_saphyr::Error, line_offset: u64) -> Error {
    let message = err.without_snippet().to_string();
    // The library prefixes its own "line N column M:"; we print the place ourselves.
    let mut message = strip_location_prefix(&message);
    if let Some(i) = message.rfind(" at line ") {
        message = &message[..i];
    }
    let fix = if message.starts_with("unknown field") {
        "remove the field or correct its spelling (the fields allowed here are listed)"
    } else if message.starts_with("missing field") {
        "add the field"
    } else {
        "fix the YAML at this place (indentation with spaces, `key: value` pairs, quotes around strings with special characters)"
    };
    let e = Error::new(message.to_string()).in_file(path).fix(fix);
    match err.location() {
        Some(loc) => e.at_line(loc.line() + line_offset, Some(loc.column())),
        None => e,
    }
}

fn strip_location_prefix(message: &str) -> &str {
    let m = message.trim();
    if let Some(rest) = m.strip_prefix("error: ") {
        return strip_location_prefix(rest);
    }
    if m.starts_with("line ")
        && let Some(i) = m.find(": ")
    {
        return &m[i + 2..];
    }
    m
}

/// Reads a file to a string with an I/O error naming it.
pub fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, &e))
}

/// Attaches a spanned value's line to an error (the field path is added by the caller).
pub fn at_span<T>(err: Error, path: &Path, span: &Spanned<T>, line_offset: u64) -> Error {
    err.in_file(path).at_line(span.referenced.line() + line_offset, Some(span.referenced.column()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_documents_and_tracks_lines() {
        let text = "a: 1\n---\n# comment only\n---\nb: 2\nc: 3\n";
        let docs = split_documents(text);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].line_offset, 4);
        assert!(docs[1].text.starts_with("b: 2"));
    }
}
