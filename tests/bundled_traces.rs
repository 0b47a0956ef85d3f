//! The bundled real traces load and say what their SOURCES.md says they hold.

use std::path::Path;

use capsim::trace::{CsvOptions, RequestsOptions, ValueKind, inspect, read_csv, read_requests_csv};

fn dataset(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/traces").join(rel)
}

#[test]
fn nasa_july_1995_per_minute_counts() {
    let opts = CsvOptions {
        time_column: Some("minute_start_utc_minus4".into()),
        value_column: Some("requests".into()),
        values: ValueKind::Count,
        utc_offset: Some("-04:00".into()),
        gaps: None,
    };
    let t = read_csv(&dataset("nasa-http-1995-07/requests_per_minute.csv"), &opts).unwrap();
    let s = inspect(&t);
    assert_eq!(s.segments, 39_693);
    assert_eq!(s.total_requests.round(), 1_891_714.0);
    assert_eq!(s.start, "1995-07-01T04:00:00Z");
    assert_eq!(s.resolution_seconds, 60.0);
    assert_eq!(s.gaps, 0);
    // Peak minute: 405 requests at 09:49 local on 1995-07-13 (STS-70 launch day).
    assert_eq!(s.max_rps, 405.0 / 60.0);
    let peak = t.segments().max_by(|a, b| a.2.total_cmp(&b.2)).unwrap().0;
    assert_eq!(capsim::report::rfc3339(peak), "1995-07-13T13:49:00Z");
}

#[test]
fn azure_llm_conversation_requests() {
    let opts =
        RequestsOptions { time_column: Some("TIMESTAMP".into()), utc_offset: Some("+00:00".into()), bin_ms: 60_000 };
    let t =
        read_requests_csv(&dataset("azure-llm-inference-2023-conv/AzureLLMInferenceTrace_conv.csv"), &opts).unwrap();
    let s = inspect(&t);
    assert_eq!(s.total_requests.round(), 19_366.0);
    assert_eq!(s.segments, 60);
    // 191–507 requests per minute, as SOURCES.md says (first and last minutes are partial).
    let per_minute: Vec<f64> = t.rates()[1..59].iter().map(|r| (r * 60.0).round()).collect();
    assert!(per_minute.iter().all(|&c| (191.0..=507.0).contains(&c)), "{per_minute:?}");
}
