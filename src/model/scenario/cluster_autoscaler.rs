//! The Cluster Autoscaler as a run needs it: AKS node pools (one VM size each, min/max) sized and
//! priced from the catalog, and the autoscaler's flags with AKS's profile as defaults.

use super::schema::{ClusterAutoscalerSpec, ClusterSpec, ExpanderSpec, NodeGroupSpec, NodePoolSpec, TaintSpec};
use super::{AllocatableModel, Ctx, NodeGroup, derived_allocatable, opt_duration};
use crate::autoscale::cluster_autoscaler as ca;
use crate::error::Result;
use crate::model::deployment::Manifests;
use crate::model::distribution::DurationDist;
use crate::pricing::Catalog;

/// The label and taint AKS puts on the nodes of a spot node pool.
pub const SPOT_KEY: &str = "kubernetes.azure.com/scalesetpriority";

/// One node pool: the autoscaler's node group and the nodes it adds, as the scheduler sees them.
#[derive(Debug, Clone)]
pub struct CaNodePool {
    /// The node group: allocatable before DaemonSets, DaemonSet requests, min/max, price.
    pub group: ca::NodeGroup,
    /// A node of the pool for the scheduler (allocatable after DaemonSets, labels, taints);
    /// `count` is the pool's size at the start of the run.
    pub nodes: NodeGroup,
}

/// The Cluster Autoscaler of a run.
#[derive(Debug, Clone)]
pub struct ClusterAutoscalerSetup {
    pub config: ca::AutoscalerConfig,
    pub pools: Vec<CaNodePool>,
    /// Scale-up requested → node Ready.
    pub provisioning_latency: DurationDist,
    /// For the priority expander; `None` without `priorities`.
    pub priorities: Option<ca::PriorityConfig>,
}

/// Scale-up requested → VMSS node Ready: gamma with mean 180 s, CV 0.22 (CONTROLLERS.md §6:
/// N(180 s, 40 s) for CA-managed groups, as a gamma so it stays positive).
pub fn default_provisioning_latency() -> DurationDist {
    let cv: f64 = 0.22;
    let shape = 1.0 / (cv * cv);
    DurationDist::Gamma { shape, scale_ms: 180_000.0 / shape }
}

/// Validates `cluster.node_pools` and `cluster.cluster_autoscaler`.
pub(super) fn setup(
    ctx: &Ctx<'_>,
    cluster: &ClusterSpec,
    model: Option<AllocatableModel>,
    catalog: Option<&Catalog>,
    manifests: &Manifests,
) -> Result<ClusterAutoscalerSetup> {
    if cluster.karpenter.is_some() {
        return Err(ctx.field_err(
            "cluster.karpenter",
            "Karpenter settings given but the node autoscaler is the Cluster Autoscaler",
            "remove cluster.karpenter, or set `cluster.autoscaler: karpenter`",
        ));
    }
    if let Some(o) = manifests.others.iter().find(|o| o.kind == "NodePool") {
        return Err(ctx.field_err(
            "manifests",
            format!(
                "the manifests hold a Karpenter NodePool ({}) but the node autoscaler is the Cluster Autoscaler",
                o.source.display()
            ),
            "remove the NodePool folder from `manifests`, or set `cluster.autoscaler: karpenter`",
        ));
    }
    if cluster.node_pools.is_empty() {
        return Err(ctx.field_err(
            "cluster.node_pools",
            "the Cluster Autoscaler has no node pools to scale",
            "list node pools, e.g. `node_pools: [{name: general, vm_size: Standard_D8s_v5, min: 2, max: 40}]`",
        ));
    }
    let spec = cluster.cluster_autoscaler.as_ref();
    let default = ClusterAutoscalerSpec::default();
    let config = config(ctx, spec.unwrap_or(&default))?;
    let mut pools = Vec::new();
    for (i, p) in cluster.node_pools.iter().enumerate() {
        let field = format!("cluster.node_pools[{i}]");
        if cluster.node_pools[..i].iter().any(|q| q.name == p.name) || cluster.nodes.iter().any(|n| n.pool == p.name) {
            return Err(ctx.field_err(
                &format!("{field}.name"),
                format!("node pool {:?} is declared twice", p.name),
                "give every node pool (and every group in cluster.nodes) its own name",
            ));
        }
        pools.push(pool(ctx, &field, p, model, catalog, manifests)?);
    }
    let provisioning_latency = match spec.and_then(|s| s.provisioning_latency.as_ref()) {
        Some(d) => DurationDist::from_spec(
            d,
            "cluster.cluster_autoscaler.provisioning_latency",
            ctx.path,
            ctx.path.parent().unwrap_or(std::path::Path::new(".")),
        )?,
        None => default_provisioning_latency(),
    };
    let priorities = match spec.map(|s| &s.priorities).filter(|p| !p.is_empty()) {
        Some(raw) => Some(ca::PriorityConfig::new(raw).map_err(|e| {
            ctx.field_err(
                "cluster.cluster_autoscaler.priorities",
                e.to_string(),
                "map priorities to regexes on node pool names, e.g. `priorities: {50: [spot], 10: [general]}`",
            )
        })?),
        None => None,
    };
    if config.expanders.contains(&ca::ExpanderKind::Priority) && priorities.is_none() {
        return Err(ctx.field_err(
            "cluster.cluster_autoscaler.priorities",
            "the priority expander needs priorities",
            "add `priorities: {50: [spot], 10: [general]}` (priority → regexes on node pool names)",
        ));
    }
    Ok(ClusterAutoscalerSetup { config, pools, provisioning_latency, priorities })
}

