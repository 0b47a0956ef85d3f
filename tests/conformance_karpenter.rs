//! Conformance cases ported from kubernetes-sigs/karpenter (core) tests. Each test names the
//! upstream file and Ginkgo `Describe/Context/It` path; inputs and expected outcomes are the
//! upstream ones (facts), adapted to this crate's types. The fake cloud provider's catalogue
//! (`pkg/cloudprovider/fake/instancetype.go`) is rebuilt here: price = 0.1·vCPU + 0.1·memory(GB),
//! overhead 100m CPU + 10Mi, 5 pods per type unless stated.

use std::collections::BTreeMap;

use capsim::autoscale::karpenter::disruption::budgets::UNLIMITED;
use capsim::autoscale::karpenter::disruption::consolidation::{compute_consolidation, multi_node, single_node};
use capsim::autoscale::karpenter::disruption::cron::unix_seconds;
use capsim::autoscale::karpenter::disruption::{emptiness, get_candidates};
use capsim::autoscale::karpenter::labels;
use capsim::autoscale::karpenter::*;

const GI: u64 = 1 << 30;
const MI: u64 = 1 << 20;
const HOUR: u64 = 3_600_000;

fn price(cpu: u64, mem: u64) -> f64 {
    0.1 * cpu as f64 + 0.1 * mem as f64 / 1e9
}

/// `fake.NewInstanceType` with explicit offerings.
fn fake_it(
    name: &str,
    cpu: u64,
    mem: u64,
    pods: u64,
    arch: &str,
    oses: &[&str],
    offerings: Vec<Offering>,
) -> InstanceType {
    let mut it = InstanceType::new(name, cpu * 1000, mem, pods, arch)
        .with_overhead(Resources::new(100, 10 * MI, 0))
        .with_label_values(labels::OS, oses);
    for o in offerings {
        it = it.with_offering(o);
    }
    it
}

/// `fake.NewInstanceType` default offerings: spot z1, z2; on-demand z1, z2, z3.
fn default_offerings(cpu: u64, mem: u64) -> Vec<Offering> {
    let p = price(cpu, mem);
    vec![
        Offering::new("test-zone-1", CapacityType::Spot, p),
        Offering::new("test-zone-2", CapacityType::Spot, p),
        Offering::new("test-zone-1", CapacityType::OnDemand, p),
        Offering::new("test-zone-2", CapacityType::OnDemand, p),
        Offering::new("test-zone-3", CapacityType::OnDemand, p),
    ]
}

/// The fake cloud provider's default catalogue (GPU types omitted: GPUs are not modelled).
fn default_catalog() -> Vec<InstanceType> {
    let all_os = ["darwin", "linux", "windows"];
    vec![
        fake_it("default-instance-type", 4, 4 * GI, 5, "amd64", &all_os, default_offerings(4, 4 * GI)),
        fake_it("small-instance-type", 2, 2 * GI, 5, "amd64", &all_os, default_offerings(2, 2 * GI)),
        fake_it(
            "arm-instance-type",
            16,
            128 * GI,
            5,
            "arm64",
            &["ios", "linux", "windows", "darwin"],
            default_offerings(16, 128 * GI),
        ),
    ]
}

/// `fake.InstanceTypesAssorted()`: every cpu × mem × zone × capacity type × os × arch, one offering each.
fn assorted() -> Vec<InstanceType> {
    let mut out = Vec::new();
    for cpu in [1u64, 2, 4, 8, 16, 32, 64] {
        for mem in [1u64, 2, 4, 8, 16, 32, 64, 128] {
            for zone in ["test-zone-1", "test-zone-2", "test-zone-3"] {
                for ct in [CapacityType::Spot, CapacityType::OnDemand] {
                    for os in ["linux", "windows"] {
                        for arch in ["amd64", "arm64"] {
                            let name = format!("{cpu}-cpu-{mem}-mem-{arch}-{os}-{zone}-{}", ct.as_str());
                            let o = Offering::new(zone, ct, price(cpu, mem * GI));
                            out.push(fake_it(&name, cpu, mem * GI, 5, arch, &[os], vec![o]));
                        }
                    }
                }
            }
        }
    }
    out
}

fn req(key: &str, op: Operator, values: &[&str]) -> Requirement {
    Requirement::new(key, op, values.iter().copied())
}

fn pod_reqs(rs: Vec<Requirement>) -> Requirements {
    Requirements::from_reqs(rs)
}

fn run(
    pools: &[NodePool],
    catalog: &[InstanceType],
    daemonsets: &[Pod],
    usage: &BTreeMap<String, PoolUsage>,
    pods: &[Pod],
) -> SchedulingResult {
    let input = SchedulingInput { nodepools: pools, instance_types: catalog, existing_nodes: &[], daemonsets, usage };
    schedule(&input, pods)
}

