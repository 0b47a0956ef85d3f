//! Behavioural unit tests of the decision functions (the upstream-table cases live in
//! `tests/conformance_cluster_autoscaler.rs`).

use super::*;
use crate::engine::{MINUTE, RngStreams, SECOND, StreamRng};

const GIB: u64 = 1024 * 1024 * 1024;

fn rng() -> StreamRng {
    RngStreams::new(1, "ca-unit", 0).stream("expander")
}

fn d4() -> Allocatable {
    Allocatable::new(2000, 8 * GIB, 30)
}

fn pending(n: usize, cpu: u64) -> Vec<Pod> {
    (0..n).map(|i| Pod::new(format!("p{i}"), cpu, GIB)).collect()
}

fn run_up(groups: &[NodeGroup], nodes: &[Node], pods: &[Pod], backoff: &Backoff, now: u64) -> ScaleUpOutcome {
    let cfg = AutoscalerConfig::default();
    let input = ScaleUpInput {
        groups,
        nodes,
        pending: pods,
        now,
        config: &cfg,
        backoff,
        expander: ExpanderContext::new(groups),
    };
    scale_up(&input, &mut rng())
}

#[test]
fn scale_up_binpacks_pending_pods() {
    let groups = [NodeGroup::new("pool", d4(), 1, 10, 1)];
    let full = Node::new("n0", "pool", d4()).with_pods(pending(4, 500));
    let out = run_up(&groups, &[full], &pending(10, 500), &Backoff::from_config(&AutoscalerConfig::default()), 0);
    let up = out.scale_up.expect("scale-up");
    assert_eq!((up.group_id.as_str(), up.delta, up.new_target), ("pool", 3, 4));
    assert_eq!(up.pods_helped.len(), 10);
}

#[test]
fn scale_up_counts_upcoming_nodes_and_caps_at_max() {
    // Target 3, one registered (full): two upcoming nodes absorb 8 pods; 2 remain → 1 node.
    let groups = [NodeGroup::new("pool", d4(), 1, 10, 3)];
    let full = Node::new("n0", "pool", d4()).with_pods(pending(4, 500));
    let b = Backoff::from_config(&AutoscalerConfig::default());
    let out = run_up(&groups, std::slice::from_ref(&full), &pending(10, 500), &b, 0);
    assert_eq!(out.schedulable_pods.len(), 8);
    assert_eq!(out.scale_up.unwrap().delta, 1);
    // Max 4 with target 3: only one node may be added for 5 pods needing 2 nodes.
    let groups = [NodeGroup::new("pool", d4(), 1, 4, 3)];
    let out = run_up(&groups, &[full], &pending(13, 500), &b, 0);
    let up = out.scale_up.unwrap();
    assert_eq!((up.delta, up.new_target, up.pods_helped.len()), (1, 4, 4));
}

#[test]
fn scale_up_skips_backed_off_full_and_unfit_groups() {
    let big = NodeGroup::new("big", Allocatable::new(8000, 32 * GIB, 30), 0, 5, 0);
    let small = NodeGroup::new("small", d4(), 0, 5, 0);
    let maxed = NodeGroup::new("maxed", d4(), 0, 2, 2);
    let groups = [big, maxed, small];
    let mut b = Backoff::from_config(&AutoscalerConfig::default());
    b.backoff("big", 0);
    let out = run_up(&groups, &[], &pending(1, 4000), &b, MINUTE);
    assert!(out.scale_up.is_none());
    assert_eq!(
        out.skipped_groups,
        vec![
            ("big".to_string(), GroupSkip::BackedOff { until: 5 * MINUTE }),
            ("maxed".to_string(), GroupSkip::MaxSizeReached),
            ("small".to_string(), GroupSkip::NoPodFits),
        ]
    );
    // After the backoff expires the big group helps.
    let out = run_up(&groups, &[], &pending(1, 4000), &b, 5 * MINUTE);
    assert_eq!(out.scale_up.unwrap().group_id, "big");
}

#[test]
fn scale_up_ignores_expendable_and_new_pods() {
    let groups = [NodeGroup::new("pool", d4(), 0, 5, 0)];
    let cfg = AutoscalerConfig { new_pod_scale_up_delay: 30 * SECOND, ..Default::default() };
    let pods =
        vec![Pod::new("expendable", 500, GIB).with_priority(-11), Pod::new("young", 500, GIB).created_at(10 * SECOND)];
    let b = Backoff::from_config(&cfg);
    let input = ScaleUpInput {
        groups: &groups,
        nodes: &[],
        pending: &pods,
        now: 20 * SECOND,
        config: &cfg,
        backoff: &b,
        expander: ExpanderContext::new(&groups),
    };
    let out = scale_up(&input, &mut rng());
    assert_eq!(out.ignored_pods, vec!["expendable".to_string(), "young".to_string()]);
    assert!(out.scale_up.is_none());
    let input = ScaleUpInput { now: 40 * SECOND, ..input };
    assert_eq!(scale_up(&input, &mut rng()).scale_up.unwrap().pods_helped, vec!["young".to_string()]);
}

