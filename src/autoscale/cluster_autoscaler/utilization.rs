//! Node utilization as scale-down sees it (`simulator/utilization/info.go`):
//! per resource `Σ pod requests / allocatable`, utilization = the larger of CPU and memory.
//!
//! DaemonSet pods (with `ignore_daemonsets`) and mirror pods (with `ignore_mirror`) are
//! removed from both the numerator and the allocatable; pods terminating for longer than their
//! grace period + 30 s are ignored. GPU and DRA utilization are not modelled.

use crate::engine::Millis;

use super::types::{Node, PodKind};

/// Which resource dominates the utilization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Cpu,
    Memory,
}

/// Utilization of one node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UtilizationInfo {
    pub cpu: f64,
    pub memory: f64,
    /// max(cpu, memory); memory wins exact ties, as upstream.
    pub utilization: f64,
    pub resource: Resource,
}

/// Why utilization cannot be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UtilizationError {
    #[error("{0:?} allocatable is 0")]
    ZeroAllocatable(Resource),
}

/// Computes the utilization of `node` at `now`.
pub fn calculate(
    node: &Node,
    ignore_daemonsets: bool,
    ignore_mirror: bool,
    now: Millis,
) -> Result<UtilizationInfo, UtilizationError> {
    let cpu = resource_util(node, Resource::Cpu, ignore_daemonsets, ignore_mirror, now)?;
    let memory = resource_util(node, Resource::Memory, ignore_daemonsets, ignore_mirror, now)?;
    let (utilization, resource) = if cpu > memory { (cpu, Resource::Cpu) } else { (memory, Resource::Memory) };
    Ok(UtilizationInfo { cpu, memory, utilization, resource })
}

fn resource_util(
    node: &Node,
    r: Resource,
    ignore_daemonsets: bool,
    ignore_mirror: bool,
    now: Millis,
) -> Result<f64, UtilizationError> {
    let alloc = match r {
        Resource::Cpu => node.allocatable.milli_cpu,
        Resource::Memory => node.allocatable.memory,
    };
    if alloc == 0 {
        return Err(UtilizationError::ZeroAllocatable(r));
    }
    let mut requested: u64 = 0;
    let mut excluded: u64 = 0;
    for p in &node.pods {
        let v = match r {
            Resource::Cpu => p.requests.milli_cpu,
            Resource::Memory => p.requests.memory,
        };
        if (ignore_daemonsets && p.kind == PodKind::DaemonSet) || (ignore_mirror && p.kind == PodKind::Mirror) {
            excluded += v;
            continue;
        }
        if p.is_long_terminating(now) {
            continue;
        }
        requested += v;
    }
    Ok(requested as f64 / (alloc as f64 - excluded as f64))
}
