//! Any bytes as a manifests file (Deployments, HPAs, ScaledObjects) for a valid scenario: an
//! error or a run, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

const SCENARIO: &str = "kind: Scenario\nname: f\nstart: 2026-07-04T00:00:00Z\nduration: 10m\nmanifests: [m.yaml]\ntraces: {t: {file: trace.csv}}\nslo: {latency: 300ms, target: 0.99}\ncluster: {nodes: [{pool: p, count: 2, allocatable: {cpu: 4, memory: 16Gi, pods: 110}}]}\nworkloads:\n  web:\n    traffic: {trace: t}\n    service: {concurrency: 4, service_time: 50ms, cpu_per_request: 2ms, timeout: 10s}\n";

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("trace.csv"), "time,rps\n2026-07-04T00:00:00Z,10\n2026-07-04T00:10:00Z,20\n").unwrap();
    std::fs::write(dir.path().join("m.yaml"), data).unwrap();
    let path = dir.path().join("scenario.yaml");
    std::fs::write(&path, SCENARIO).unwrap();
    if let Ok(s) = capsim::model::load_scenario(&path) {
        let _ = capsim::sim::run(&s, None);
    }
});
