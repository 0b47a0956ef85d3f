//! Unit tests for parsing, requirements, batching, expiration and validation.

use std::collections::BTreeMap;

use super::disruption::{ClusterNode, DisruptionInput, Validation, expired, validate};
use super::*;

const YAML: &str = r#"
apiVersion: karpenter.sh/v1
kind: NodePool
metadata:
  name: general
spec:
  weight: 10
  template:
    metadata:
      labels:
        team: web
    spec:
      nodeClassRef: {group: karpenter.azure.com, kind: AKSNodeClass, name: default}
      requirements:
        - key: karpenter.azure.com/sku-family
          operator: In
          values: [D, E]
          minValues: 2
        - key: karpenter.sh/capacity-type
          operator: In
          values: ["spot", "on-demand"]
      expireAfter: Never
      kubelet: {maxPods: 30}
  disruption:
    consolidationPolicy: WhenEmpty
    consolidateAfter: 30s
    budgets:
      - nodes: "20%"
        reasons: [Empty]
      - nodes: 0
        schedule: "0 9 * * mon-fri"
        duration: 8h
  limits:
    cpu: 1000
    memory: 1000Gi
"#;

#[test]
fn parses_real_yaml_with_defaults_and_warnings() {
    let (np, warnings) = NodePool::from_yaml(YAML).unwrap();
    assert_eq!(np.name, "general");
    assert_eq!(np.weight, 10);
    assert_eq!(np.expire_after_ms, None);
    assert_eq!(np.consolidate_after_ms, Some(30_000));
    assert_eq!(np.consolidation_policy, ConsolidationPolicy::WhenEmpty);
    assert_eq!(np.budgets.len(), 2);
    assert_eq!(np.budgets[1].nodes, "0");
    assert_eq!(np.budgets[1].duration_ms, Some(8 * 3_600_000));
    assert_eq!(np.limits.cpu_milli, Some(1_000_000));
    assert_eq!(np.limits.memory, Some(1000 << 30));
    assert_eq!(np.requirements.get("karpenter.azure.com/sku-family").min_values, Some(2));
    assert_eq!(np.labels.get("team").map(String::as_str), Some("web"));
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].field, "spec.template.spec.kubelet");
}

#[test]
fn defaults_match_upstream() {
    let (np, _) =
        NodePool::from_yaml("apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: d}\nspec: {}\n").unwrap();
    assert_eq!(np.consolidate_after_ms, Some(0));
    assert_eq!(np.expire_after_ms, Some(720 * 3_600_000));
    assert_eq!(np.budgets, vec![Budget::nodes("10%")]);
    assert_eq!(np.consolidation_policy, ConsolidationPolicy::WhenEmptyOrUnderutilized);
    assert_eq!(np.weight, 0);
}

#[test]
fn validation_errors_name_the_field() {
    let bad = YAML.replace("operator: In\n          values: [D, E]", "operator: Within\n          values: [D, E]");
    let e = NodePool::from_yaml(&bad).unwrap_err().to_string();
    assert!(e.contains("spec.template.spec.requirements[0].operator"), "{e}");
    let bad = YAML.replace("minValues: 2", "minValues: 3");
    let e = NodePool::from_yaml(&bad).unwrap_err().to_string();
    assert!(e.contains("requirements[0].minValues"), "{e}");
    let bad = YAML.replace("duration: 8h", "");
    let e = NodePool::from_yaml(&bad).unwrap_err().to_string();
    assert!(e.contains("spec.disruption.budgets[1].schedule"), "{e}");
    let bad = YAML.replace("key: karpenter.sh/capacity-type", "key: kubernetes.io/hostname");
    assert!(NodePool::from_yaml(&bad).unwrap_err().to_string().contains("restricted"));
}

#[test]
fn requirement_algebra() {
    let a = Requirement::new("k", Operator::In, ["a", "b"]);
    let b = Requirement::new("k", Operator::NotIn, ["a"]);
    assert_eq!(a.intersection(&b).values().collect::<Vec<_>>(), vec!["b"]);
    let gt = Requirement::new("n", Operator::Gt, ["4"]);
    let lt = Requirement::new("n", Operator::Lt, ["8"]);
    let both = gt.intersection(&lt);
    assert!(both.has("5") && !both.has("4") && !both.has("8") && !both.has("x"));
    assert_eq!(Requirement::new("n", Operator::Gt, ["8"]).intersection(&lt).operator(), Operator::DoesNotExist);
    let exists = Requirement::new("k", Operator::Exists, Vec::<String>::new());
    assert_eq!(exists.intersection(&a).operator(), Operator::In);
    // undefined custom label: incompatible; undefined well-known: allowed
    let pool = Requirements::new();
    let custom = Requirements::from_reqs([Requirement::new("team", Operator::In, ["x"])]);
    assert!(pool.compatible(&custom, true).is_err());
    let zone = Requirements::from_reqs([Requirement::new(labels::ZONE, Operator::In, ["z"])]);
    assert!(pool.compatible(&zone, true).is_ok());
    // NotIn vs NotIn with empty intersection is allowed
    let x = Requirements::from_reqs([Requirement::new("k", Operator::DoesNotExist, Vec::<String>::new())]);
    let y = Requirements::from_reqs([Requirement::new("k", Operator::NotIn, ["a"])]);
    assert!(x.intersects(&y).is_ok());
}