fn launch_of(nc: &NewNodeClaim) -> LaunchDecision {
    choose_launch(&nc.instance_types, &nc.requirements).expect("launchable")
}

fn min_price(catalog: &[InstanceType]) -> f64 {
    catalog.iter().flat_map(|it| it.offerings.iter().map(|o| o.price)).fold(f64::MAX, f64::min)
}

// =============================================================================================
// pkg/apis/v1/nodepool_budgets_test.go — Describe("Budgets")
// Clock: 2000-06-15 12:30:30 UTC. budgets[0..6]: "10", "100", "100%" (all `* * * * *`, 1h),
// [3] "15" reasons Drifted+Underutilized, [4] "5" Drifted, [5] "0" all reasons @weekly 1h.
// =============================================================================================

fn budget_clock() -> i64 {
    unix_seconds(2000, 6, 15, 12, 30, 30) * 1000
}

fn upstream_budgets() -> Vec<Budget> {
    use Reason::*;
    vec![
        Budget::nodes("10").with_schedule("* * * * *", HOUR),
        Budget::nodes("100").with_schedule("* * * * *", HOUR),
        Budget::nodes("100%").with_schedule("* * * * *", HOUR),
        Budget::nodes("15").with_schedule("* * * * *", HOUR).with_reasons(&[Drifted, Underutilized]),
        Budget::nodes("5").with_schedule("* * * * *", HOUR).with_reasons(&[Drifted]),
        Budget::nodes("0").with_schedule("@weekly", HOUR).with_reasons(&[Underutilized, Drifted, Empty]),
    ]
}

const ALL_REASONS: [Reason; 3] = [Reason::Empty, Reason::Underutilized, Reason::Drifted];

fn pool_with(budgets: Vec<Budget>) -> NodePool {
    NodePool::new("budgets").with_budgets(budgets)
}

/// Context("GetAllowedDisruptionsByReason") / It("should return 0 for all reasons if a budget is active for all reasons")
#[test]
fn budgets_zero_when_all_reason_budget_active() {
    let mut b = upstream_budgets();
    b[5] = b[5].clone().with_schedule("* * * * *", HOUR);
    let np = pool_with(b);
    for r in ALL_REASONS {
        assert_eq!(np.allowed_disruptions_by_reason(budget_clock(), 100, r), (0, vec![]));
    }
}

/// Context("GetAllowedDisruptionsByReason") / It("should return MaxInt32 for all reasons when there are no active budgets")
#[test]
fn budgets_unlimited_when_none_active() {
    let b: Vec<Budget> = upstream_budgets().into_iter().map(|b| b.with_schedule("@yearly", HOUR)).collect();
    let np = pool_with(b);
    for r in ALL_REASONS {
        assert_eq!(np.allowed_disruptions_by_reason(budget_clock(), 100, r).0, UNLIMITED);
    }
    assert_eq!(UNLIMITED, i32::MAX as u32);
}

/// Context("GetAllowedDisruptionsByReason") / It("should ignore reason-defined budgets when inactive")
#[test]
fn budgets_ignore_inactive_reason_budgets() {
    let mut b = upstream_budgets();
    b[3].schedule = Some("@yearly".into());
    b[4].schedule = Some("@yearly".into());
    let np = pool_with(b);
    for r in ALL_REASONS {
        assert_eq!(np.allowed_disruptions_by_reason(budget_clock(), 100, r).0, 10);
    }
}

/// Context("GetAllowedDisruptionsByReason") / It("should return the budget for all disruption reasons when undefined")
#[test]
fn budgets_reasonless_budget_applies_to_all() {
    let np = pool_with(upstream_budgets()[..1].to_vec());
    for r in ALL_REASONS {
        assert_eq!(np.allowed_disruptions_by_reason(budget_clock(), 100, r).0, 10);
    }
}

/// Context("GetAllowedDisruptionsByReason") / It("should get the minimum budget for each reason")
#[test]
fn budgets_minimum_per_reason() {
    let mut b = upstream_budgets();
    b.push(Budget::nodes("4").with_schedule("* * * * *", HOUR).with_reasons(&[Reason::Empty]));
    let np = pool_with(b);
    assert_eq!(np.allowed_disruptions_by_reason(budget_clock(), 100, Reason::Empty).0, 4);
    assert_eq!(np.allowed_disruptions_by_reason(budget_clock(), 100, Reason::Drifted).0, 5);
    assert_eq!(np.allowed_disruptions_by_reason(budget_clock(), 100, Reason::Underutilized).0, 10);
}

