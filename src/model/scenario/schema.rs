//! The raw Scenario schema as written in YAML: serde structs with `deny_unknown_fields`. Values
//! stay as written (with their spans) until `super` validates them.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::model::autoscaling::SignalSpec;
use crate::model::distribution::DurationSpec;
use crate::trace::{GapPolicy, ValueKind};

pub(crate) type Text = Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScenarioFile {
    pub(crate) kind: String,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) cloud: Option<String>,
    #[serde(default)]
    pub(crate) region: Option<String>,
    /// Price catalog (a bundled name such as `azure-germanywestcentral`, or a path): instance
    /// sizes for allocatable, and later prices.
    #[serde(default)]
    pub(crate) catalog: Option<String>,
    pub(crate) start: Text,
    pub(crate) duration: Text,
    #[serde(default)]
    pub(crate) seed: u64,
    #[serde(default)]
    pub(crate) output_step: Option<Text>,
    #[serde(default)]
    pub(crate) fidelity: Fidelity,
    #[serde(default)]
    pub(crate) manifests: Vec<String>,
    pub(crate) traces: BTreeMap<String, TraceSpec>,
    pub(crate) workloads: BTreeMap<String, WorkloadSpec>,
    #[serde(default)]
    pub(crate) events: Vec<EventSpec>,
    pub(crate) slo: SloSpec,
    pub(crate) cluster: ClusterSpec,
    #[serde(default)]
    pub(crate) controllers: ControllersSpec,
    /// Reservations and savings plans already bought; billing applies them each hour.
    #[serde(default)]
    pub(crate) commitments: CommitmentsSpec,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct CommitmentsSpec {
    #[serde(default)]
    pub(crate) reservations: Vec<ReservationSpec>,
    #[serde(default)]
    pub(crate) savings_plans: Vec<SavingsPlanSpec>,
}

/// `count` reservations of `instance_type`, or of the smallest size of `flex_group`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReservationSpec {
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) instance_type: Option<String>,
    #[serde(default)]
    pub(crate) flex_group: Option<String>,
    pub(crate) count: u32,
    pub(crate) term: Text,
    #[serde(default)]
    pub(crate) start: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SavingsPlanSpec {
    #[serde(default)]
    pub(crate) name: Option<String>,
    pub(crate) usd_per_hour: f64,
    pub(crate) term: Text,
    #[serde(default)]
    pub(crate) start: Option<Text>,
}

/// kube-controller-manager settings for the HPA.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ControllersSpec {
    #[serde(default)]
    pub(crate) hpa_sync_period: Option<Text>,
    #[serde(default)]
    pub(crate) hpa_tolerance: Option<f64>,
    #[serde(default)]
    pub(crate) hpa_downscale_stabilization: Option<Text>,
    #[serde(default)]
    pub(crate) hpa_cpu_initialization_period: Option<Text>,
    #[serde(default)]
    pub(crate) hpa_initial_readiness_delay: Option<Text>,
}

