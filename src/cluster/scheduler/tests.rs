//! capsim's own checks of the glue around the ported plugins: the aggregate message, the
//! weighted total, deterministic tie-breaks and PDB-aware preemption.

use super::*;

fn node(name: &str, milli_cpu: i64) -> NodeInfo {
    NodeInfo::new(name, Resources::new(milli_cpu, 4 << 30, 110))
}

#[test]
fn fit_error_message_counts_and_sorts_reasons() {
    let taint = Taint::new("dedicated", "gpu", TaintEffect::NoSchedule);
    let nodes: Vec<NodeInfo> = (0..5)
        .map(|i| if i < 2 { node(&format!("t{i}"), 4000).taint(taint.clone()) } else { node(&format!("s{i}"), 500) })
        .collect();
    let pod = PodInfo::new("p").req(1000, 1 << 20);
    let err = schedule(&pod, &nodes, &Profile::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "0/5 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu}, 3 Insufficient cpu."
    );
}

#[test]
fn default_profile_weights_plugins() {
    // Same free capacity; node b has an intolerable PreferNoSchedule taint (TaintToleration ×3).
    let nodes = vec![
        node("a", 4000).with_pod(PodInfo::new("x").req(1000, 0)),
        node("b", 4000).taint(Taint::new("spot", "true", TaintEffect::PreferNoSchedule)),
    ];
    let pod = PodInfo::new("p").req(500, 1 << 30);
    let placed = schedule(&pod, &nodes, &Profile::default()).unwrap();
    assert_eq!(placed.node_name, "a");
    let b = &placed.scores[1];
    assert_eq!(b.taint_toleration, 0);
    assert_eq!(b.total, 3 * b.taint_toleration + 2 * b.node_affinity + b.node_resources_fit + b.balanced_allocation);
}

#[test]
fn ties_are_broken_deterministically() {
    let nodes: Vec<NodeInfo> = (0..4).map(|i| node(&format!("n{i}"), 4000)).collect();
    let pod = PodInfo::new("p").req(100, 1 << 20);
    assert_eq!(schedule(&pod, &nodes, &Profile::default()).unwrap().node_index, 0);
    let pick = |seed| {
        let profile = Profile { tie_break: TieBreak::Seeded(seed), ..Profile::default() };
        schedule(&pod, &nodes, &profile).unwrap().node_index
    };
    assert_eq!(pick(7), pick(7));
    let mut seen: Vec<usize> = (0..64).map(pick).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen, vec![0, 1, 2, 3], "seeded sampling should reach every tied node");
}

#[test]
fn preemption_prefers_node_without_pdb_violations_and_reprieves_older_pods() {
    let protected = |n: &str, t| PodInfo::new(n).req(500, 0).start_time(t).label("app", "db");
    let plain = |n: &str, t| PodInfo::new(n).req(500, 0).start_time(t);
    let nodes = vec![
        node("n1", 1000).with_pod(protected("a", 0)).with_pod(protected("b", 1)),
        node("n2", 1000).with_pod(plain("c", 0)).with_pod(plain("d", 1)),
    ];
    let pdb = PodDisruptionBudget { match_labels: [("app".into(), "db".into())].into(), disruptions_allowed: 0 };
    let pod = PodInfo::new("p").req(500, 0).priority(10);
    match schedule_or_preempt(&pod, &nodes, std::slice::from_ref(&pdb), &Profile::default()).unwrap() {
        Decision::Preempt(c) => {
            assert_eq!(c.node_name, "n2");
            assert_eq!(c.num_pdb_violations, 0);
            // The older pod is reprieved first, so the newer one is evicted.
            assert_eq!(c.victims.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["d"]);
        }
        other => panic!("{other:?}"),
    }
    let (victims, violations) = select_victims_on_node(&pod, &nodes[0], &[pdb], &FitFilterArgs::default()).unwrap();
    assert_eq!((victims[0].name.as_str(), violations), ("b", 1));
}

