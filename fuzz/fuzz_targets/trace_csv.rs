//! Any bytes as a time/value CSV and as a per-request CSV: an error or a valid trace, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, data).unwrap();
    let opts = capsim::trace::CsvOptions { utc_offset: Some("+00:00".into()), ..Default::default() };
    if let Ok(t) = capsim::trace::read_csv(&path, &opts) {
        let _ = capsim::trace::inspect(&t);
    }
    let req = capsim::trace::RequestsOptions { time_column: None, utc_offset: Some("+00:00".into()), bin_ms: 1_000 };
    let _ = capsim::trace::read_requests_csv(&path, &req);
});