/// The flags, starting from AKS's cluster-autoscaler profile.
fn config(ctx: &Ctx<'_>, s: &ClusterAutoscalerSpec) -> Result<ca::AutoscalerConfig> {
    let f = |name: &str| format!("cluster.cluster_autoscaler.{name}");
    let mut c = ca::AutoscalerConfig::aks();
    if let Some(e) = &s.expander {
        let names: Vec<String> = match e {
            ExpanderSpec::One(s) => s.split(',').map(|x| x.trim().to_string()).collect(),
            ExpanderSpec::Chain(v) => v.clone(),
        };
        let mut chain = Vec::new();
        for n in &names {
            chain.push(ca::ExpanderKind::parse(n).ok_or_else(|| {
                ctx.field_err(
                    &f("expander"),
                    format!("unknown expander {n:?}"),
                    "use random, most-pods, least-waste, least-nodes, price or priority (a list chains them)",
                )
            })?);
        }
        // The price expander needs a cloud pricing model that upstream only has for GCE/GKE.
        if chain.contains(&ca::ExpanderKind::Price) {
            return Err(ctx.field_err(
                &f("expander"),
                "the price expander exists only on GCE/GKE; AKS's cluster-autoscaler has no pricing model",
                "use least-waste, random, most-pods, least-nodes or priority",
            ));
        }
        if chain.is_empty() {
            return Err(ctx.field_err(&f("expander"), "no expander given", "e.g. `expander: least-waste`"));
        }
        c.expanders = chain;
    }
    let durations: [(&str, &Option<super::schema::Text>, &mut u64); 8] = [
        ("scan_interval", &s.scan_interval, &mut c.scan_interval),
        ("scale_down_unneeded_time", &s.scale_down_unneeded_time, &mut c.scale_down_unneeded_time),
        ("scale_down_unready_time", &s.scale_down_unready_time, &mut c.scale_down_unready_time),
        ("scale_down_delay_after_add", &s.scale_down_delay_after_add, &mut c.scale_down_delay_after_add),
        ("scale_down_delay_after_delete", &s.scale_down_delay_after_delete, &mut c.scale_down_delay_after_delete),
        ("scale_down_delay_after_failure", &s.scale_down_delay_after_failure, &mut c.scale_down_delay_after_failure),
        ("max_node_provision_time", &s.max_node_provision_time, &mut c.max_node_provision_time),
        ("new_pod_scale_up_delay", &s.new_pod_scale_up_delay, &mut c.new_pod_scale_up_delay),
    ];
    for (name, value, slot) in durations {
        if let Some(v) = opt_duration(ctx, value, &f(name))? {
            *slot = v;
        }
    }
    if c.scan_interval == 0 || c.max_node_provision_time == 0 {
        return Err(ctx.field_err(
            &f("scan_interval"),
            "scan_interval and max_node_provision_time must be positive",
            "AKS's defaults are 10s and 15m",
        ));
    }
    if let Some(t) = s.scale_down_utilization_threshold {
        if !(t.is_finite() && t > 0.0 && t <= 1.0) {
            return Err(ctx.field_err(
                &f("scale_down_utilization_threshold"),
                format!("{t} is not a share in (0, 1]"),
                "AKS's default is 0.5",
            ));
        }
        c.scale_down_utilization_threshold = t;
    }
    if let Some(b) = s.scale_down_enabled {
        c.scale_down_enabled = b;
    }
    if let Some(n) = s.max_empty_bulk_delete {
        if n == 0 {
            return Err(ctx.field_err(&f("max_empty_bulk_delete"), "must be at least 1", "AKS's default is 10"));
        }
        c.max_empty_bulk_delete = n;
    }
    if let Some(n) = s.max_nodes_total {
        c.max_nodes_total = n;
    }
    Ok(c)
}