/// Context("AllowedDisruptions") / It("should return zero values if a schedule is invalid")
#[test]
fn budget_invalid_schedule_fails_closed() {
    let mut b = upstream_budgets()[0].clone();
    b.schedule = Some("@wrongly".into());
    let (v, err) = b.allowed_disruptions(budget_clock(), 100);
    assert_eq!(v, 0);
    assert!(err.is_some());
}

/// Context("AllowedDisruptions") / It("should return zero values if a nodes value is invalid")
#[test]
fn budget_invalid_nodes_fails_closed() {
    let mut b = upstream_budgets()[0].clone();
    b.nodes = "1000a%".into();
    let (v, err) = b.allowed_disruptions(budget_clock(), 100);
    assert_eq!(v, 0);
    assert!(err.is_some());
    // and the NodePool validation rejects it at admission, naming the field
    let e = pool_with(vec![b]).validate().unwrap_err();
    assert!(e.to_string().contains("spec.disruption.budgets[0].nodes"), "{e}");
}

/// Context("AllowedDisruptions") / It("should return MaxInt32 when a budget is inactive")
#[test]
fn budget_inactive_is_unlimited() {
    let b = upstream_budgets()[0].clone().with_schedule("@yearly", HOUR);
    assert_eq!(b.allowed_disruptions(budget_clock(), 100), (UNLIMITED, None));
}

/// Context("AllowedDisruptions") / It("should return the int value when a budget is active")
/// + It("should return the string value when a budget is active")
#[test]
fn budget_active_int_and_percent() {
    let b = upstream_budgets();
    assert_eq!(b[0].allowed_disruptions(budget_clock(), 100), (10, None));
    assert_eq!(b[2].allowed_disruptions(budget_clock(), 100), (100, None));
    // percentages round up (intstr.GetScaledValueFromIntOrPercent(..., roundUp=true))
    assert_eq!(Budget::nodes("10%").allowed_disruptions(budget_clock(), 5), (1, None));
    assert_eq!(Budget::nodes("30%").allowed_disruptions(budget_clock(), 10), (3, None));
}

/// Context("IsActive") / It("should always consider a schedule and time in UTC")
/// time.Date(2000, June, 0, 0:00, +01:00) = 2000-05-30 23:00 UTC; @daily for 30m → inactive.
#[test]
fn budget_is_active_uses_utc() {
    let now = (unix_seconds(2000, 5, 31, 0, 0, 0) - 3600) * 1000;
    let b = upstream_budgets()[0].clone().with_schedule("@daily", 30 * 60_000);
    assert_eq!(b.is_active_at_unix_ms(now), Ok(false));
}

/// Context("IsActive") / It("should return that a schedule is active when schedule and duration are nil")
#[test]
fn budget_without_schedule_is_active() {
    let b = Budget::nodes("10");
    assert_eq!(b.is_active_at_unix_ms(budget_clock()), Ok(true));
}

/// Context("IsActive") / It("should return that a schedule is active") + It("should return that a schedule is inactive")
#[test]
fn budget_active_and_inactive() {
    let b = upstream_budgets()[0].clone();
    assert_eq!(b.is_active_at_unix_ms(budget_clock()), Ok(true));
    let mut y = b.clone();
    y.schedule = Some("@yearly".into());
    assert_eq!(y.is_active_at_unix_ms(budget_clock()), Ok(false));
}

/// Context("IsActive") / It("should return that a schedule is active when the schedule hit is in the middle of the duration")
/// Year 1000-01-01 12:00 UTC, @yearly for 24h.
#[test]
fn budget_active_mid_duration_year_1000() {
    let now = unix_seconds(1000, 1, 1, 12, 0, 0) * 1000;
    let b = Budget::nodes("10").with_schedule("@yearly", 24 * HOUR);
    assert_eq!(b.is_active_at_unix_ms(now), Ok(true));
}

/// Context("IsActive") / It("should return that a schedule is active when the duration is longer than the recurrence")
#[test]
fn budget_active_duration_longer_than_recurrence() {
    let now = unix_seconds(2024, 1, 7, 0, 0, 0) * 1000;
    let b = Budget::nodes("10").with_schedule("@daily", 48 * HOUR);
    assert_eq!(b.is_active_at_unix_ms(now), Ok(true));
}

/// Context("IsActive") / It("should return that a schedule is inactive when the schedule hit is after the duration")
#[test]
fn budget_inactive_hit_after_duration() {
    let now = unix_seconds(2024, 1, 7, 0, 0, 0) * 1000;
    let b = Budget::nodes("10").with_schedule("30 6 * * SUN", 6 * HOUR);
    assert_eq!(b.is_active_at_unix_ms(now), Ok(false));
}

