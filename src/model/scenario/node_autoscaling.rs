//! The cluster's node autoscaler as the run needs it: Karpenter NodePools read from the manifests
//! with the instance types they may launch (sized and priced from the catalog), and the spot
//! interruption settings.

use std::path::Path;

use super::schema::{AllocatableModel, KarpenterSpec, NodeAutoscalerKind, SpotSpec};
use crate::autoscale::karpenter::{
    self as kp, CapacityType, InstanceType, NodePool, Offering, Operator, Requirement, Requirements,
};
use crate::cluster::allocatable as alloc;
use crate::engine::Millis;
use crate::error::{Error, Result};
use crate::model::deployment::{Deployment, Manifests, Placement};
use crate::model::distribution::DurationDist;
use crate::model::units::parse_duration;
use crate::pricing::{Catalog, CatalogEntry, EvictionBand};

/// Karpenter as configured for a run.
#[derive(Debug, Clone)]
pub struct KarpenterSetup {
    /// In manifest order.
    pub nodepools: Vec<NodePool>,
    /// Every catalog instance type of the region, with its overhead and offerings.
    pub instance_types: Vec<InstanceType>,
    /// DaemonSet pods: each adds its requests to every node it runs on.
    pub daemonsets: Vec<kp::Pod>,
    /// NodeClaim created → node Ready.
    pub launch_latency: DurationDist,
    /// Feature gate SpotToSpotConsolidation (upstream default: off).
    pub spot_to_spot: bool,
}

/// Spot interruptions: each spot node is evicted at a random time drawn from its eviction band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpotSettings {
    pub interruptions: bool,
    /// For instance types whose catalog row has no band.
    pub default_band: EvictionBand,
    /// Warning before the VM goes (Azure: up to 30 s; AWS: 2 minutes).
    pub notice_ms: Millis,
}

impl SpotSettings {
    /// Hourly eviction probability of a band: its midpoint (Azure quotes bands per hour; "20+" is
    /// taken as 25 %).
    pub fn hourly_probability(band: EvictionBand) -> f64 {
        match band.bounds_percent() {
            (lo, Some(hi)) => (lo + hi) / 200.0,
            (_, None) => 0.25,
        }
    }
}

/// The node autoscaler of a run.
#[derive(Debug, Clone, Default)]
pub enum NodeAutoscaling {
    /// The node groups are fixed.
    #[default]
    None,
    Karpenter(Box<KarpenterSetup>),
    /// Node pools scaled by the Cluster Autoscaler.
    ClusterAutoscaler(Box<super::cluster_autoscaler::ClusterAutoscalerSetup>),
}

/// Zones offered by every instance type: the cloud's naming for three zones of the region.
fn zones(cloud: Option<&str>, region: &str) -> Vec<String> {
    match cloud {
        Some("aws") => ["a", "b", "c"].iter().map(|z| format!("{region}{z}")).collect(),
        Some("gcp") => ["a", "b", "c"].iter().map(|z| format!("{region}-{z}")).collect(),
        _ => (1..=3).map(|z| format!("{region}-{z}")).collect(),
    }
}

/// Allocatable of one node of `entry` before DaemonSets, by the scenario's model.
pub fn base_allocatable(model: AllocatableModel, entry: &CatalogEntry, max_pods: u32) -> alloc::Allocatable {
    match model {
        AllocatableModel::Aks => alloc::aks_allocatable(entry.vcpu, entry.memory_gib, max_pods, alloc::AksModel::V1_29),
        AllocatableModel::AksLegacy => {
            alloc::aks_allocatable(entry.vcpu, entry.memory_gib, max_pods, alloc::AksModel::Legacy)
        }
        AllocatableModel::Eks => {
            alloc::eks_allocatable(entry.vcpu, entry.memory_gib, max_pods, alloc::KARPENTER_DEFAULT_VM_OVERHEAD)
        }
        AllocatableModel::KarpenterAzure => alloc::karpenter_azure_allocatable(
            entry.vcpu,
            entry.memory_gib,
            max_pods,
            alloc::KARPENTER_DEFAULT_VM_OVERHEAD,
        ),
    }
}

