//! The input schema: capsim Scenario files and the real Kubernetes manifests they import.
//! Parsing and validation happen here; everything downstream receives validated, typed values.

pub mod units;