/// Context("IsActive") / It("should return an error indicating why the cron fails to parse")
#[test]
fn budget_cron_error_message() {
    let now = unix_seconds(2024, 1, 7, 0, 0, 0) * 1000;
    let b = Budget::nodes("10").with_schedule("0 0 * * tue-mon", 6 * HOUR);
    let e = b.is_active_at_unix_ms(now).unwrap_err();
    assert!(e.contains("beginning of range (2) beyond end of range (1)"), "{e}");
}

// =============================================================================================
// pkg/controllers/provisioning/scheduling/instance_selection_test.go — Describe("Instance Type Selection")
// NodePool: capacity-type In [spot, on-demand], arch In [arm64, amd64]; catalogue InstanceTypesAssorted.
// =============================================================================================

fn selection_pool() -> NodePool {
    NodePool::new("default")
        .with_requirement(req(labels::CAPACITY_TYPE, Operator::In, &["spot", "on-demand"]))
        .with_requirement(req(labels::ARCH, Operator::In, &["arm64", "amd64"]))
}

fn select(pool: NodePool, pod: Pod) -> (NewNodeClaim, LaunchDecision, f64) {
    let catalog = assorted();
    let res = run(&[pool], &catalog, &[], &BTreeMap::new(), &[pod]);
    assert!(res.unschedulable.is_empty(), "{:?}", res.unschedulable);
    assert_eq!(res.new_nodeclaims.len(), 1);
    let nc = res.new_nodeclaims[0].clone();
    let l = launch_of(&nc);
    (nc, l, min_price(&catalog))
}

fn all_have(nc: &NewNodeClaim, key: &str, value: &str) -> bool {
    nc.instance_types.iter().all(|it| it.requirements.get(key).has(value) && it.requirements.get(key).len() == 1)
}

/// It("should schedule on one of the cheapest instances")
#[test]
fn selection_cheapest() {
    let (_, l, min) = select(selection_pool(), Pod::new("p", 0, 0));
    assert_eq!(l.price, min);
}

/// It("should schedule on one of the cheapest instances (pod arch = amd64)")
#[test]
fn selection_cheapest_pod_arch_amd64() {
    let pod = Pod::new("p", 0, 0).with_requirements(pod_reqs(vec![req(labels::ARCH, Operator::In, &["amd64"])]));
    let (nc, l, min) = select(selection_pool(), pod);
    assert_eq!(l.price, min);
    assert!(all_have(&nc, labels::ARCH, "amd64"));
}

/// It("should schedule on one of the cheapest instances (prov os = windows)")
#[test]
fn selection_cheapest_pool_os_windows() {
    let pool = NodePool::new("default").with_requirement(req(labels::OS, Operator::In, &["windows"]));
    let (nc, l, min) = select(pool, Pod::new("p", 0, 0));
    assert_eq!(l.price, min);
    assert!(all_have(&nc, labels::OS, "windows"));
}

/// It("should schedule on one of the cheapest instances (prov ct = ondemand, prov zone = test-zone-1)")
#[test]
fn selection_cheapest_pool_ondemand_zone1() {
    let pool = NodePool::new("default")
        .with_requirement(req(labels::CAPACITY_TYPE, Operator::In, &["on-demand"]))
        .with_requirement(req(labels::ZONE, Operator::In, &["test-zone-1"]));
    let (nc, l, min) = select(pool, Pod::new("p", 0, 0));
    assert_eq!(l.price, min);
    assert_eq!((l.capacity_type, l.zone.as_str()), (CapacityType::OnDemand, "test-zone-1"));
    assert!(nc.instance_types.iter().all(|it| {
        it.compatible_offerings(&nc.requirements)
            .all(|o| o.zone == "test-zone-1" && o.capacity_type == CapacityType::OnDemand)
    }));
}

/// It("should schedule on one of the cheapest instances (pod ct = spot, pod zone = test-zone-1)")
#[test]
fn selection_cheapest_pod_spot_zone1() {
    let pod = Pod::new("p", 0, 0).with_requirements(pod_reqs(vec![
        req(labels::CAPACITY_TYPE, Operator::In, &["spot"]),
        req(labels::ZONE, Operator::In, &["test-zone-1"]),
    ]));
    let (nc, l, min) = select(selection_pool(), pod);
    assert_eq!(l.price, min);
    assert_eq!((l.capacity_type, l.zone.as_str()), (CapacityType::Spot, "test-zone-1"));
    assert!(all_have(&nc, labels::CAPACITY_TYPE, "spot"));
    assert!(all_have(&nc, labels::ZONE, "test-zone-1"));
}

// =============================================================================================
// pkg/controllers/provisioning/suite_test.go — Describe("Provisioning"); default fake catalogue.
// =============================================================================================

