//! Shared plumbing of the resource-based scorers (upstream `resource_allocation.go`): which
//! requested/allocatable pair each configured resource contributes.

use super::super::types::{CPU, MEMORY, NodeInfo, PodInfo};
use super::ResourceSpec;

fn is_scalar(name: &str) -> bool {
    name != CPU && name != MEMORY
}

/// The incoming pod's request per configured resource. `use_requested = false` (the Fit
/// strategies) applies the 100m / 200 MiB defaults to containers without CPU/memory requests;
/// BalancedAllocation uses the plain requests.
pub fn pod_requests(pod: &PodInfo, resources: &[ResourceSpec], use_requested: bool) -> Vec<i64> {
    let r = if use_requested { pod.requests() } else { pod.non_zero_requests() };
    resources.iter().map(|s| r.get(&s.name)).collect()
}

/// Upstream `calculateResourceAllocatableRequest`: `(allocatable, node requested + pod request)`.
/// An extended resource the pod does not request, or the node does not have, yields `(0, 0)`,
/// which the scorers read as "skip this resource".
pub fn allocatable_and_requested(node: &NodeInfo, name: &str, pod_request: i64, use_requested: bool) -> (i64, i64) {
    if pod_request == 0 && is_scalar(name) {
        return (0, 0);
    }
    let requested = if use_requested { node.requested() } else { node.non_zero_requested() };
    match name {
        CPU => (node.allocatable.milli_cpu, requested.milli_cpu + pod_request),
        MEMORY => (node.allocatable.memory, requested.memory + pod_request),
        _ => match node.allocatable.extended.get(name) {
            Some(a) => (*a, node.requested().get(name) + pod_request),
            None => (0, 0),
        },
    }
}

/// Requested and allocatable vectors (same order as `resources`); entries with zero allocatable
/// stay `(0, 0)`.
pub fn vectors(
    node: &NodeInfo,
    resources: &[ResourceSpec],
    pod_requests: &[i64],
    use_requested: bool,
) -> (Vec<i64>, Vec<i64>) {
    let mut req = vec![0; resources.len()];
    let mut alloc = vec![0; resources.len()];
    for (i, spec) in resources.iter().enumerate() {
        let (a, r) = allocatable_and_requested(node, &spec.name, pod_requests[i], use_requested);
        if a == 0 {
            continue;
        }
        alloc[i] = a;
        req[i] = r;
    }
    (req, alloc)
}
