//! Autoscaler options with upstream flag defaults (`config/autoscaling_options.go`, `main.go`
//! flags, FAQ) and the AKS cluster-autoscaler profile defaults.

use crate::engine::{MINUTE, Millis, SECOND};

/// Expanders CA can chain (`--expander=priority,least-waste`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpanderKind {
    Random,
    MostPods,
    LeastWaste,
    LeastNodes,
    Price,
    Priority,
}

impl ExpanderKind {
    /// Parses one upstream expander name.
    pub fn parse(name: &str) -> Option<ExpanderKind> {
        Some(match name.trim() {
            "random" => ExpanderKind::Random,
            "most-pods" => ExpanderKind::MostPods,
            "least-waste" => ExpanderKind::LeastWaste,
            "least-nodes" => ExpanderKind::LeastNodes,
            "price" => ExpanderKind::Price,
            "priority" => ExpanderKind::Priority,
            _ => return None,
        })
    }

    /// Parses a comma-separated `--expander` value; `None` if any name is unknown.
    pub fn parse_list(value: &str) -> Option<Vec<ExpanderKind>> {
        value.split(',').map(ExpanderKind::parse).collect()
    }
}

/// The options the decision functions read. Durations in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoscalerConfig {
    /// `--scan-interval`: how often the loop runs.
    pub scan_interval: Millis,
    /// `--expander` chain; ties left at the end are broken at random.
    pub expanders: Vec<ExpanderKind>,
    pub scale_down_enabled: bool,
    /// `--scale-down-utilization-threshold`: a node is a candidate only if utilization < this.
    pub scale_down_utilization_threshold: f64,
    /// `--scale-down-unneeded-time`.
    pub scale_down_unneeded_time: Millis,
    /// `--scale-down-unready-time`.
    pub scale_down_unready_time: Millis,
    /// `--scale-down-delay-after-add`.
    pub scale_down_delay_after_add: Millis,
    /// `--scale-down-delay-after-delete`.
    pub scale_down_delay_after_delete: Millis,
    /// `--scale-down-delay-after-failure`.
    pub scale_down_delay_after_failure: Millis,
    /// `--max-node-provision-time`: unregistered nodes after this count as a failed scale-up.
    pub max_node_provision_time: Millis,
    /// `--max-empty-bulk-delete`.
    pub max_empty_bulk_delete: u32,
    /// `--max-scale-down-parallelism`.
    pub max_scale_down_parallelism: u32,
    /// `--max-drain-parallelism`.
    pub max_drain_parallelism: u32,
    /// `--new-pod-scale-up-delay`: younger pods are ignored by scale-up.
    pub new_pod_scale_up_delay: Millis,
    /// `--expendable-pods-priority-cutoff`: lower-priority pods never trigger scale-up.
    pub expendable_pods_priority_cutoff: i32,
    /// `--max-nodes-total` (0 = unlimited).
    pub max_nodes_total: u32,
    /// `--max-nodes-per-scaleup` (estimator limit).
    pub max_nodes_per_scale_up: u32,
    /// `--initial-node-group-backoff-duration`.
    pub initial_node_group_backoff: Millis,
    /// `--max-node-group-backoff-duration`.
    pub max_node_group_backoff: Millis,
    /// `--node-group-backoff-reset-timeout`.
    pub node_group_backoff_reset_timeout: Millis,
    /// `--ignore-daemonsets-utilization`.
    pub ignore_daemonsets_utilization: bool,
    /// `--ignore-mirror-pods-utilization`.
    pub ignore_mirror_pods_utilization: bool,
    /// `--skip-nodes-with-local-storage`, `--skip-nodes-with-system-pods`: informational here;
    /// callers encode the effect through [`super::types::Pod::blocks_scale_down`].
    pub skip_nodes_with_local_storage: bool,
    pub skip_nodes_with_system_pods: bool,
}

impl Default for AutoscalerConfig {
    /// Upstream defaults. The expander default is `least-waste` in current releases (it was
    /// `random` before); see CONTROLLERS.md §4.
    fn default() -> Self {
        AutoscalerConfig {
            scan_interval: 10 * SECOND,
            expanders: vec![ExpanderKind::LeastWaste],
            scale_down_enabled: true,
            scale_down_utilization_threshold: 0.5,
            scale_down_unneeded_time: 10 * MINUTE,
            scale_down_unready_time: 20 * MINUTE,
            scale_down_delay_after_add: 10 * MINUTE,
            scale_down_delay_after_delete: 0,
            scale_down_delay_after_failure: 3 * MINUTE,
            max_node_provision_time: 15 * MINUTE,
            max_empty_bulk_delete: 10,
            max_scale_down_parallelism: 10,
            max_drain_parallelism: 1,
            new_pod_scale_up_delay: 0,
            expendable_pods_priority_cutoff: -10,
            max_nodes_total: 0,
            max_nodes_per_scale_up: 1000,
            initial_node_group_backoff: 5 * MINUTE,
            max_node_group_backoff: 30 * MINUTE,
            node_group_backoff_reset_timeout: 3 * 60 * MINUTE,
            ignore_daemonsets_utilization: false,
            ignore_mirror_pods_utilization: false,
            skip_nodes_with_local_storage: true,
            skip_nodes_with_system_pods: true,
        }
    }
}

impl AutoscalerConfig {
    /// AKS managed cluster-autoscaler profile defaults (`autoScalerProfile` of a managed
    /// cluster as returned by the AKS API): expander `random` (the API documents "if not
    /// specified, the default is 'random'"), delay-after-delete = scan interval (10 s), and
    /// `skip-nodes-with-local-storage` / `skip-nodes-with-system-pods` both `false`.
    pub fn aks() -> Self {
        AutoscalerConfig {
            expanders: vec![ExpanderKind::Random],
            scale_down_delay_after_delete: 10 * SECOND,
            skip_nodes_with_local_storage: false,
            skip_nodes_with_system_pods: false,
            ..AutoscalerConfig::default()
        }
    }
}