fn usage(pool: &str, cpu: u64) -> BTreeMap<String, PoolUsage> {
    BTreeMap::from([(pool.to_string(), PoolUsage { resources: Resources::new(cpu * 1000, 0, 0), nodes: 1 })])
}

fn cpu_limit(cpu: u64) -> Limits {
    Limits { cpu_milli: Some(cpu * 1000), memory: None, nodes: None }
}

/// Context("Resource Limits") / It("should not schedule when limits are exceeded") — limit 20 CPU, existing 100.
#[test]
fn limits_exceeded_blocks() {
    let pool = NodePool::new("default").with_limits(cpu_limit(20));
    let res = run(&[pool], &default_catalog(), &[], &usage("default", 100), &[Pod::new("p", 0, 0)]);
    assert!(res.new_nodeclaims.is_empty());
    assert!(res.unschedulable["p"].contains("limits exceeded"), "{:?}", res.unschedulable);
}

/// Context("Resource Limits") / It("should schedule if limits would be met") — limit 2 CPU, pod 1.75 → a 2-CPU node.
#[test]
fn limits_met_schedules_small() {
    let pool = NodePool::new("default").with_limits(cpu_limit(2));
    let res = run(&[pool], &default_catalog(), &[], &BTreeMap::new(), &[Pod::new("p", 1750, 0)]);
    assert_eq!(res.new_nodeclaims.len(), 1);
    assert_eq!(res.new_nodeclaims[0].instance_type_names(), vec!["small-instance-type"]);
}

/// Context("Resource Limits") / It("should not schedule if limits would be exceeded") — pod 2.1 CPU needs a 4-CPU node.
#[test]
fn limits_would_be_exceeded() {
    let pool = NodePool::new("default").with_limits(cpu_limit(2));
    let res = run(&[pool], &default_catalog(), &[], &BTreeMap::new(), &[Pod::new("p", 2100, 0)]);
    assert!(res.new_nodeclaims.is_empty());
    assert!(res.unschedulable.contains_key("p"));
}

/// Context("Resource Limits") / It("should not schedule to a nodepool after a scheduling round if limits would be exceeded")
#[test]
fn limits_after_a_round() {
    let pool = NodePool::new("default").with_limits(cpu_limit(2));
    let catalog = default_catalog();
    let first = run(std::slice::from_ref(&pool), &catalog, &[], &BTreeMap::new(), &[Pod::new("a", 1750, 0)]);
    assert_eq!(first.new_nodeclaims.len(), 1);
    // the launched 2-CPU node now counts against the limit
    let second = run(&[pool], &catalog, &[], &usage("default", 2), &[Pod::new("b", 1750, 0)]);
    assert!(second.new_nodeclaims.is_empty());
    assert!(second.unschedulable.contains_key("b"));
}

/// Context("Weighted NodePools") / It("should schedule to the nodepool with the highest priority always")
#[test]
fn weights_highest_priority_always() {
    let pools = [NodePool::new("a"), NodePool::new("b").with_weight(20), NodePool::new("c").with_weight(100)];
    let pods = [Pod::new("p1", 0, 0), Pod::new("p2", 0, 0), Pod::new("p3", 0, 0)];
    let res = run(&pools, &default_catalog(), &[], &BTreeMap::new(), &pods);
    assert!(!res.new_nodeclaims.is_empty());
    assert!(res.new_nodeclaims.iter().all(|nc| nc.nodepool == "c"));
    assert_eq!(res.new_nodeclaims.iter().map(|nc| nc.pods.len()).sum::<usize>(), 3);
}

/// Context("Weighted NodePools") / It("should schedule to explicitly selected nodepool even if other nodePools are higher priority")
#[test]
fn weights_explicit_selection_wins() {
    let pools = [NodePool::new("target"), NodePool::new("b").with_weight(20), NodePool::new("c").with_weight(100)];
    let pod = Pod::new("p", 0, 0).with_requirements(pod_reqs(vec![req(labels::NODEPOOL, Operator::In, &["target"])]));
    let res = run(&pools, &default_catalog(), &[], &BTreeMap::new(), &[pod]);
    assert_eq!(res.new_nodeclaims.len(), 1);
    assert_eq!(res.new_nodeclaims[0].nodepool, "target");
}