#[test]
fn batching_idle_and_max() {
    // 0, 0.5 s, 1.2 s → one batch (idle extends), closes at 2.2 s
    let b = batches(&[0, 500, 1200], BATCH_IDLE_MS, BATCH_MAX_MS);
    assert_eq!(b, vec![Batch { opened_at: 0, closes_at: 2200, pods: vec![0, 1, 2] }]);
    // a pod every 900 ms never goes idle: the batch closes at 10 s
    let arrivals: Vec<u64> = (0..15).map(|i| i * 900).collect();
    let b = batches(&arrivals, BATCH_IDLE_MS, BATCH_MAX_MS);
    assert_eq!(b[0].closes_at, 10_000);
    assert_eq!(b[0].pods.len(), 12);
    assert_eq!(b[1].opened_at, 10_800);
    // a gap of exactly 1 s starts a new batch
    assert_eq!(batches(&[0, 1000], 1000, 10_000).len(), 2);
}

fn catalog() -> Vec<InstanceType> {
    vec![
        instance_types::with_azure_labels(
            InstanceType::new("Standard_D2s_v3", 2000, 8 << 30, 30, "amd64")
                .with_offering(Offering::new("eastus-1", CapacityType::OnDemand, 0.096))
                .with_offering(Offering::new("eastus-1", CapacityType::Spot, 0.02)),
        ),
        instance_types::with_azure_labels(
            InstanceType::new("Standard_D4s_v3", 4000, 16 << 30, 30, "amd64").with_offering(Offering::new(
                "eastus-1",
                CapacityType::OnDemand,
                0.192,
            )),
        ),
    ]
}

#[test]
fn azure_labels_and_launch_prefers_spot() {
    let c = catalog();
    assert!(c[0].requirements.get(labels::AZURE_SKU_FAMILY).has("D"));
    assert!(c[0].requirements.get(labels::AZURE_SKU_VERSION).has("3"));
    assert!(c[1].requirements.get(labels::AZURE_SKU_CPU).has("4"));
    let reqs = Requirements::new();
    let l = choose_launch(&c, &reqs).unwrap();
    assert_eq!((l.instance_type.as_str(), l.capacity_type, l.price), ("Standard_D2s_v3", CapacityType::Spot, 0.02));
    let od = Requirements::from_reqs([Requirement::new(labels::CAPACITY_TYPE, Operator::In, ["on-demand"])]);
    assert_eq!(choose_launch(&c, &od).unwrap().price, 0.096);
    let mv = Requirements::from_reqs([
        Requirement::new(labels::AZURE_SKU_CPU, Operator::Exists, Vec::<String>::new()).with_min_values(3)
    ]);
    assert!(choose_launch(&c, &mv).is_err());
}

#[test]
fn expiration_and_validation_ttl() {
    let c = catalog();
    let pool = NodePool::new("p").with_budgets(vec![Budget::nodes("100%")]);
    let pools = [pool.clone()];
    let n = ClusterNode::launched("n", &pool, &c[1], "eastus-1", CapacityType::OnDemand, 0);
    assert!(expired(std::slice::from_ref(&n), 720 * 3_600_000 - 1).is_empty());
    assert_eq!(expired(std::slice::from_ref(&n), 720 * 3_600_000), vec!["n".to_string()]);
    let nodes = [n];
    let input = DisruptionInput {
        now_ms: 0,
        nodepools: &pools,
        instance_types: &c,
        nodes: &nodes,
        pending: &[],
        daemonsets: &[],
        spot_to_spot: false,
    };
    let cmd = disrupt(&input).expect("empty node is deleted");
    assert_eq!(cmd.method, Method::Emptiness);
    assert_eq!(validate(&input, &cmd, 0), Validation::WaitUntil(15_000));
    let later = DisruptionInput { now_ms: 15_000, ..input };
    assert_eq!(validate(&later, &cmd, 0), Validation::Valid);
    // a pod arrived in the meantime: invalid
    let busy = [nodes[0].clone().with_pods(vec![Pod::new("x", 100, 0)])];
    let changed = DisruptionInput { now_ms: 15_000, nodes: &busy, ..input };
    assert!(matches!(validate(&changed, &cmd, 0), Validation::Invalid(_)));
}