/// The Karpenter instance type of a catalog row: capacity, the system overhead of `model`, the
/// provider's labels, and one on-demand (and spot, when priced) offering per zone.
pub fn instance_type(
    entry: &CatalogEntry,
    model: AllocatableModel,
    max_pods: u32,
    zones: &[String],
    default_band: EvictionBand,
) -> InstanceType {
    let a = base_allocatable(model, entry, max_pods);
    let capacity = kp::Resources::new(a.capacity.cpu_millis, a.capacity.memory_bytes, u64::from(max_pods));
    let overhead = kp::Resources::new(
        a.capacity.cpu_millis.saturating_sub(a.cpu_millis),
        a.capacity.memory_bytes.saturating_sub(a.memory_bytes),
        0,
    );
    let mut it = InstanceType::new(&entry.name, capacity.cpu_milli, capacity.memory, capacity.pods, &entry.arch)
        .with_overhead(overhead)
        .with_label(kp::labels::REGION, &entry.region);
    it = match entry.provider.as_str() {
        "aws" => kp::instance_types::with_aws_labels(it),
        "azure" => kp::instance_types::with_azure_labels(it),
        _ => it,
    };
    for z in zones {
        it.offerings.push(Offering::new(z.clone(), CapacityType::OnDemand, entry.on_demand.usd_per_hour));
        if let Some(spot) = &entry.spot {
            let mut o = Offering::new(z.clone(), CapacityType::Spot, spot.usd_per_hour);
            o.eviction_band = Some(entry.spot_eviction.unwrap_or(default_band).label().to_string());
            it.offerings.push(o);
        }
    }
    it.sync_offering_labels();
    it
}

/// Karpenter's view of a pod of `d`: requests, nodeSelector and the first required
/// node-affinity term as requirements, tolerations.
pub fn karpenter_pod(d: &Deployment, name: &str) -> kp::Pod {
    let mut pod =
        kp::Pod::new(name, (d.requests.cpu * 1000.0).round() as u64, d.requests.memory.round().max(0.0) as u64);
    pod.requirements = placement_requirements(&d.placement);
    pod.priority = d.priority;
    pod.tolerations = d
        .placement
        .tolerations
        .iter()
        .map(|t| kp::Toleration {
            key: (!t.key.is_empty()).then(|| t.key.clone()),
            value: (t.operator.as_deref() != Some("Exists") && !t.value.is_empty()).then(|| t.value.clone()),
            effect: t.effect.as_deref().and_then(taint_effect),
        })
        .collect();
    pod
}

pub fn taint_effect(name: &str) -> Option<kp::TaintEffect> {
    match name {
        "NoSchedule" => Some(kp::TaintEffect::NoSchedule),
        "PreferNoSchedule" => Some(kp::TaintEffect::PreferNoSchedule),
        "NoExecute" => Some(kp::TaintEffect::NoExecute),
        _ => None,
    }
}

fn placement_requirements(p: &Placement) -> Requirements {
    let mut r = Requirements::from_labels(p.node_selector.iter());
    // Karpenter relaxes OR-ed terms one at a time starting with the first; the first is what
    // it tries.
    if let Some(term) = p.required_terms.first() {
        for e in term {
            let op = Operator::parse(&e.operator).unwrap_or(Operator::In);
            r.add(Requirement::new(e.key.clone(), op, e.values.iter().cloned()));
        }
    }
    r
}

pub(crate) struct Inputs<'a> {
    pub path: &'a Path,
    pub cloud: Option<&'a str>,
    pub region: Option<&'a str>,
    pub catalog: Option<&'a Catalog>,
    pub model: Option<AllocatableModel>,
    pub manifests: &'a Manifests,
}

fn field_err(path: &Path, field: &str, problem: impl Into<String>, fix: impl Into<String>) -> Error {
    Error::new(problem).in_file(path).at_field(field.to_string()).fix(fix)
}

pub(crate) fn spot_settings(path: &Path, cloud: Option<&str>, spec: Option<&SpotSpec>) -> Result<SpotSettings> {
    let default_notice = if cloud == Some("aws") { 120_000 } else { 30_000 };
    let Some(s) = spec else {
        return Ok(SpotSettings { interruptions: true, default_band: EvictionBand::Under5, notice_ms: default_notice });
    };
    let default_band = match &s.eviction_band {
        None => EvictionBand::Under5,
        Some(b) => EvictionBand::parse(b).ok_or_else(|| {
            field_err(
                path,
                "cluster.spot.eviction_band",
                format!("unknown band {b:?}"),
                "use 0-5, 5-10, 10-15, 15-20 or 20+",
            )
        })?,
    };
    let notice_ms = match &s.notice {
        None => default_notice,
        Some(n) => parse_duration(&n.value).map_err(|e| e.in_file(path).at_field("cluster.spot.notice"))?,
    };
    Ok(SpotSettings { interruptions: s.interruptions.unwrap_or(true), default_band, notice_ms })
}