#[test]
fn remove_pod_restores_requested() {
    let mut n = node("n", 1000)
        .with_pod(PodInfo::new("a").req(300, 10))
        .with_pod(PodInfo::new("b").container(ContainerRequests::empty()));
    assert_eq!(n.requested().milli_cpu, 300);
    assert_eq!(n.non_zero_requested().milli_cpu, 300 + DEFAULT_MILLI_CPU_REQUEST);
    n.remove_pod("b");
    assert_eq!(n.non_zero_requested().milli_cpu, 300);
    assert!(n.remove_pod("zzz").is_none());
}

#[test]
fn profile_validation() {
    assert!(Profile::default().validate().is_ok());
    let mut p = Profile::default();
    p.fit.strategy = ScoringStrategy::RequestedToCapacityRatio(vec![
        UtilizationShapePoint::new(50, 1),
        UtilizationShapePoint::new(10, 2),
    ]);
    assert!(p.validate().unwrap_err().contains("shape[1].utilization"));
    p.fit.strategy = ScoringStrategy::MostAllocated;
    p.balanced_allocation = vec![ResourceSpec::new("cpu", 0)];
    assert!(p.validate().unwrap_err().starts_with("resources[0].weight"));
}

/// `passes_filters` is the allocation-free form of `filter_node(..).is_success()`: they must agree
/// on every combination of cordon, taints, selector, pod count, cpu, memory and extended resources
/// (plain and ignored by group).
#[test]
fn passes_filters_agrees_with_filter_node() {
    let spot = Taint::new("kubernetes.azure.com/scalesetpriority", "spot", TaintEffect::NoSchedule);
    let soft = Taint::new("soft", "x", TaintEffect::PreferNoSchedule);
    let mut nodes = Vec::new();
    for cordoned in [false, true] {
        for taint in [None, Some(&spot), Some(&soft)] {
            for labelled in [false, true] {
                for (cpu, pods) in [(4000, 110), (1200, 110), (4000, 1)] {
                    let mut n = node("n", cpu).with_pod(PodInfo::new("x").req(500, 1 << 30));
                    n.allocatable.pods = pods;
                    n.unschedulable = cordoned;
                    if let Some(t) = taint {
                        n = n.taint(t.clone());
                    }
                    if labelled {
                        n = n.label("pool", "general");
                    }
                    nodes.push(n);
                }
            }
        }
    }
    let mut pods = Vec::new();
    for tolerate in [false, true] {
        for select in [false, true] {
            for (cpu, mem) in [(0, 0), (500, 1 << 20), (1000, 1 << 30), (500, 4 << 30)] {
                let mut p = PodInfo::new("p").req(cpu, mem);
                if tolerate {
                    p = p.toleration(Toleration::equal("kubernetes.azure.com/scalesetpriority", "spot", None));
                }
                if select {
                    p.node_selector.insert("pool".into(), "general".into());
                }
                pods.push(p);
            }
        }
    }
    // Extended resources: a GPU node and pods wanting none, one or two GPUs, checked with and
    // without the resource's group ignored.
    nodes.push(NodeInfo::new("gpu", Resources::new(4000, 4 << 30, 110).with_extended("nvidia.com/gpu", 1)));
    for gpus in [1, 2] {
        pods.push(
            PodInfo::new("g").container(ContainerRequests::new(100, 1 << 20).with_extended("nvidia.com/gpu", gpus)),
        );
    }
    let ignoring = FitFilterArgs { ignored_resource_groups: ["nvidia.com".to_string()].into(), ..Default::default() };
    let mut passing = 0;
    for args in [FitFilterArgs::default(), ignoring] {
        for n in &nodes {
            for p in &pods {
                let expected = filter_node(p, n, &args).is_success();
                assert_eq!(filter::passes_filters(p, n, &args), expected, "pod {p:?} on node {n:?} with {args:?}");
                passing += usize::from(expected);
            }
        }
    }
    // Both verdicts occur, so the agreement says something.
    assert!(passing > 0 && passing < 2 * nodes.len() * pods.len(), "{passing}");
}