/// Context("Daemonsets and Node Overhead") / It("should account for overhead") — ds 1 CPU/1Gi + pod 1 CPU/1Gi → 4 CPU / 4Gi type.
#[test]
fn daemonset_overhead_counted() {
    let ds = [Pod::new("ds", 1000, GI)];
    let res = run(&[NodePool::new("default")], &default_catalog(), &ds, &BTreeMap::new(), &[Pod::new("p", 1000, GI)]);
    let l = launch_of(&res.new_nodeclaims[0]);
    assert_eq!(l.instance_type, "default-instance-type");
    let it = default_catalog().into_iter().find(|it| it.name == l.instance_type).unwrap();
    assert_eq!((it.capacity.cpu_milli, it.capacity.memory), (4000, 4 * GI));
}

/// Context("Daemonsets and Node Overhead") / It("should not schedule if overhead is too large")
#[test]
fn daemonset_overhead_too_large() {
    let ds = [Pod::new("ds", 10_000_000, 10_000 * GI)];
    let res = run(&[NodePool::new("default")], &default_catalog(), &ds, &BTreeMap::new(), &[Pod::new("p", 0, 0)]);
    assert!(res.new_nodeclaims.is_empty());
    assert!(res.unschedulable.contains_key("p"));
}

/// Context("Daemonsets and Node Overhead") / It("should ignore daemonsets without matching tolerations") → 2 CPU / 2Gi type.
#[test]
fn daemonset_without_toleration_ignored() {
    let pool = NodePool::new("default").with_taint(Taint {
        key: "foo".into(),
        value: Some("bar".into()),
        effect: TaintEffect::NoSchedule,
    });
    let ds = [Pod::new("ds", 1000, GI)];
    let pod = Pod::new("p", 1000, GI).with_toleration(Toleration { key: None, value: None, effect: None });
    let res = run(&[pool], &default_catalog(), &ds, &BTreeMap::new(), &[pod]);
    assert_eq!(launch_of(&res.new_nodeclaims[0]).instance_type, "small-instance-type");
}

// =============================================================================================
// pkg/controllers/disruption/consolidation_test.go — Describe("Consolidation")
// Catalogue InstanceTypesAssorted; nodePool WhenEmptyOrUnderutilized, budgets [100%], consolidateAfter 0s;
// SpotToSpotConsolidation on. Candidate nodes: allocatable 32 CPU (pods 100).
// =============================================================================================

fn consolidation_pool() -> NodePool {
    NodePool::new("default").with_budgets(vec![Budget::nodes("100%")])
}

fn sorted_by_price(catalog: &[InstanceType], ct: CapacityType) -> Vec<InstanceType> {
    let mut v: Vec<InstanceType> = catalog
        .iter()
        .filter(|it| it.offerings.iter().any(|o| o.available && o.capacity_type == ct))
        .cloned()
        .collect();
    v.sort_by(|a, b| a.offerings[0].price.total_cmp(&b.offerings[0].price));
    v
}

fn node_on(name: &str, pool: &NodePool, it: &InstanceType, pods: Vec<Pod>) -> ClusterNode {
    let o = &it.offerings[0];
    let mut n = ClusterNode::launched(name, pool, it, &o.zone, o.capacity_type, 0).with_pods(pods);
    n.allocatable = Resources::new(32_000, 1 << 40, 100);
    n
}

fn dinput<'a>(
    pools: &'a [NodePool],
    catalog: &'a [InstanceType],
    nodes: &'a [ClusterNode],
    s2s: bool,
) -> DisruptionInput<'a> {
    DisruptionInput {
        now_ms: 1_000,
        nodepools: pools,
        instance_types: catalog,
        nodes,
        pending: &[],
        daemonsets: &[],
        spot_to_spot: s2s,
    }
}

/// Context("Replace") / DescribeTable("can replace node") / Entry("if the candidate is on-demand node")
#[test]
fn replace_on_demand_node() {
    let catalog = assorted();
    let most = sorted_by_price(&catalog, CapacityType::OnDemand).pop().unwrap();
    let pools = [consolidation_pool()];
    let nodes = [node_on("n", &pools[0], &most, vec![Pod::new("p", 0, 0)])];
    let cmd = disruption::disrupt(&dinput(&pools, &catalog, &nodes, true)).expect("a command");
    let r = cmd.replacement.expect("replace");
    assert_eq!(cmd.candidates, vec!["n"]);
    assert!(!r.instance_type_names().contains(&most.name.as_str()));
    assert!(r.instance_types.iter().all(|it| it.offerings.iter().all(|o| o.price < most.offerings[0].price)));
    // OD candidate, replacement allowing spot and on-demand: pinned to spot (consolidation.go)
    assert_eq!(r.requirements.get(labels::CAPACITY_TYPE).values().collect::<Vec<_>>(), vec!["spot"]);
}