/// Reads the NodePools from the manifests and builds the instance types they draw from.
pub(crate) fn node_autoscaling(
    inp: &Inputs<'_>,
    kind: Option<NodeAutoscalerKind>,
    spec: Option<&KarpenterSpec>,
    spot: &SpotSettings,
    warnings: &mut Vec<String>,
) -> Result<NodeAutoscaling> {
    let pools: Vec<_> = inp.manifests.others.iter().filter(|o| o.kind == "NodePool").collect();
    let kind = kind.unwrap_or(if pools.is_empty() { NodeAutoscalerKind::None } else { NodeAutoscalerKind::Karpenter });
    if kind != NodeAutoscalerKind::Karpenter {
        if spec.is_some() {
            return Err(field_err(
                inp.path,
                "cluster.karpenter",
                "Karpenter settings given but the node autoscaler is not Karpenter",
                "set `cluster.autoscaler: karpenter`, or remove cluster.karpenter",
            ));
        }
        return Ok(NodeAutoscaling::None);
    }
    if pools.is_empty() {
        return Err(field_err(
            inp.path,
            "cluster.autoscaler",
            "Karpenter is the node autoscaler but the manifests hold no NodePool",
            "add karpenter.sh/v1 NodePool manifests to a folder listed under `manifests`",
        ));
    }
    let need = |what: &str, fix: &str| {
        field_err(inp.path, "cluster.autoscaler", format!("Karpenter needs {what} to know what it can launch"), fix)
    };
    let catalog = inp.catalog.ok_or_else(|| need("a catalog", "set `catalog:` (see `capsim catalog list`)"))?;
    let region = inp.region.ok_or_else(|| need("a region", "set `region:`, e.g. germanywestcentral"))?;
    let model = inp.model.ok_or_else(|| {
        need("an allocatable model", "set cluster.allocatable_model: aks | aks_legacy | eks | karpenter_azure")
    })?;
    let max_pods = spec.and_then(|s| s.max_pods).unwrap_or(110);
    let zones = zones(inp.cloud, region);
    let instance_types: Vec<InstanceType> = catalog
        .entries
        .iter()
        .filter(|e| e.region == region && e.gpu == 0)
        .map(|e| instance_type(e, model, max_pods, &zones, spot.default_band))
        .collect();
    if instance_types.is_empty() {
        return Err(field_err(
            inp.path,
            "region",
            format!("the catalog has no instance types in region {region:?}"),
            "pick a region the catalog covers (`capsim catalog show <catalog>`)",
        ));
    }
    let mut nodepools = Vec::new();
    for o in pools {
        let (pool, warns) = NodePool::from_yaml(&o.text).map_err(|e| {
            let line = o.line_offset + 1;
            e.in_file(&o.source).at_line(line, None)
        })?;
        for w in warns {
            warnings.push(format!("NodePool {:?} ({}): {}: {}", pool.name, o.source.display(), w.field, w.message));
        }
        let reqs = pool.template_requirements();
        if !instance_types.iter().any(|it| it.compatible_with(&reqs)) {
            return Err(Error::new(format!(
                "NodePool {:?}: its requirements match no instance type of the catalog in {region}",
                pool.name
            ))
            .in_file(&o.source)
            .at_field("spec.template.spec.requirements")
            .fix("check the requirement values against `capsim catalog show <catalog>` (names, families, sizes)"));
        }
        nodepools.push(pool);
    }
    // Only types some pool may launch matter; the scheduling simulation scans this list for every
    // NodeClaim template, so dropping the rest keeps it short.
    let mut instance_types = instance_types;
    let templates: Vec<Requirements> = nodepools.iter().map(NodePool::template_requirements).collect();
    instance_types.retain(|it| templates.iter().any(|r| it.compatible_with(r)));
    let daemonsets = inp.manifests.daemonsets.iter().map(|d| karpenter_pod(d, &format!("ds-{}", d.name))).collect();
    let launch_latency = match spec.and_then(|s| s.launch_latency.as_ref()) {
        Some(d) => DurationDist::from_spec(
            d,
            "cluster.karpenter.launch_latency",
            inp.path,
            inp.path.parent().unwrap_or(Path::new(".")),
        )?,
        None => default_launch_latency(inp.cloud),
    };
    Ok(NodeAutoscaling::Karpenter(Box::new(KarpenterSetup {
        nodepools,
        instance_types,
        daemonsets,
        launch_latency,
        spot_to_spot: spec.is_some_and(|s| s.spot_to_spot_consolidation),
    })))
}

/// NodeClaim created → node Ready, by cloud: gamma with mean 90 s (AKS NAP) or 45 s (EKS), CV 0.22
/// (CONTROLLERS.md §6: N(90 s, 20 s) and N(45 s, 10 s), as a gamma so it stays positive).
pub fn default_launch_latency(cloud: Option<&str>) -> DurationDist {
    let mean_ms: f64 = if cloud == Some("aws") { 45_000.0 } else { 90_000.0 };
    let cv: f64 = 0.22;
    let shape = 1.0 / (cv * cv);
    DurationDist::Gamma { shape, scale_ms: mean_ms / shape }
}