#[test]
fn expander_chain_priority_then_least_waste() {
    let groups = [
        NodeGroup::new("spot-a", d4(), 0, 5, 0),
        NodeGroup::new("spot-b", Allocatable::new(4000, 16 * GIB, 30), 0, 5, 0),
        NodeGroup::new("ondemand", d4(), 0, 5, 0),
    ];
    let prio = PriorityConfig::from_yaml("10:\n  - \"^spot-.*\"\n1:\n  - \".*\"\n").unwrap();
    let cfg =
        AutoscalerConfig { expanders: ExpanderKind::parse_list("priority,least-waste").unwrap(), ..Default::default() };
    let b = Backoff::from_config(&cfg);
    let pods = pending(1, 1500);
    let input = ScaleUpInput {
        groups: &groups,
        nodes: &[],
        pending: &pods,
        now: 0,
        config: &cfg,
        backoff: &b,
        expander: ExpanderContext { priorities: Some(&prio), ..ExpanderContext::new(&groups) },
    };
    let up = scale_up(&input, &mut rng()).scale_up.unwrap();
    assert_eq!(up.group_id, "spot-a");
    assert!(up.reason.contains("priority: 10") && up.reason.contains("least-waste"), "{}", up.reason);
}

fn sd_input<'a>(groups: &'a [NodeGroup], nodes: &'a [Node], cfg: &'a AutoscalerConfig, now: u64) -> ScaleDownInput<'a> {
    ScaleDownInput { groups, nodes, now, config: cfg, scaled_up_this_loop: false }
}

#[test]
fn scale_down_after_unneeded_time_respecting_min_size() {
    let cfg = AutoscalerConfig::default();
    let groups = [NodeGroup::new("pool", d4(), 1, 5, 2)];
    let busy = Node::new("a", "pool", d4()).with_pods(pending(2, 500)); // 50%: not a candidate
    let idle = Node::new("b", "pool", d4())
        .with_pods(vec![Pod::new("web", 200, GIB), Pod::new("kube-proxy", 100, 100).with_kind(PodKind::DaemonSet)]);
    let nodes = [busy, idle];
    let mut st = ScaleDownState::default();
    let plan = plan_scale_down(&mut st, &sd_input(&groups, &nodes, &cfg, 0));
    assert_eq!(plan.unneeded.len(), 1);
    assert_eq!(plan.unneeded[0].0, "b");
    assert!(plan.delete.is_empty());
    assert!(matches!(plan.unremovable[0].1, Unremovable::NotUnderutilized { .. }));
    // Exactly 10 min later it is not yet removable (strict comparison); 1 ms later it is.
    let plan = plan_scale_down(&mut st, &sd_input(&groups, &nodes, &cfg, 10 * MINUTE));
    assert!(plan.delete.is_empty());
    let plan = plan_scale_down(&mut st, &sd_input(&groups, &nodes, &cfg, 10 * MINUTE + 1));
    assert_eq!(plan.delete.len(), 1);
    assert!(!plan.delete[0].empty);
    assert_eq!(st.unneeded_since("b"), Some(0));
    // With min size 2 the group may not shrink.
    let groups = [NodeGroup::new("pool", d4(), 2, 5, 2)];
    let plan = plan_scale_down(&mut st, &sd_input(&groups, &nodes, &cfg, 11 * MINUTE));
    assert!(plan.delete.is_empty());
    assert!(plan.unremovable.iter().any(|(n, r)| n == "b" && *r == Unremovable::NodeGroupMinSizeReached));
}

#[test]
fn scale_down_cooldowns_and_blocking_pods() {
    let cfg = AutoscalerConfig::default();
    let groups = [NodeGroup::new("pool", d4(), 0, 5, 2)];
    let nodes =
        [Node::new("a", "pool", d4()), Node::new("b", "pool", d4()).with_pods(vec![Pod::new("x", 100, 1).blocking()])];
    let mut st = ScaleDownState::default();
    st.record_scale_up(0);
    let plan = plan_scale_down(&mut st, &sd_input(&groups, &nodes, &cfg, 0));
    assert_eq!(plan.blocked.as_deref(), Some("scale-down-delay-after-add"));
    assert_eq!(plan.unneeded.len(), 1); // tracking continues during cooldown
    assert_eq!(plan.unremovable, vec![("b".to_string(), Unremovable::BlockedByPod("x".into()))]);
    let plan = plan_scale_down(&mut st, &sd_input(&groups, &nodes, &cfg, 10 * MINUTE + 1));
    assert_eq!(plan.blocked, None);
    assert_eq!(plan.delete.len(), 1);
    assert!(plan.delete[0].empty);
    let scaled = ScaleDownInput { scaled_up_this_loop: true, ..sd_input(&groups, &nodes, &cfg, 20 * MINUTE) };
    assert_eq!(plan_scale_down(&mut st, &scaled).blocked.as_deref(), Some("scale-up in this loop"));
}

