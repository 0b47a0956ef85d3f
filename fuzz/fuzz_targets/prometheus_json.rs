//! Any bytes as a Prometheus query_range export: an error or a valid trace, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.json");
    std::fs::write(&path, data).unwrap();
    let _ = capsim::trace::read_prometheus(&path, &Default::default());
});