/// How requests are simulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fidelity {
    /// Closed-form between events (default; years in seconds).
    #[default]
    Fluid,
    /// Every request simulated (validation on short windows).
    Request,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TraceFormat {
    #[default]
    Csv,
    RequestsCsv,
    Prometheus,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Align {
    /// The trace's first sample is placed at the scenario start.
    #[default]
    Start,
    /// Timestamps are used as they are.
    Absolute,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TraceSpec {
    pub(crate) file: String,
    #[serde(default)]
    pub(crate) format: TraceFormat,
    #[serde(default)]
    pub(crate) time_column: Option<String>,
    #[serde(default)]
    pub(crate) value_column: Option<String>,
    #[serde(default)]
    pub(crate) values: ValueKind,
    #[serde(default)]
    pub(crate) utc_offset: Option<String>,
    #[serde(default)]
    pub(crate) gaps: Option<GapPolicy>,
    #[serde(default)]
    pub(crate) bin: Option<Text>,
    #[serde(default)]
    pub(crate) series: Option<usize>,
    #[serde(default)]
    pub(crate) align: Align,
    #[serde(default = "yes")]
    pub(crate) repeat: bool,
}

pub(crate) fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WorkloadSpec {
    #[serde(default)]
    pub(crate) deployment: Option<String>,
    /// This workload's own latency objective (e.g. a queue worker's), instead of `slo.latency`.
    #[serde(default)]
    pub(crate) slo_latency: Option<Text>,
    pub(crate) traffic: TrafficSpec,
    pub(crate) service: ServiceSpec,
    #[serde(default)]
    pub(crate) pods: PodsSpec,
    #[serde(default)]
    pub(crate) metrics: MetricsSpec,
    /// Bindings of trigger / metric names to simulated signals.
    #[serde(default)]
    pub(crate) signals: BTreeMap<String, SignalSpec>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct PodsSpec {
    #[serde(default)]
    pub(crate) startup: Option<DurationSpec>,
    #[serde(default)]
    pub(crate) readiness_delay: Option<Text>,
    #[serde(default)]
    pub(crate) termination_grace: Option<Text>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct MetricsSpec {
    #[serde(default)]
    pub(crate) scrape_interval: Option<Text>,
    #[serde(default)]
    pub(crate) resource_window: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TrafficSpec {
    pub(crate) trace: String,
    #[serde(default = "one")]
    pub(crate) scale: f64,
    #[serde(default)]
    pub(crate) growth_per_year: Option<f64>,
    #[serde(default)]
    pub(crate) noise_cv: Option<f64>,
}

pub(crate) fn one() -> f64 {
    1.0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServiceSpec {
    /// `http` (default): no ready pods means requests fail; `queue`: messages wait.
    #[serde(default)]
    pub(crate) kind: ServiceKind,
    pub(crate) concurrency: u32,
    pub(crate) service_time: Text,
    pub(crate) cpu_per_request: Text,
    #[serde(default)]
    pub(crate) idle_cpu: Option<Text>,
    pub(crate) timeout: Text,
}

#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ServiceKind {
    #[default]
    Http,
    Queue,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub(crate) enum EventSpec {
    Spike(SpikeSpec),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SpikeSpec {
    pub(crate) at: Text,
    pub(crate) factor: f64,
    #[serde(default)]
    pub(crate) ramp: Option<Text>,
    pub(crate) hold: Text,
    #[serde(default)]
    pub(crate) decay: Option<Text>,
    #[serde(default)]
    pub(crate) workloads: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SloSpec {
    pub(crate) latency: Text,
    pub(crate) target: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClusterSpec {
    /// Fixed node groups (with a node autoscaler: nodes it does not manage, e.g. a system pool).
    #[serde(default)]
    pub(crate) nodes: Vec<NodeGroupSpec>,
    /// `none`, `karpenter` (default when the manifests hold NodePools) or `cluster_autoscaler`.
    #[serde(default)]
    pub(crate) autoscaler: Option<NodeAutoscalerKind>,
    #[serde(default)]
    pub(crate) karpenter: Option<KarpenterSpec>,
    /// Node groups the Cluster Autoscaler scales (AKS node pools / VM scale sets).
    #[serde(default)]
    pub(crate) node_pools: Vec<NodePoolSpec>,
    #[serde(default)]
    pub(crate) cluster_autoscaler: Option<ClusterAutoscalerSpec>,
    #[serde(default)]
    pub(crate) spot: Option<SpotSpec>,
    /// How allocatable is derived for node groups that don't state it (default by cloud:
    /// azure → aks, aws → eks).
    #[serde(default)]
    pub(crate) allocatable_model: Option<AllocatableModel>,
    #[serde(default)]
    pub(crate) scheduler: SchedulerSpec,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct SchedulerSpec {
    #[serde(default)]
    pub(crate) scoring: Scoring,
}

/// Which controller adds and removes nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeAutoscalerKind {
    None,
    Karpenter,
    ClusterAutoscaler,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KarpenterSpec {
    /// NodeClaim created → node Ready (default by cloud, see `node_autoscaling`).
    #[serde(default)]
    pub(crate) launch_latency: Option<DurationSpec>,
    /// Pods per node on launched nodes (default 110).
    #[serde(default)]
    pub(crate) max_pods: Option<u32>,
    #[serde(default)]
    pub(crate) spot_to_spot_consolidation: bool,
}

/// An AKS node pool the Cluster Autoscaler scales between `min` and `max`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NodePoolSpec {
    pub(crate) name: String,
    pub(crate) vm_size: String,
    pub(crate) min: u32,
    pub(crate) max: u32,
    /// Nodes at the start of the run (default: `min`).
    #[serde(default)]
    pub(crate) count: Option<u32>,
    /// Spot priority scale set: AKS adds its spot label and taint.
    #[serde(default)]
    pub(crate) spot: bool,
    #[serde(default)]
    pub(crate) max_pods: Option<u32>,
    #[serde(default)]
    pub(crate) labels: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) taints: Vec<TaintSpec>,
}

/// `--expander`: one name, a comma-separated chain, or a list.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum ExpanderSpec {
    One(String),
    Chain(Vec<String>),
}

/// Cluster Autoscaler flags (AKS `autoScalerProfile`); unset ones keep AKS's defaults.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClusterAutoscalerSpec {
    #[serde(default)]
    pub(crate) expander: Option<ExpanderSpec>,
    #[serde(default)]
    pub(crate) scan_interval: Option<Text>,
    #[serde(default)]
    pub(crate) scale_down_enabled: Option<bool>,
    #[serde(default)]
    pub(crate) scale_down_utilization_threshold: Option<f64>,
    #[serde(default)]
    pub(crate) scale_down_unneeded_time: Option<Text>,
    #[serde(default)]
    pub(crate) scale_down_unready_time: Option<Text>,
    #[serde(default)]
    pub(crate) scale_down_delay_after_add: Option<Text>,
    #[serde(default)]
    pub(crate) scale_down_delay_after_delete: Option<Text>,
    #[serde(default)]
    pub(crate) scale_down_delay_after_failure: Option<Text>,
    #[serde(default)]
    pub(crate) max_node_provision_time: Option<Text>,
    #[serde(default)]
    pub(crate) max_empty_bulk_delete: Option<u32>,
    #[serde(default)]
    pub(crate) new_pod_scale_up_delay: Option<Text>,
    #[serde(default)]
    pub(crate) max_nodes_total: Option<u32>,
    /// Scale-up requested → node Ready (default gamma, mean 180 s, CV 0.22).
    #[serde(default)]
    pub(crate) provisioning_latency: Option<DurationSpec>,
    /// The priority expander's ConfigMap: priority → regexes on node pool names.
    #[serde(default)]
    pub(crate) priorities: BTreeMap<i32, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SpotSpec {
    /// Draw evictions for spot nodes (default true).
    #[serde(default)]
    pub(crate) interruptions: Option<bool>,
    /// Band for instance types whose catalog row has none (default 0-5).
    #[serde(default)]
    pub(crate) eviction_band: Option<String>,
    /// Warning before eviction (default: Azure 30s, AWS 2m).
    #[serde(default)]
    pub(crate) notice: Option<Text>,
}

/// Which system-reservation formulas give a node's allocatable (see `cluster::allocatable`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllocatableModel {
    /// AKS 1.29 and later.
    Aks,
    /// AKS before 1.29.
    AksLegacy,
    /// EKS AMI bootstrap, with Karpenter's 7.5 % VM memory overhead.
    Eks,
    /// Karpenter's Azure provider.
    KarpenterAzure,
}

/// The kube-scheduler's NodeResourcesFit scoring strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// The default: spread pods to the least requested nodes.
    #[default]
    LeastAllocated,
    /// Bin-packing: fill the most requested nodes first.
    MostAllocated,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NodeGroupSpec {
    pub(crate) pool: String,
    #[serde(default)]
    pub(crate) instance_type: Option<String>,
    pub(crate) count: u32,
    /// Explicit allocatable; without it, derived from the catalog's instance size.
    #[serde(default)]
    pub(crate) allocatable: Option<AllocatableSpec>,
    #[serde(default)]
    pub(crate) max_pods: Option<u32>,
    #[serde(default)]
    pub(crate) labels: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) taints: Vec<TaintSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TaintSpec {
    pub(crate) key: String,
    #[serde(default)]
    pub(crate) value: String,
    pub(crate) effect: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AllocatableSpec {
    pub(crate) cpu: Text,
    pub(crate) memory: Text,
    pub(crate) pods: u32,
}