/// Context("Replace") / DescribeTable("can replace node") / Entry("if the candidate is spot node")
#[test]
fn replace_spot_node() {
    let catalog = assorted();
    let most = sorted_by_price(&catalog, CapacityType::Spot).pop().unwrap();
    let pools = [consolidation_pool()];
    let nodes = [node_on("n", &pools[0], &most, vec![Pod::new("p", 0, 0)])];
    let cmd = disruption::disrupt(&dinput(&pools, &catalog, &nodes, true)).expect("a command");
    let r = cmd.replacement.expect("replace");
    assert!(!r.instance_type_names().contains(&most.name.as_str()));
    assert_eq!(r.instance_types.len(), 15);
    assert!(all_have(&r, labels::CAPACITY_TYPE, "spot"));
}

/// Context("Replace") / It("cannot replace spot with spot if less than minimum InstanceTypes flexibility")
#[test]
fn spot_to_spot_needs_15_cheaper() {
    let mut catalog: Vec<InstanceType> = assorted().into_iter().take(5).collect();
    catalog[0].offerings[0].price = 0.001;
    let spot = sorted_by_price(&catalog, CapacityType::Spot);
    let most = spot.last().unwrap().clone();
    let pools = [consolidation_pool()];
    let nodes = [node_on("n", &pools[0], &most, vec![Pod::new("p", 0, 0)])];
    let input = dinput(&pools, &catalog, &nodes, true);
    let cands = get_candidates(&input, true);
    let err = compute_consolidation(&input, &[&cands[0]], Method::SingleNodeConsolidation).unwrap_err();
    assert!(
        err.contains("SpotToSpotConsolidation requires 15 cheaper instance type options than the current candidate to consolidate, got 1"),
        "{err}"
    );
    assert_eq!(disruption::disrupt(&input), None);
}

/// Context("Replace") / It("cannot replace spot with spot if the spotToSpotConsolidation is disabled")
#[test]
fn spot_to_spot_disabled() {
    let catalog = assorted();
    let most = sorted_by_price(&catalog, CapacityType::Spot).pop().unwrap();
    let pools = [consolidation_pool()];
    let nodes = [node_on("n", &pools[0], &most, vec![Pod::new("p", 0, 0)])];
    let input = dinput(&pools, &catalog, &nodes, false);
    let cands = get_candidates(&input, true);
    let err = compute_consolidation(&input, &[&cands[0]], Method::SingleNodeConsolidation).unwrap_err();
    assert!(err.contains("SpotToSpotConsolidation is disabled, can't replace a spot node with a spot node"), "{err}");
    assert_eq!(single_node(&input), None);
}

/// Context("Replace") / It("cannot replace spot with spot if it is part of the 15 cheapest instance types.")
#[test]
fn spot_to_spot_current_among_15_cheapest() {
    let mut catalog: Vec<InstanceType> = assorted().into_iter().take(20).collect();
    catalog[0].offerings[0].price = 0.001;
    let spot = sorted_by_price(&catalog, CapacityType::Spot);
    let pools = [consolidation_pool()];
    let nodes = [node_on("n", &pools[0], &spot[1], vec![Pod::new("p", 0, 0)])];
    assert_eq!(disruption::disrupt(&dinput(&pools, &catalog, &nodes, true)), None);
}

fn eighteen_spot(min_values: usize) -> (Vec<InstanceType>, Vec<NodePool>) {
    let mut spot: Vec<InstanceType> =
        assorted().into_iter().filter(|it| it.offerings[0].capacity_type == CapacityType::Spot).take(18).collect();
    for (i, it) in spot.iter_mut().enumerate() {
        it.offerings[0].price = 1.00 + i as f64 * 0.1;
    }
    spot[16].offerings[0].price = 0.001;
    let pool = consolidation_pool()
        .with_requirement(req(labels::INSTANCE_TYPE, Operator::Exists, &[]).with_min_values(min_values));
    (spot, vec![pool])
}

/// Context("Replace") / It("spot to spot consolidation should consider the max of default and minimum number of
/// instanceTypeOptions from minValues in requirement for truncation if minimum number of instanceTypeOptions from
/// minValues in requirement is greater than 15.")
#[test]
fn spot_to_spot_truncation_min_values_16() {
    let (catalog, pools) = eighteen_spot(16);
    let nodes = [node_on("n", &pools[0], &catalog[17], vec![Pod::new("p", 0, 0)])];
    let cmd = disruption::disrupt(&dinput(&pools, &catalog, &nodes, true)).expect("a command");
    let r = cmd.replacement.unwrap();
    let names = r.instance_type_names();
    assert_eq!(names.len(), 16);
    assert!(names.contains(&catalog[16].name.as_str()));
    assert!(!names.contains(&catalog[17].name.as_str()));
}