#[test]
fn scale_down_empty_bulk_limit_and_single_drain() {
    let cfg = AutoscalerConfig { max_empty_bulk_delete: 3, ..Default::default() };
    let groups = [NodeGroup::new("pool", d4(), 0, 20, 8)];
    let mut nodes: Vec<Node> = (0..6).map(|i| Node::new(format!("e{i}"), "pool", d4())).collect();
    nodes.push(Node::new("x", "pool", d4()).with_pods(vec![Pod::new("a", 100, GIB)]));
    nodes.push(Node::new("y", "pool", d4()).with_pods(vec![Pod::new("b", 100, GIB)]));
    let mut st = ScaleDownState::default();
    plan_scale_down(&mut st, &sd_input(&groups, &nodes, &cfg, 0));
    let plan = plan_scale_down(&mut st, &sd_input(&groups, &nodes, &cfg, 11 * MINUTE));
    let empty: Vec<_> = plan.delete.iter().filter(|d| d.empty).map(|d| d.node.as_str()).collect();
    let drain: Vec<_> = plan.delete.iter().filter(|d| !d.empty).map(|d| d.node.as_str()).collect();
    assert_eq!(empty, vec!["e0", "e1", "e2"]);
    assert_eq!(drain.len(), 1);
}

#[test]
fn scale_down_pods_need_room_elsewhere() {
    let cfg = AutoscalerConfig::default();
    let groups = [NodeGroup::new("pool", d4(), 0, 5, 2)];
    // Both nodes at 45% CPU: each could move to the other, but not both.
    let nodes = [
        Node::new("a", "pool", d4()).with_pods(vec![Pod::new("pa", 900, GIB)]),
        Node::new("b", "pool", d4()).with_pods(vec![Pod::new("pb", 900, GIB)]),
    ];
    let mut st = ScaleDownState::default();
    let plan = plan_scale_down(&mut st, &sd_input(&groups, &nodes, &cfg, 0));
    assert_eq!(plan.unneeded.iter().map(|u| u.0.as_str()).collect::<Vec<_>>(), vec!["a"]);
    assert_eq!(plan.unremovable[0], ("b".to_string(), Unremovable::NoPlaceToMovePods("pb".into())));
    assert_eq!(plan.unremovable[1], ("a".to_string(), Unremovable::NotUnneededLongEnough { since: 0 }));
}

#[test]
fn provisioning_timeout_backs_off_group() {
    let cfg = AutoscalerConfig::aks();
    let mut b = Backoff::from_config(&cfg);
    let mut reqs = vec![
        ScaleUpRequest { group_id: "slow".into(), outstanding: 2, requested_at: 0 },
        ScaleUpRequest { group_id: "ok".into(), outstanding: 1, requested_at: 5 * MINUTE },
    ];
    assert!(expire_scale_ups(&mut reqs, 15 * MINUTE, &cfg, &mut b).is_empty());
    let expired = expire_scale_ups(&mut reqs, 15 * MINUTE + 1, &cfg, &mut b);
    assert_eq!(expired.len(), 1);
    assert_eq!(reqs.len(), 1);
    assert!(b.is_backed_off("slow", 15 * MINUTE + 1));
    assert_eq!(b.backed_off_until("slow"), Some(20 * MINUTE + 1));
}

#[test]
fn config_presets() {
    let up = AutoscalerConfig::default();
    assert_eq!(up.expanders, vec![ExpanderKind::LeastWaste]);
    assert_eq!(up.scale_down_delay_after_delete, 0);
    let aks = AutoscalerConfig::aks();
    assert_eq!(aks.expanders, vec![ExpanderKind::Random]);
    assert_eq!((aks.scan_interval, aks.scale_down_delay_after_delete), (10 * SECOND, 10 * SECOND));
    assert_eq!((aks.scale_down_unneeded_time, aks.max_node_provision_time), (10 * MINUTE, 15 * MINUTE));
    assert!(!aks.skip_nodes_with_local_storage && !aks.skip_nodes_with_system_pods);
    assert_eq!(ExpanderKind::parse_list("priority,bogus"), None);
}
