//! The resume journal: an append-only file of finished cells, one line each, flushed to disk
//! (fsync) as each cell completes. A re-run with the same output folder reads it and skips the
//! cells it holds.
//!
//! Format: a header line `capsim-sweep-journal v1 plan=<digest> columns=<hash of the header>`, then
//! one line per cell: `<cell id>\t<FNV-1a 64 of the row, hex>\t<row>`. A journal of another
//! plan is refused. A torn last line (the process died mid-write: no newline, or a checksum
//! that does not match) is cut off; a bad line anywhere else is an error.

use std::collections::BTreeMap;
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::grid::Fnv1a;
use crate::error::{Error, Result};

pub struct Journal {
    path: PathBuf,
    file: Mutex<std::fs::File>,
}

/// The header line for a plan digest and CSV header.
pub fn header_line(digest: u64, csv_header: &str) -> String {
    format!("capsim-sweep-journal v1 plan={digest:016x} columns={:016x}\n", Fnv1a::hash(csv_header.as_bytes()))
}

/// One cell's journal line.
pub fn entry_line(cell_id: &str, row: &str) -> String {
    format!("{cell_id}\t{:016x}\t{row}\n", Fnv1a::hash(row.as_bytes()))
}

impl Journal {
    /// Opens (or creates) the journal at `path`; returns it with the rows it already holds, by
    /// cell id. `known` says whether a cell id belongs to the plan.
    pub fn open(
        path: &Path,
        digest: u64,
        csv_header: &str,
        known: impl Fn(&str) -> bool,
    ) -> Result<(Journal, BTreeMap<String, String>)> {
        let header = header_line(digest, csv_header);
        let io = |e: std::io::Error| Error::io(path, &e);
        let mut rows = BTreeMap::new();
        let mut file = std::fs::OpenOptions::new().read(true).append(true).create(true).open(path).map_err(io)?;
        let bytes = std::fs::read(path).map_err(io)?;
        if bytes.is_empty() || !bytes.contains(&b'\n') {
            // New, or died while writing the header.
            file.set_len(0).map_err(io)?;
            file.write_all(header.as_bytes()).map_err(io)?;
            file.sync_data().map_err(io)?;
            return Ok((Journal { path: path.to_path_buf(), file: Mutex::new(file) }, rows));
        }
        let text = String::from_utf8_lossy(&bytes);
        let first_end = text.find('\n').expect("checked") + 1;
        if text[..first_end] != header {
            return Err(Error::new(format!(
                "this output folder holds a journal of a different sweep or capsim version ({})",
                text[..first_end].trim_end()
            ))
            .in_file(path)
            .fix("use another --out folder, or delete this one to start the sweep over"));
        }
        let mut good_end = first_end;
        let mut offset = first_end;
        let lines: Vec<&str> = text[first_end..].split_inclusive('\n').collect();
        for (i, line) in lines.iter().enumerate() {
            let last = i + 1 == lines.len();
            let line_no = i + 2;
            match parse_entry(line) {
                Some((id, row)) if known(id) => {
                    if let Some(prev) = rows.get(id)
                        && prev != row
                    {
                        return Err(Error::new(format!("cell {id} appears twice with different results"))
                            .in_file(path)
                            .at_line(line_no as u64, None)
                            .fix("delete the output folder and run the sweep again"));
                    }
                    rows.insert(id.to_string(), row.to_string());
                    offset += line.len();
                    good_end = offset;
                }
                Some((id, _)) => {
                    return Err(Error::new(format!("cell {id} is not part of this sweep"))
                        .in_file(path)
                        .at_line(line_no as u64, None)
                        .fix("delete the output folder and run the sweep again"));
                }
                None if last => {} // torn write: cut below
                None => {
                    return Err(Error::new("a damaged line in the middle of the journal")
                        .in_file(path)
                        .at_line(line_no as u64, None)
                        .fix("delete the line (its cell will run again), or delete the output folder"));
                }
            }
        }
        if good_end < bytes.len() {
            file.set_len(good_end as u64).map_err(io)?;
            file.sync_data().map_err(io)?;
        }
        file.seek(std::io::SeekFrom::End(0)).map_err(io)?;
        Ok((Journal { path: path.to_path_buf(), file: Mutex::new(file) }, rows))
    }

    /// Appends a finished cell and flushes it to disk.
    pub fn append(&self, cell_id: &str, row: &str) -> Result<()> {
        let line = entry_line(cell_id, row);
        let mut f = self.file.lock().unwrap_or_else(|p| p.into_inner());
        f.write_all(line.as_bytes()).and_then(|()| f.sync_data()).map_err(|e| Error::io(&self.path, &e))
    }
}

/// `(cell id, row)` of a complete, intact line.
fn parse_entry(line: &str) -> Option<(&str, &str)> {
    let line = line.strip_suffix('\n')?;
    let mut parts = line.splitn(3, '\t');
    let (id, sum, row) = (parts.next()?, parts.next()?, parts.next()?);
    (u64::from_str_radix(sum, 16).ok()? == Fnv1a::hash(row.as_bytes())).then_some((id, row))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_good_lines_cuts_a_torn_tail_and_refuses_other_plans() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("journal.log");
        let known = |id: &str| id.starts_with('c');
        {
            let (j, rows) = Journal::open(&p, 7, "cell,x", known).unwrap();
            assert!(rows.is_empty());
            j.append("c0", "c0,1").unwrap();
            j.append("c1", "c1,2").unwrap();
        }
        // A torn write after the two good lines.
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"c2\t00000000000").unwrap();
        drop(f);
        let (j, rows) = Journal::open(&p, 7, "cell,x", known).unwrap();
        assert_eq!(rows.into_iter().collect::<Vec<_>>(), [("c0".into(), "c0,1".into()), ("c1".into(), "c1,2".into())]);
        j.append("c2", "c2,3").unwrap();
        drop(j);
        let (_, rows) = Journal::open(&p, 7, "cell,x", known).unwrap();
        assert_eq!(rows.len(), 3);
        // A changed checksum in the middle is an error, naming the line.
        let text = std::fs::read_to_string(&p).unwrap().replace("c1,2", "c1,9");
        std::fs::write(&p, &text).unwrap();
        let e = Journal::open(&p, 7, "cell,x", known).err().unwrap();
        assert!(e.problem.contains("damaged"), "{e}");
        assert_eq!(e.place, Some(crate::error::Place::Line { line: 3, column: None }));
        // Another plan, or other columns.
        assert!(Journal::open(&p, 8, "cell,x", known).err().unwrap().problem.contains("different sweep"));
        assert!(Journal::open(&p, 7, "cell,y", known).err().unwrap().problem.contains("different sweep"));
    }

    #[test]
    fn unknown_cells_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("journal.log");
        std::fs::write(&p, format!("{}{}", header_line(1, "h"), entry_line("x9", "x9,1"))).unwrap();
        let e = Journal::open(&p, 1, "h", |id| id.starts_with('c')).err().unwrap();
        assert!(e.problem.contains("x9 is not part of this sweep"));
    }
}