/// Context("Replace") / It("spot to spot consolidation should consider the default for truncation if minimum number of
/// instanceTypeOptions from minValues in requirement is less than 15.")
#[test]
fn spot_to_spot_truncation_min_values_10() {
    let (catalog, pools) = eighteen_spot(10);
    let nodes = [node_on("n", &pools[0], &catalog[17], vec![Pod::new("p", 0, 0)])];
    let cmd = disruption::disrupt(&dinput(&pools, &catalog, &nodes, true)).expect("a command");
    let names = cmd.replacement.as_ref().unwrap().instance_type_names();
    assert_eq!(names.len(), 15);
    assert!(names.contains(&catalog[16].name.as_str()));
    // the 15 cheapest: [16] then [0..14]
    for it in catalog.iter().take(14) {
        assert!(names.contains(&it.name.as_str()));
    }
}

/// Context("Replace") / It("should handle failing filterOutSameInstanceType correctly (without a panic) when minValues isn't satisfied")
#[test]
fn filter_out_same_type_min_values_falls_back_to_delete() {
    let off = |p| vec![Offering::new("test-zone-1a", CapacityType::OnDemand, p)];
    let current = fake_it("current-on-demand", 5, 4 * GI, 5, "amd64", &["linux"], off(0.5));
    let other = fake_it("other-on-demand", 5, 4 * GI, 5, "amd64", &["linux"], off(0.4));
    let catalog = vec![current.clone(), other];
    let pools = [consolidation_pool()
        .with_requirement(req(labels::INSTANCE_TYPE, Operator::Exists, &[]).with_min_values(2))
        .with_requirement(req(labels::CAPACITY_TYPE, Operator::In, &["on-demand"]))];
    let mk = |name: &str, pods: Vec<Pod>| {
        let mut n = node_on(name, &pools[0], &current, pods);
        n.allocatable = Resources::new(4000, 1 << 40, 100);
        n
    };
    let p = |n: &str| Pod::new(n, 2000, 0);
    let nodes = [mk("n0", vec![p("p0")]), mk("n1", vec![p("p1")]), mk("n2", vec![p("p2"), p("p3")])];
    let input = dinput(&pools, &catalog, &nodes, true);
    assert_eq!(multi_node(&input), None);
    let cmd = disruption::disrupt(&input).expect("a command");
    assert!(cmd.is_delete());
    assert_eq!(cmd.candidates.len(), 1);
    assert_eq!(nodes.len() - cmd.candidates.len(), 2);
}

/// Context("Multi-NodeClaim") / It("can merge 3 nodes into 1")
#[test]
fn multi_node_merge_three_into_one() {
    let catalog = assorted();
    let most = sorted_by_price(&catalog, CapacityType::OnDemand).pop().unwrap();
    let pools = [consolidation_pool()];
    let nodes: Vec<ClusterNode> =
        (0..3).map(|i| node_on(&format!("n{i}"), &pools[0], &most, vec![Pod::new(format!("p{i}"), 0, 0)])).collect();
    let cmd = multi_node(&dinput(&pools, &catalog, &nodes, true)).expect("a command");
    assert_eq!(cmd.candidates.len(), 3);
    let r = cmd.replacement.expect("replace by one node");
    assert!(!r.instance_type_names().contains(&most.name.as_str()));
}

// =============================================================================================
// pkg/controllers/disruption/emptiness_test.go — Describe("Emptiness") / Context("Budgets"), 10 empty nodes.
// =============================================================================================

fn ten_empty(budget: &str) -> (Vec<InstanceType>, Vec<NodePool>, Vec<ClusterNode>) {
    let catalog = assorted();
    let least = sorted_by_price(&catalog, CapacityType::OnDemand).remove(0);
    let pools = vec![NodePool::new("default").with_budgets(vec![Budget::nodes(budget)])];
    let nodes = (0..10).map(|i| node_on(&format!("n{i}"), &pools[0], &least, vec![])).collect();
    (catalog, pools, nodes)
}

/// It("should only allow 3 empty nodes to be disrupted") — budget 30% of 10 → 3 deleted, 7 remain.
#[test]
fn emptiness_budget_30_percent() {
    let (catalog, pools, nodes) = ten_empty("30%");
    let cmd = emptiness(&dinput(&pools, &catalog, &nodes, false)).expect("a command");
    assert_eq!(cmd.candidates.len(), 3);
    assert_eq!(nodes.len() - cmd.candidates.len(), 7);
}

/// It("should allow all empty nodes to be disrupted") — budget 100%.
#[test]
fn emptiness_budget_100_percent() {
    let (catalog, pools, nodes) = ten_empty("100%");
    let cmd = emptiness(&dinput(&pools, &catalog, &nodes, false)).expect("a command");
    assert_eq!(cmd.candidates.len(), 10);
}