/// One node pool: validated, sized from the catalog, with AKS's spot label and taint.
fn pool(
    ctx: &Ctx<'_>,
    field: &str,
    p: &NodePoolSpec,
    model: Option<AllocatableModel>,
    catalog: Option<&Catalog>,
    manifests: &Manifests,
) -> Result<CaNodePool> {
    if p.min > p.max {
        return Err(ctx.field_err(
            &format!("{field}.min"),
            format!("min {} is above max {}", p.min, p.max),
            "set min ≤ max",
        ));
    }
    let count = p.count.unwrap_or(p.min);
    if count < p.min || count > p.max {
        return Err(ctx.field_err(
            &format!("{field}.count"),
            format!("count {count} is outside [min {}, max {}]", p.min, p.max),
            "set the starting node count between min and max",
        ));
    }
    let catalog = catalog.ok_or_else(|| {
        ctx.field_err(
            &format!("{field}.vm_size"),
            "no catalog to size and price the VM",
            "set `catalog:` (see `capsim catalog list`)",
        )
    })?;
    let entry = catalog.find(&p.vm_size).ok_or_else(|| {
        ctx.field_err(
            &format!("{field}.vm_size"),
            format!("{:?} is not in the catalog", p.vm_size),
            "check the name with `capsim catalog show <catalog> --type <pattern>`",
        )
    })?;
    let price = if p.spot {
        entry.spot.as_ref().map(|s| s.usd_per_hour).ok_or_else(|| {
            ctx.field_err(
                &format!("{field}.spot"),
                format!("the catalog has no spot price for {}", p.vm_size),
                "pick a VM size with a spot offering, or set spot: false",
            )
        })?
    } else {
        entry.on_demand.usd_per_hour
    };
    let mut labels = p.labels.clone();
    let mut taints = p
        .taints
        .iter()
        .map(|t| TaintSpec { key: t.key.clone(), value: t.value.clone(), effect: t.effect.clone() })
        .collect::<Vec<_>>();
    if p.spot {
        labels.insert(SPOT_KEY.into(), "spot".into());
        taints.push(TaintSpec { key: SPOT_KEY.into(), value: "spot".into(), effect: "NoSchedule".into() });
    }
    let mut parsed = Vec::new();
    for (j, t) in taints.iter().enumerate() {
        if !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&t.effect.as_str()) {
            return Err(ctx.field_err(
                &format!("{field}.taints[{j}].effect"),
                format!("{:?} is not a taint effect", t.effect),
                "use NoSchedule, PreferNoSchedule or NoExecute",
            ));
        }
        parsed.push((t.key.clone(), t.value.clone(), t.effect.clone()));
    }
    let max_pods = p.max_pods.unwrap_or(110);
    let spec = NodeGroupSpec {
        pool: p.name.clone(),
        instance_type: Some(p.vm_size.clone()),
        count,
        allocatable: None,
        max_pods: Some(max_pods),
        labels: labels.clone(),
        taints,
    };
    let (allocatable, pods, note) = derived_allocatable(ctx, field, &spec, model, Some(catalog), manifests, &parsed)?;
    let model = model.unwrap_or(AllocatableModel::Aks);
    let base = super::base_allocatable(model, entry, max_pods);
    let node_cpu = (allocatable.cpu * 1000.0).round() as u64;
    let node_mem = allocatable.memory.round() as u64;
    let mut group = ca::NodeGroup::new(
        p.name.clone(),
        ca::Allocatable::new(base.cpu_millis, base.memory_bytes, max_pods),
        p.min,
        p.max,
        count,
    )
    .with_capacity(ca::Allocatable::new(base.capacity.cpu_millis, base.capacity.memory_bytes, max_pods))
    .with_instance_type(p.vm_size.clone())
    .with_price(price)
    .with_daemonsets(
        ca::Requests::new(base.cpu_millis.saturating_sub(node_cpu), base.memory_bytes.saturating_sub(node_mem)),
        max_pods.saturating_sub(pods),
    );
    group.spot = p.spot;
    group.labels = labels.clone();
    let nodes = NodeGroup {
        pool: p.name.clone(),
        instance_type: Some(p.vm_size.clone()),
        count,
        allocatable,
        max_pods: pods,
        labels,
        taints: parsed,
        allocatable_note: note,
    };
    Ok(CaNodePool { group, nodes })
}
