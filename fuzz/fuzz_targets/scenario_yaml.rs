//! Any bytes as a scenario file (beside a valid trace and Deployment): an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("trace.csv"), "time,rps\n2026-07-04T00:00:00Z,10\n2026-07-04T00:01:00Z,20\n").unwrap();
    std::fs::write(
        dir.path().join("deploy.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers: [{name: web, resources: {requests: {cpu: 100m}}}]\n",
    )
    .unwrap();
    let path = dir.path().join("scenario.yaml");
    std::fs::write(&path, data).unwrap();
    if let Ok(s) = capsim::model::load_scenario(&path)
        && s.duration_ms <= 3_600_000
    {
        let _ = capsim::sim::run(&s, None);
    }
});