#[test]
fn consolidate_after_delays_candidates() {
    let c = catalog();
    let mut pool = NodePool::new("p").with_budgets(vec![Budget::nodes("100%")]);
    pool.consolidate_after_ms = Some(60_000);
    let pools = [pool.clone()];
    let nodes = [ClusterNode::launched("n", &pool, &c[1], "eastus-1", CapacityType::OnDemand, 0)];
    let at = |now_ms| DisruptionInput {
        now_ms,
        nodepools: &pools,
        instance_types: &c,
        nodes: &nodes,
        pending: &[],
        daemonsets: &[],
        spot_to_spot: false,
    };
    assert_eq!(disrupt(&at(59_999)), None);
    assert!(disrupt(&at(60_000)).is_some());
    let mut never = pool.clone();
    never.consolidate_after_ms = None;
    let pools2 = [never];
    let input = DisruptionInput {
        now_ms: 10_000_000,
        nodepools: &pools2,
        instance_types: &c,
        nodes: &nodes,
        pending: &[],
        daemonsets: &[],
        spot_to_spot: false,
    };
    assert_eq!(disrupt(&input), None);
}

/// `overlaps` (the allocation-free check the scheduling simulation uses) agrees with the
/// intersection it stands for, over every pair of operators and small value sets.
#[test]
fn overlaps_agrees_with_intersection() {
    let ops = [Operator::In, Operator::NotIn, Operator::Exists, Operator::DoesNotExist, Operator::Gt, Operator::Lt];
    let sets: [&[&str]; 5] = [&[], &["1"], &["2"], &["1", "3"], &["a", "5"]];
    let mut reqs = Vec::new();
    for op in ops {
        for vals in sets {
            reqs.push(Requirement::new("k", op, vals.iter().copied()));
        }
    }
    for a in &reqs {
        for b in &reqs {
            assert_eq!(a.overlaps(b), !a.intersection(b).is_empty(), "{a:?} vs {b:?}");
            let (ra, rb) = (Requirements::from_reqs([a.clone()]), Requirements::from_reqs([b.clone()]));
            assert_eq!(ra.intersects_ok(&rb), ra.intersects(&rb).is_ok());
        }
    }
}

/// Requirement sets are shared between copies: narrowing a copy (as a NodeClaim does when a pod
/// joins) must leave the original — a pool's template, another claim — as it was.
#[test]
fn narrowing_a_copied_requirement_set_leaves_the_original() {
    let mut template = Requirements::new();
    template.add(Requirement::new(labels::CAPACITY_TYPE, Operator::In, ["spot", "on-demand"]));
    let before = template.clone();
    let mut claim = template.clone();
    claim.add(Requirement::new(labels::CAPACITY_TYPE, Operator::In, ["spot"]));
    claim.add(Requirement::new(labels::ZONE, Operator::In, ["westeurope-1"]));
    assert_eq!(template, before);
    assert!(template.get(labels::CAPACITY_TYPE).has("on-demand"));
    assert!(!template.has_key(labels::ZONE));
    assert!(!claim.get(labels::CAPACITY_TYPE).has("on-demand"));
    assert!(claim.has_key(labels::ZONE));
}

/// Pods of one shape skip the nodes the previous one could not use, and only those: a node
/// that took the previous pod is tried again, and a pod of another shape starts from the
/// first node.
#[test]
fn pods_of_one_shape_resume_first_fit_where_the_last_one_landed() {
    let labels = BTreeMap::new();
    let node = |name: &'static str, free_milli: u64| ExistingNode {
        name,
        labels: &labels,
        allocatable: Resources::new(4000, 16 << 30, 30),
        requested: Resources::new(4000 - free_milli, 0, 0),
        taints: &[],
        initialized: true,
    };
    let nodes = [node("small", 1000), node("two", 3000), node("room", 4000)];
    let usage = BTreeMap::new();
    let (pools, catalog) = (vec![NodePool::new("general")], catalog());
    let input = SchedulingInput {
        nodepools: &pools,
        instance_types: &catalog,
        existing_nodes: &nodes,
        daemonsets: &[],
        usage: &usage,
    };
    let mut pods: Vec<Pod> = (0..4).map(|i| Pod::new(format!("big-{i}"), 1500, 1 << 30)).collect();
    pods.push(Pod::new("little", 500, 1 << 30));
    let result = schedule(&input, &pods);
    let on = |n: &str| result.existing.get(n).cloned().unwrap_or_default();
    assert_eq!(on("two"), ["big-0", "big-1"]);
    assert_eq!(on("room"), ["big-2", "big-3"]);
    assert_eq!(on("small"), ["little"]);
    assert!(result.new_nodeclaims.is_empty() && result.unschedulable.is_empty(), "{result:?}");
}
