//! Conformance cases ported from kubernetes/autoscaler (cluster-autoscaler) unit tests.
//! Each test names the upstream file, test function and sub-case; inputs and expected outputs
//! are the upstream ones (facts), adapted to this crate's types.

use std::collections::BTreeMap;

use capsim::autoscale::cluster_autoscaler::expander::{
    ExpanderContext, ExpansionOption, PreferredNode, PricingModel, PriorityConfig, choose, mostpods, price, priority,
    simple_node_unfitness, simple_preferred_node, waste,
};
use capsim::autoscale::cluster_autoscaler::{
    Allocatable, Backoff, ExpanderKind, InitContainer, Node, NodeGroup, Pod, PodKind, Requests, TopologyKey,
    TopologySpread, effective_requests, estimate, node_utilization,
};
use capsim::engine::{MINUTE, RngStreams, SECOND, StreamRng};

const MIB: u64 = 1024 * 1024;
const HOUR: u64 = 60 * MINUTE;

fn rng() -> StreamRng {
    RngStreams::new(42, "conformance-ca", 0).stream("expander")
}

// ---------------------------------------------------------------------------------------------
// cluster-autoscaler/estimator/binpacking_estimator_test.go — TestBinpackingEstimate
// Template node: makeNode(millicores, memory MiB, 10 pods); pods: BuildTestPod(cpu m, mem bytes).
// maxNodes 0 upstream = no limit.
// ---------------------------------------------------------------------------------------------

fn template(milli_cpu: u64, memory_mib: u64) -> NodeGroup {
    NodeGroup::new("template", Allocatable::new(milli_cpu, memory_mib * MIB, 10), 0, 1000, 0).with_zone("zone-mars")
}

fn pods(n: usize, milli_cpu: u64, memory: u64) -> Vec<Pod> {
    (0..n).map(|i| Pod::new(format!("estimatee-{milli_cpu}-{i}"), milli_cpu, memory).with_app("estimatee")).collect()
}

/// Sub-case "simple resource-based binpacking": 10 × 350m pods on 1000m nodes → 5 nodes, 10 pods.
#[test]
fn binpacking_simple_resource_based() {
    let est = estimate(&pods(10, 350, 1000), &template(350 * 3 - 50, 2 * 1000), None);
    assert_eq!(est.node_count, 5);
    assert_eq!(est.scheduled.len(), 10);
}

/// Sub-case "pods-per-node bound binpacking": 20 tiny pods, 10 pods per node → 2 nodes.
#[test]
fn binpacking_pods_per_node_bound() {
    let est = estimate(&pods(20, 10, 100), &template(10000, 20000), None);
    assert_eq!(est.node_count, 2);
    assert_eq!(est.scheduled.len(), 20);
}

/// Sub-case "hostport conflict forces pod-per-node": 8 pods on host port 5555 → 8 nodes.
#[test]
fn binpacking_hostport_conflict() {
    let ps: Vec<Pod> = pods(8, 200, 1000).into_iter().map(|p| p.with_host_port(5555)).collect();
    let est = estimate(&ps, &template(1000, 5000), None);
    assert_eq!(est.node_count, 8);
    assert_eq!(est.scheduled.len(), 8);
}

/// Sub-case "limiter cuts binpacking": 20 × 500m pods, maxNodes 5 → 5 nodes, 10 pods.
#[test]
fn binpacking_limiter_cuts() {
    let est = estimate(&pods(20, 500, 1000), &template(1000, 5000), Some(5));
    assert_eq!(est.node_count, 5);
    assert_eq!(est.scheduled.len(), 10);
}

/// Sub-case "decreasing ordered pods are processed first": 10 × 50m listed before 10 × 500m,
/// maxNodes 5 → the 500m pods are packed first and are exactly the processed pods.
#[test]
fn binpacking_decreasing_order_processed_first() {
    let mut ps = pods(10, 50, 1000);
    ps.extend(pods(10, 500, 1000));
    let est = estimate(&ps, &template(1000, 5000), Some(5));
    assert_eq!(est.node_count, 5);
    assert_eq!(est.scheduled.len(), 10);
    assert_eq!(est.scheduled, (10..20).collect::<Vec<_>>());
}

/// Sub-case "hostname topology spreading with maxSkew=2 forces 2 pods/node" (an existing
/// node "oldnode" with no matching pod keeps the minimum domain count at 0).
#[test]
fn binpacking_hostname_spread_max_skew_2() {
    let spread = TopologySpread { key: TopologyKey::Hostname, max_skew: 2, existing_domain_min: Some(0) };
    let ps: Vec<Pod> = pods(8, 20, 100).into_iter().map(|p| p.with_spread(spread.clone())).collect();
    let est = estimate(&ps, &template(1000, 5000), None);
    assert_eq!(est.node_count, 4);
    assert_eq!(est.scheduled.len(), 8);
}

/// Sub-case "zonal topology spreading with maxSkew=2 only allows 2 pods to schedule"
/// (oldnode sits in zone-jupiter with 0 matching pods; all new nodes are in zone-mars).
#[test]
fn binpacking_zonal_spread_max_skew_2() {
    let spread = TopologySpread { key: TopologyKey::Zone, max_skew: 2, existing_domain_min: Some(0) };
    let ps: Vec<Pod> = pods(8, 20, 100).into_iter().map(|p| p.with_spread(spread.clone())).collect();
    let est = estimate(&ps, &template(1000, 5000), None);
    assert_eq!(est.node_count, 1);
    assert_eq!(est.scheduled.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// cluster-autoscaler/expander/waste/waste_test.go — TestLeastWaste
// cpuPerPod 500m, memoryPerPod 1000 MiB; balanced 16×/16×, highmem 16×/32×, lowcpu 8×/16×.
// ---------------------------------------------------------------------------------------------

fn waste_group(id: &str, cpu_mult: u64, mem_mult: u64) -> NodeGroup {
    NodeGroup::new(id, Allocatable::new(cpu_mult * 500, mem_mult * 1000 * MIB, 100), 1, 2, 2)
}

fn waste_option(id: &str, pods: Vec<Pod>) -> ExpansionOption {
    ExpansionOption { group_id: id.into(), node_count: 1, pods }
}

/// Steps "without any pods, one node info" and "with one pod, one node info": the single
/// option is returned.
#[test]
fn least_waste_single_option() {
    let groups = vec![waste_group("balanced", 16, 16)];
    let ctx = ExpanderContext::new(&groups);
    let no_pods = vec![waste_option("balanced", vec![])];
    assert_eq!(waste::waste_score(&no_pods[0], &groups), Some(2.0));
    assert_eq!(choose(&[ExpanderKind::LeastWaste], &no_pods, &ctx, &mut rng()).index, Some(0));
    let one_pod = vec![waste_option("balanced", vec![Pod::new("p", 500, 1000 * MIB)])];
    assert_eq!(choose(&[ExpanderKind::LeastWaste], &one_pod, &ctx, &mut rng()).index, Some(0));
}

/// Steps "one pod, two node infos (balanced vs highmem)" → balanced, and "three node infos"
/// → lowcpu.
#[test]
fn least_waste_prefers_tightest_fit() {
    let groups = vec![waste_group("balanced", 16, 16), waste_group("highmem", 16, 32), waste_group("lowcpu", 8, 16)];
    let pod = Pod::new("p", 500, 1000 * MIB);
    let opts = vec![
        waste_option("balanced", vec![pod.clone()]),
        waste_option("highmem", vec![pod.clone()]),
        waste_option("lowcpu", vec![pod]),
    ];
    assert_eq!(waste::waste_score(&opts[0], &groups), Some(15.0 / 16.0 + 15.0 / 16.0));
    assert_eq!(waste::waste_score(&opts[1], &groups), Some(15.0 / 16.0 + 31.0 / 32.0));
    assert_eq!(waste::waste_score(&opts[2], &groups), Some(7.0 / 8.0 + 15.0 / 16.0));
    let ctx = ExpanderContext::new(&groups);
    assert_eq!(choose(&[ExpanderKind::LeastWaste], &opts[..2], &ctx, &mut rng()).index, Some(0));
    assert_eq!(choose(&[ExpanderKind::LeastWaste], &opts, &ctx, &mut rng()).index, Some(2));
}

// ---------------------------------------------------------------------------------------------
// cluster-autoscaler/expander/mostpods/mostpods_test.go — TestMostPods
// ---------------------------------------------------------------------------------------------

#[test]
fn most_pods() {
    let eo = |id: &str, n: usize| ExpansionOption { group_id: id.into(), node_count: 1, pods: pods(n, 1, 1) };
    let (eo0, eo1, eo1b) = (eo("EO0", 0), eo("EO1", 1), eo("EO1b", 1));
    assert_eq!(mostpods::best_options(std::slice::from_ref(&eo0), &[0]).0, vec![0]);
    assert_eq!(mostpods::best_options(&[eo0.clone(), eo1.clone()], &[0, 1]).0, vec![1]);
    let all = [eo0, eo1, eo1b];
    assert_eq!(mostpods::best_options(&all, &[0, 1, 2]).0, vec![1, 2]);
    let groups: Vec<NodeGroup> = Vec::new();
    let pick = choose(&[ExpanderKind::MostPods], &all, &ExpanderContext::new(&groups), &mut rng()).index;
    assert!(pick == Some(1) || pick == Some(2));
}

// ---------------------------------------------------------------------------------------------
// cluster-autoscaler/expander/priority/priority_test.go (configs `config`, `oneEntryConfig`,
// `wildcardMatchConfig`; groups my-asg.t2.micro, my-asg.t2.large, my-asg.t3.large,
// my-asg.m4.4xlarge)
// ---------------------------------------------------------------------------------------------

const PRIO_CONFIG: &str = "
5:
  - \".*t2\\\\.micro.*\"
10: 
  - \".*t2\\\\.large.*\"
  - \".*t3\\\\.large.*\"
50: 
  - \".*m4\\\\.4xlarge.*\"
";
const PRIO_ONE_ENTRY: &str = "
10: 
  - \".*t2\\\\.large.*\"
";
const PRIO_WILDCARD: &str = "
5:
  - \".*\"
10:
  - \".t2\\\\.large.*\"
";

fn eo(group: &str) -> ExpansionOption {
    ExpansionOption { group_id: group.into(), node_count: 1, pods: Vec::new() }
}

fn prio_choose(cfg: &PriorityConfig, opts: &[ExpansionOption], r: &mut StreamRng) -> Option<String> {
    let groups: Vec<NodeGroup> = Vec::new();
    let ctx = ExpanderContext { priorities: Some(cfg), ..ExpanderContext::new(&groups) };
    choose(&[ExpanderKind::Priority], opts, &ctx, r).index.map(|i| opts[i].group_id.clone())
}

/// TestPriorityExpanderCorrecltySelectsSingleMatchingOptionOutOfOne and …OutOfMany.
#[test]
fn priority_selects_single_matching_option() {
    let cfg = PriorityConfig::from_yaml(PRIO_CONFIG).unwrap();
    let mut r = rng();
    assert_eq!(prio_choose(&cfg, &[eo("my-asg.t2.large")], &mut r).as_deref(), Some("my-asg.t2.large"));
    let many = [eo("my-asg.t2.large"), eo("my-asg.m4.4xlarge")];
    assert_eq!(prio_choose(&cfg, &many, &mut r).as_deref(), Some("my-asg.m4.4xlarge"));
}

/// TestPriorityExpanderDoesNotFallBackToRandomWhenHigherPriorityMatches (10 iterations).
#[test]
fn priority_higher_priority_beats_wildcard() {
    let cfg = PriorityConfig::from_yaml(PRIO_WILDCARD).unwrap();
    let mut r = rng();
    for _ in 0..10 {
        let opts = [eo("my-asg.t2.large"), eo("my-asg.t2.micro")];
        assert_eq!(prio_choose(&cfg, &opts, &mut r).as_deref(), Some("my-asg.t2.large"));
    }
}

/// TestPriorityExpanderCorrecltySelectsOneOfTwoMatchingOptionsOutOfMany and
/// TestPriorityExpanderCorrecltyFallsBackToRandomWhenNoMatches: ties at priority 10 are
/// left to random; the filter itself keeps exactly the two tied options.
#[test]
fn priority_ties_go_to_random() {
    let cfg = PriorityConfig::from_yaml(PRIO_CONFIG).unwrap();
    let opts = [eo("my-asg.t2.large"), eo("my-asg.t3.large"), eo("my-asg.t2.micro")];
    assert_eq!(cfg.best_options(&opts, &[0, 1, 2]).0, vec![0, 1]);
    let mut r = rng();
    let mut seen = BTreeMap::new();
    for _ in 0..10 {
        let g = prio_choose(&cfg, &opts, &mut r).unwrap();
        assert!(g == "my-asg.t2.large" || g == "my-asg.t3.large");
        *seen.entry(g).or_insert(0) += 1;
        let g2 = prio_choose(&cfg, &opts[..2], &mut r).unwrap();
        assert!(g2 == "my-asg.t2.large" || g2 == "my-asg.t3.large");
    }
    // The seeded tie-break really varies between the two tied groups.
    assert_eq!(seen.len(), 2);
}

/// TestPriorityExpanderCorrecltyHandlesConfigUpdate: oneEntryConfig → t2.large (t3.large and
/// m4.4xlarge not in config); after updating to `config` → m4.4xlarge.
#[test]
fn priority_config_update() {
    let opts = [eo("my-asg.t2.large"), eo("my-asg.t3.large"), eo("my-asg.m4.4xlarge")];
    let one = PriorityConfig::from_yaml(PRIO_ONE_ENTRY).unwrap();
    let (best, note) = one.best_options(&opts, &[0, 1, 2]);
    assert_eq!(best, vec![0]);
    assert!(note.contains("my-asg.t3.large") && note.contains("my-asg.m4.4xlarge"), "{note}");
    let full = PriorityConfig::from_yaml(PRIO_CONFIG).unwrap();
    assert_eq!(prio_choose(&full, &opts, &mut rng()).as_deref(), Some("my-asg.m4.4xlarge"));
}

/// TestPriorityExpanderCorrecltySkipsBadChangeConfig: an empty config is rejected with the
/// upstream message and yields no option.
#[test]
fn priority_empty_config_rejected() {
    let err = PriorityConfig::from_yaml("").unwrap_err();
    assert_eq!(err, priority::PriorityConfigError::Empty);
    assert_eq!(
        err.to_string(),
        "priority configuration in cluster-autoscaler-priority-expander configmap is empty; please provide valid configuration"
    );
    let groups: Vec<NodeGroup> = Vec::new();
    let ctx = ExpanderContext::new(&groups); // no config map
    assert_eq!(choose(&[ExpanderKind::Priority], &[eo("my-asg.t2.large")], &ctx, &mut rng()).index, None);
}

// ---------------------------------------------------------------------------------------------
// cluster-autoscaler/expander/price/price_test.go — TestPriceExpander
// n1: 1000m (ng1), n2: 4000m (ng2), n3: 4000m (autoprovisioned MT1, does not exist);
// p1 1000m, p2 500m; pod prices p1 20, p2 10, stabilize 10.
// ---------------------------------------------------------------------------------------------

struct TablePricing {
    nodes: BTreeMap<&'static str, f64>,
    pods: BTreeMap<&'static str, f64>,
}

impl PricingModel for TablePricing {
    fn node_price(&self, group: &NodeGroup) -> Option<f64> {
        self.nodes.get(group.id.as_str()).copied()
    }
    fn pod_price(&self, pod: &Pod) -> Option<f64> {
        self.pods.get(pod.name.as_str()).copied()
    }
}

fn price_groups() -> Vec<NodeGroup> {
    let mut ng3 = NodeGroup::new("ng3", Allocatable::new(4000, 1000, 110), 0, 10, 0);
    ng3.exists = false;
    vec![
        NodeGroup::new("ng1", Allocatable::new(1000, 1000, 110), 1, 10, 1),
        NodeGroup::new("ng2", Allocatable::new(4000, 1000, 110), 1, 10, 1),
        ng3,
    ]
}

fn pricing(n1: f64, n2: f64, n3: Option<f64>) -> TablePricing {
    let mut nodes = BTreeMap::from([("ng1", n1), ("ng2", n2)]);
    if let Some(p) = n3 {
        nodes.insert("ng3", p);
    }
    TablePricing { nodes, pods: BTreeMap::from([("p1", 20.0), ("p2", 10.0), ("stabilize", 10.0)]) }
}

fn popt(group: &str, n: u32, names: &[&str]) -> ExpansionOption {
    let pods = names.iter().map(|&p| Pod::new(p, if p == "p1" { 1000 } else { 500 }, 0)).collect();
    ExpansionOption { group_id: group.into(), node_count: n, pods }
}

fn price_pick(opts: &[ExpansionOption], pm: &TablePricing, preferred_cpu: u64) -> Option<String> {
    let groups = price_groups();
    let ctx = ExpanderContext {
        pricing: Some(pm),
        preferred_node: PreferredNode { milli_cpu: preferred_cpu, memory: 1024 * MIB },
        ..ExpanderContext::new(&groups)
    };
    choose(&[ExpanderKind::Price], opts, &ctx, &mut rng()).index.map(|i| opts[i].group_id.clone())
}

/// Sub-cases "First node group is cheaper" and "First node group is cheaper, however, the
/// second one is preferred".
#[test]
fn price_cheaper_vs_preferred() {
    let opts = [popt("ng1", 2, &["p1", "p2"]), popt("ng2", 1, &["p1", "p2"])];
    assert_eq!(price_pick(&opts, &pricing(20.0, 200.0, None), 2000).as_deref(), Some("ng1"));
    assert_eq!(price_pick(&opts, &pricing(50.0, 200.0, None), 4000).as_deref(), Some("ng2"));
    // Scores behind the second sub-case: ng2 = (200+10)/(30+10) × 1 = 5.25.
    let groups = price_groups();
    let s = price::option_score(
        &opts[1],
        &groups[1],
        &pricing(50.0, 200.0, None),
        PreferredNode { milli_cpu: 4000, memory: 0 },
    );
    assert_eq!(s, Some(5.25));
}

/// Sub-case "First node group is cheaper, the second is preferred but there is lots of nodes
/// to be created" (80 vs 40 nodes): unfitness is suppressed, ng1 wins.
#[test]
fn price_many_nodes_suppress_unfitness() {
    let opts = [popt("ng1", 80, &["p1", "p2"]), popt("ng2", 40, &["p1", "p2"])];
    assert_eq!(price_pick(&opts, &pricing(20.0, 200.0, None), 4000).as_deref(), Some("ng1"));
}

/// Sub-cases "Second node group is cheaper" and "Both node groups are equally expensive.
/// However 2 accept two pods".
#[test]
fn price_second_cheaper_and_more_pods() {
    let opts = [popt("ng1", 2, &["p1", "p2"]), popt("ng2", 1, &["p1", "p2"])];
    assert_eq!(price_pick(&opts, &pricing(200.0, 100.0, None), 2000).as_deref(), Some("ng2"));
    let opts2 = [popt("ng1", 2, &["p1"]), popt("ng2", 1, &["p1", "p2"])];
    assert_eq!(price_pick(&opts2, &pricing(200.0, 200.0, None), 2000).as_deref(), Some("ng2"));
}

/// Sub-case "Errors are expected": no prices at all → no option.
#[test]
fn price_unknown_prices_give_no_option() {
    let opts2 = [popt("ng1", 2, &["p1"]), popt("ng2", 1, &["p1", "p2"])];
    let empty = TablePricing { nodes: BTreeMap::new(), pods: BTreeMap::new() };
    assert_eq!(price_pick(&opts2, &empty, 2000), None);
}

/// Sub-cases "Choose existing group when non-existing has the same price" and "Choose
/// non-existing group when non-existing is cheaper" (not-exist penalty ×2).
#[test]
fn price_non_existing_group_penalty() {
    let opts3 = [popt("ng1", 2, &["p1"]), popt("ng2", 1, &["p1", "p2"]), popt("ng3", 1, &["p1", "p2"])];
    assert_eq!(price_pick(&opts3, &pricing(200.0, 200.0, Some(200.0)), 2000).as_deref(), Some("ng2"));
    assert_eq!(price_pick(&opts3, &pricing(200.0, 200.0, Some(90.0)), 2000).as_deref(), Some("ng3"));
}

/// cluster-autoscaler/expander/price/preferred_test.go — TestPreferred: 3 nodes → preferred
/// node has 2 CPUs; unfitness(1 CPU, 2 CPU) = 2 both ways, 1 for the same node.
#[test]
fn price_preferred_node_and_unfitness() {
    assert_eq!(simple_preferred_node(3).milli_cpu, 2000);
    assert_eq!(simple_node_unfitness(1000, 2000), 2.0);
    assert_eq!(simple_node_unfitness(2000, 1000), 2.0);
    assert_eq!(simple_node_unfitness(1000, 1000), 1.0);
}

// ---------------------------------------------------------------------------------------------
// cluster-autoscaler/simulator/utilization/info_test.go — TestCalculate
// node 2000m / 2000000 B; pod 100m / 200000 B; pod2 without requests.
// ---------------------------------------------------------------------------------------------

fn util_node(pods: Vec<Pod>) -> Node {
    Node::new("node1", "ng", Allocatable::new(2000, 2_000_000, 110)).with_pods(pods)
}

fn pod() -> Pod {
    Pod::new("p1", 100, 200_000)
}
fn pod2() -> Pod {
    Pod::new("p2", 0, 0)
}
fn ds_pod(name: &str) -> Pod {
    Pod::new(name, 100, 200_000).with_kind(PodKind::DaemonSet)
}
fn mirror_pod() -> Pod {
    Pod::new("p4", 100, 200_000).with_kind(PodKind::Mirror)
}

const TEST_TIME: u64 = 10 * HOUR;

/// First block (pod, pod, pod2): utilization 2/10 (memory), CPU 0.1; and node2 without a
/// memory allocatable → error.
#[test]
fn utilization_basic_and_missing_allocatable() {
    let u = node_utilization(&util_node(vec![pod(), pod(), pod2()]), false, false, TEST_TIME).unwrap();
    assert!((u.utilization - 0.2).abs() < 1e-12);
    assert_eq!(u.cpu, 0.1);
    let node2 = Node::new("node2", "ng", Allocatable::new(2000, 0, 110)).with_pods(vec![pod(), pod(), pod2()]);
    assert!(node_utilization(&node2, false, false, TEST_TIME).is_err());
}

/// Init-container block (node3: pod, podWithInitContainers, podWithLargeNonRestartableInit
/// Containers): utilization 50.25, CPU 25.125.
#[test]
fn utilization_init_containers() {
    let main = [Requests::new(100, 200_000)];
    let p_init = effective_requests(
        &main,
        &[
            InitContainer { requests: Requests::new(50, 100_000), restart_always: true },
            InitContainer { requests: Requests::new(5, 100), restart_always: false },
        ],
    );
    let p_large = effective_requests(
        &main,
        &[InitContainer { requests: Requests::new(50_000, 100_000_000), restart_always: false }],
    );
    let mut a = Pod::new("p-init", 0, 0);
    a.requests = p_init;
    let mut b = Pod::new("p-large-init", 0, 0);
    b.requests = p_large;
    let u = node_utilization(&util_node(vec![pod(), a, b]), false, false, TEST_TIME).unwrap();
    assert!((u.utilization - 50.25).abs() < 1e-9);
    assert_eq!(u.cpu, 25.125);
}

/// DaemonSet blocks: skipped → 2.5/10; not skipped (pod, pod2, ds) → 2/10.
#[test]
fn utilization_daemonsets() {
    let n = util_node(vec![pod(), pod(), pod2(), ds_pod("p3"), ds_pod("p4")]);
    let u = node_utilization(&n, true, false, TEST_TIME).unwrap();
    assert!((u.utilization - 0.25).abs() < 1e-12);
    let n = util_node(vec![pod(), pod2(), ds_pod("p3")]);
    assert!((node_utilization(&n, false, false, TEST_TIME).unwrap().utilization - 0.2).abs() < 1e-12);
}

/// Terminated-pod block: a pod deleted 10 minutes ago (default grace 30 s) is ignored → 2/10.
#[test]
fn utilization_long_terminating_pod_ignored() {
    let terminated = Pod::new("podTerminated", 100, 200_000).deleted_at(TEST_TIME - 10 * MINUTE, 30 * SECOND);
    let n = util_node(vec![pod(), pod(), pod2(), terminated]);
    assert!((node_utilization(&n, false, false, TEST_TIME).unwrap().utilization - 0.2).abs() < 1e-12);
}

/// Mirror-pod blocks: skipped → 2/9; not skipped (pod, pod2, mirror) → 2/10; DaemonSet and
/// mirror both skipped (pod, mirror, ds) → 1/8.
#[test]
fn utilization_mirror_pods() {
    let n = util_node(vec![pod(), pod(), pod2(), mirror_pod()]);
    assert!((node_utilization(&n, false, true, TEST_TIME).unwrap().utilization - 2.0 / 9.0).abs() < 1e-12);
    let n = util_node(vec![pod(), pod2(), mirror_pod()]);
    assert!((node_utilization(&n, false, false, TEST_TIME).unwrap().utilization - 0.2).abs() < 1e-12);
    let n = util_node(vec![pod(), mirror_pod(), ds_pod("p3")]);
    assert!((node_utilization(&n, true, true, TEST_TIME).unwrap().utilization - 1.0 / 8.0).abs() < 1e-12);
}

// ---------------------------------------------------------------------------------------------
// cluster-autoscaler/utils/backoff/exponential_backoff_test.go
// ---------------------------------------------------------------------------------------------

const T0: u64 = 1_000 * HOUR;

/// TestBackoffTwoKeys: backoff (10m, max 1h) of id1 at +1m does not touch id2; over at +11m.
#[test]
fn backoff_two_keys() {
    let mut b = Backoff::new(10 * MINUTE, HOUR, 3 * HOUR);
    assert!(!b.is_backed_off("id1", T0));
    assert!(!b.is_backed_off("id2", T0));
    b.backoff("id1", T0 + MINUTE);
    assert!(b.is_backed_off("id1", T0 + 2 * MINUTE));
    assert!(!b.is_backed_off("id2", T0));
    assert!(!b.is_backed_off("id1", T0 + 11 * MINUTE));
}

/// TestMaxBackoff: 1m initial, 3m max: a failure right at the end of a backoff keeps 1m; the
/// next one after it doubles to 2m.
#[test]
fn backoff_max() {
    let mut b = Backoff::new(MINUTE, 3 * MINUTE, 3 * HOUR);
    b.backoff("id1", T0);
    assert!(b.is_backed_off("id1", T0));
    assert!(!b.is_backed_off("id1", T0 + MINUTE));
    b.backoff("id1", T0 + MINUTE);
    assert!(b.is_backed_off("id1", T0 + MINUTE));
    assert!(!b.is_backed_off("id1", T0 + 3 * MINUTE));
    b.backoff("id1", T0 + 3 * MINUTE);
    assert!(b.is_backed_off("id1", T0 + 3 * MINUTE));
    assert!(!b.is_backed_off("id1", T0 + 6 * MINUTE));
}

/// TestRemoveBackoff and TestResetStaleBackoffData.
#[test]
fn backoff_remove_and_reset_stale() {
    let mut b = Backoff::new(MINUTE, 3 * MINUTE, 3 * HOUR);
    b.backoff("id1", T0);
    assert!(b.is_backed_off("id1", T0));
    b.remove("id1");
    assert!(!b.is_backed_off("id1", T0));

    let mut b = Backoff::new(MINUTE, 3 * MINUTE, 3 * HOUR);
    b.backoff("id1", T0);
    b.backoff("id2", T0 + HOUR);
    b.remove_stale(T0 + HOUR);
    assert_eq!(b.len(), 2);
    b.remove_stale(T0 + 4 * HOUR);
    assert_eq!(b.len(), 1);
    b.remove_stale(T0 + 5 * HOUR);
    assert_eq!(b.len(), 0);
}
