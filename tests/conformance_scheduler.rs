//! Conformance cases ported from upstream kube-scheduler (github.com/kubernetes/kubernetes) test
//! tables. Each case names its upstream file, test function and sub-case (`name:` field). Inputs
//! and expected outputs are the upstream ones; the code under test is capsim's own.
//!
//! Unit notes: upstream `st.MakeNode().Capacity({"cpu": "4000"})` means 4000 *cores*; it is
//! written here as milli-CPU (`cores(4000)`), which leaves every ratio unchanged. Those nodes
//! allow 32 pods (the `st` wrapper default). `makeNode(name, milliCPU, memory, ext)` takes
//! milli-CPU directly. A pod built with `st.MakePod().Obj()` has no containers, so it requests
//! nothing at all, not even the scoring defaults.

use capsim::cluster::scheduler::preempt::{
    Candidate, DryRun, dry_run_preemption, pick_one_node_for_preemption, pod_eligible_to_preempt_others,
};
use capsim::cluster::scheduler::score::requested_to_capacity_ratio::{FunctionShapePoint, broken_linear};
use capsim::cluster::scheduler::score::{
    balanced_allocation_score, balanced_allocation_skipped, fit_score, node_affinity_scores, taint_toleration_scores,
};
use capsim::cluster::scheduler::*;

const PR: &str = "pkg/scheduler/framework/plugins";

fn cores(n: i64) -> i64 {
    n * 1000
}

/// `st.MakeNode().Name(name).Capacity({"cpu": cpu, "memory": mem})` with cpu in cores.
fn st_node(name: &str, cpu_cores: i64, memory: i64) -> NodeInfo {
    NodeInfo::new(name, Resources::new(cores(cpu_cores), memory, 32))
}

/// noderesources `makeNode(name, milliCPU, memory, extendedResource)`.
fn make_node(name: &str, milli_cpu: i64, memory: i64, ext: &[(&str, i64)]) -> NodeInfo {
    let mut r = Resources::new(milli_cpu, memory, 32);
    for (k, v) in ext {
        r = r.with_extended(k, *v);
    }
    NodeInfo::new(name, r)
}

/// `st.MakePod().Req({"cpu": cpu, "memory": mem})` with cpu in cores (one container per call).
fn st_req(pod: PodInfo, cpu_cores: i64, memory: i64) -> PodInfo {
    pod.req(cores(cpu_cores), memory)
}

fn fit(strategy: ScoringStrategy, resources: Vec<ResourceSpec>) -> FitArgs {
    FitArgs { strategy, resources, filter: FitFilterArgs::default() }
}

fn fit_scores(pod: &PodInfo, nodes: &[NodeInfo], args: &FitArgs) -> Vec<i64> {
    nodes.iter().map(|n| fit_score(pod, n, args).unwrap()).collect()
}

fn balanced_scores(pod: &PodInfo, nodes: &[NodeInfo], resources: &[ResourceSpec]) -> Vec<i64> {
    nodes.iter().map(|n| balanced_allocation_score(pod, n, resources).unwrap()).collect()
}

/// noderesources test `extendedResourceSet`: cpu, memory and one extended resource, weight 1.
const EXT: &str = "abc.com/xyz";
fn extended_resource_set() -> Vec<ResourceSpec> {
    vec![ResourceSpec::new("cpu", 1), ResourceSpec::new("memory", 1), ResourceSpec::new(EXT, 1)]
}

// ======================================================================================
// noderesources/least_allocated_test.go — TestLeastAllocatedScoringStrategy
// ======================================================================================

fn least() -> FitArgs {
    fit(ScoringStrategy::LeastAllocated, default_resources())
}

/// Upstream's two-container pod: {1000, 2000} + {2000, 3000}.
fn two_container_pod() -> PodInfo {
    st_req(st_req(PodInfo::new("p"), 1000, 2000), 2000, 3000)
}

#[test]
fn least_allocated_nothing_scheduled_resources_requested_differently_sized_nodes() {
    // source: noderesources/least_allocated_test.go TestLeastAllocatedScoringStrategy
    //         "nothing scheduled, resources requested, differently sized nodes"
    let nodes = [st_node("node1", 4000, 10000), st_node("node2", 6000, 10000)];
    assert_eq!(fit_scores(&two_container_pod(), &nodes, &least()), vec![37, 50], "{PR}");
}

#[test]
fn least_allocated_no_resources_requested_pods_scheduled_with_resources() {
    // source: noderesources/least_allocated_test.go TestLeastAllocatedScoringStrategy
    //         "no resources requested, pods scheduled with resources"
    let nodes = [
        st_node("node1", 10000, 20000).with_pod(st_req(PodInfo::new("a"), 3000, 0)).with_pod(st_req(
            PodInfo::new("b"),
            3000,
            0,
        )),
        st_node("node2", 10000, 20000).with_pod(st_req(PodInfo::new("c"), 3000, 0)).with_pod(st_req(
            PodInfo::new("d"),
            3000,
            5000,
        )),
    ];
    assert_eq!(fit_scores(&PodInfo::new("p"), &nodes, &least()), vec![70, 57]);
}

#[test]
fn least_allocated_pods_scheduled_with_resources_differently_sized_nodes() {
    // source: noderesources/least_allocated_test.go TestLeastAllocatedScoringStrategy
    //         "resources requested, pods scheduled with resources, differently sized nodes"
    let nodes = [
        st_node("node1", 10000, 20000).with_pod(st_req(PodInfo::new("a"), 3000, 0)),
        st_node("node2", 10000, 50000).with_pod(st_req(PodInfo::new("b"), 3000, 5000)),
    ];
    assert_eq!(fit_scores(&two_container_pod(), &nodes, &least()), vec![57, 60]);
}

#[test]
fn least_allocated_requested_resources_exceed_node_capacity() {
    // source: noderesources/least_allocated_test.go TestLeastAllocatedScoringStrategy
    //         "requested resources exceed node capacity"
    let nodes = [
        st_node("node1", 4000, 10000).with_pod(st_req(PodInfo::new("a"), 3000, 0)),
        st_node("node2", 4000, 10000).with_pod(st_req(PodInfo::new("b"), 3000, 5000)),
    ];
    let pod = st_req(PodInfo::new("p"), 3000, 0);
    assert_eq!(fit_scores(&pod, &nodes, &least()), vec![50, 25]);
}

#[test]
fn least_allocated_zero_node_resources() {
    // source: noderesources/least_allocated_test.go TestLeastAllocatedScoringStrategy
    //         "zero node resources, pods scheduled with resources"
    let nodes = [
        NodeInfo::new("node1", Resources::default()).with_pod(st_req(PodInfo::new("a"), 3000, 0)),
        NodeInfo::new("node2", Resources::default()).with_pod(st_req(PodInfo::new("b"), 3000, 5000)),
    ];
    assert_eq!(fit_scores(&PodInfo::new("p"), &nodes, &least()), vec![MIN_NODE_SCORE, MIN_NODE_SCORE]);
}

#[test]
fn least_allocated_different_weight_on_cpu_and_memory() {
    // source: noderesources/least_allocated_test.go TestLeastAllocatedScoringStrategy
    //         "nothing scheduled, resources requested with different weight on CPU and memory, differently sized nodes"
    let nodes = [st_node("node1", 4000, 10000), st_node("node2", 6000, 10000)];
    let args = fit(ScoringStrategy::LeastAllocated, vec![ResourceSpec::new("memory", 2), ResourceSpec::new("cpu", 1)]);
    assert_eq!(fit_scores(&two_container_pod(), &nodes, &args), vec![41, 50]);
}

#[test]
fn least_allocated_extended_resources_bypassed_or_honoured() {
    // source: noderesources/least_allocated_test.go TestLeastAllocatedScoringStrategy
    //         "bypass extended resource if the pod does not request"
    let nodes = [st_node("node1", 6000, 10000), make_node("node2", cores(6000), 10000, &[(EXT, 4)])];
    let args = fit(ScoringStrategy::LeastAllocated, extended_resource_set());
    assert_eq!(fit_scores(&two_container_pod(), &nodes, &args), vec![50, 50]);

    // source: noderesources/least_allocated_test.go TestLeastAllocatedScoringStrategy
    //         "honor extended resource if the pod requests"
    let nodes =
        [make_node("node1", cores(6000), 10000, &[(EXT, 4)]), make_node("node2", cores(6000), 10000, &[(EXT, 10)])];
    let pod = PodInfo::new("p").container(ContainerRequests::new(cores(3000), 5000).with_extended(EXT, 2));
    assert_eq!(fit_scores(&pod, &nodes, &args), vec![50, 60]);

    // source: noderesources/least_allocated_test.go TestLeastAllocatedScoringStrategy
    //         "if the node doesn't have a resource"
    let nodes = [st_node("node1", 6000, 10000), make_node("node2", cores(6000), 10000, &[(EXT, 4)])];
    let args = fit(
        ScoringStrategy::LeastAllocated,
        vec![ResourceSpec::new(EXT, 2), ResourceSpec::new("cpu", 1), ResourceSpec::new("memory", 1)],
    );
    assert_eq!(fit_scores(&st_req(PodInfo::new("p"), 3000, 4000), &nodes, &args), vec![55, 55]);
}

#[test]
fn least_allocated_invalid_weights_rejected() {
    // source: noderesources/least_allocated_test.go TestLeastAllocatedScoringStrategy
    //         "resource with negative weight" / "resource with zero weight" / "resource weight larger than MaxNodeScore"
    let bad = |w: Vec<ResourceSpec>| fit(ScoringStrategy::LeastAllocated, w).validate().unwrap_err();
    assert!(
        bad(vec![ResourceSpec::new("memory", -1), ResourceSpec::new("cpu", 1)])
            .starts_with("scoringStrategy.resources[0].weight")
    );
    assert!(
        bad(vec![ResourceSpec::new("memory", 1), ResourceSpec::new("cpu", 0)])
            .starts_with("scoringStrategy.resources[1].weight")
    );
    assert!(
        bad(vec![ResourceSpec::new("memory", 1), ResourceSpec::new("cpu", 101)])
            .starts_with("scoringStrategy.resources[1].weight")
    );
    // "Resources not set, pods scheduled with error": valid config, but Score returns an Error status.
    let args = fit(ScoringStrategy::LeastAllocated, vec![]);
    assert_eq!(
        fit_score(&two_container_pod(), &st_node("node1", 4000, 10000), &args),
        Err(ScoreError::ResourcesNotFound)
    );
}

// ======================================================================================
// noderesources/most_allocated_test.go — TestMostAllocatedScoringStrategy
// ======================================================================================

fn most() -> FitArgs {
    fit(ScoringStrategy::MostAllocated, default_resources())
}

#[test]
fn most_allocated_nothing_scheduled_resources_requested_differently_sized_nodes() {
    // source: noderesources/most_allocated_test.go TestMostAllocatedScoringStrategy
    //         "nothing scheduled, resources requested, differently sized nodes"
    let nodes = [st_node("node1", 4000, 10000), st_node("node2", 6000, 10000)];
    assert_eq!(fit_scores(&two_container_pod(), &nodes, &most()), vec![62, 50]);
    // Same name, second table entry: memory weight 2, cpu weight 1.
    let args = fit(ScoringStrategy::MostAllocated, vec![ResourceSpec::new("memory", 2), ResourceSpec::new("cpu", 1)]);
    assert_eq!(fit_scores(&two_container_pod(), &nodes, &args), vec![58, 50]);
}

#[test]
fn most_allocated_no_resources_requested_pods_scheduled_with_resources() {
    // source: noderesources/most_allocated_test.go TestMostAllocatedScoringStrategy
    //         "no resources requested, pods scheduled with resources"
    let nodes = [
        st_node("node1", 10000, 20000).with_pod(st_req(PodInfo::new("a"), 3000, 0)).with_pod(st_req(
            PodInfo::new("b"),
            3000,
            0,
        )),
        st_node("node2", 10000, 20000).with_pod(st_req(PodInfo::new("c"), 3000, 0)).with_pod(st_req(
            PodInfo::new("d"),
            3000,
            5000,
        )),
    ];
    assert_eq!(fit_scores(&PodInfo::new("p"), &nodes, &most()), vec![30, 42]);
}

#[test]
fn most_allocated_resources_requested_equal_node_capacity() {
    // source: noderesources/most_allocated_test.go TestMostAllocatedScoringStrategy
    //         "resources requested equal node capacity"
    let nodes = [st_node("node1", 5000, 10000), st_node("node2", 10000, 9000)];
    let pod = st_req(st_req(PodInfo::new("p"), 2000, 4000), 3000, 5000);
    assert_eq!(fit_scores(&pod, &nodes, &most()), vec![95, 75]);
}

#[test]
fn most_allocated_nonzero_request_defaults() {
    // source: noderesources/most_allocated_test.go TestMostAllocatedScoringStrategy
    //         "no resources requested, pods scheduled, nonzero request for resource"
    // `Container("container")`: one container without requests → 100m CPU, 200 MiB for scoring.
    let mi = 1024 * 1024;
    let best_effort = |n: &str| PodInfo::new(n).container(ContainerRequests::empty());
    let nodes = [
        NodeInfo::new("node1", Resources::new(250, 1000 * mi, 32))
            .with_pod(best_effort("a"))
            .with_pod(best_effort("b")),
        NodeInfo::new("node2", Resources::new(250, 1000 * mi, 32)),
    ];
    assert_eq!(fit_scores(&best_effort("p"), &nodes, &most()), vec![80, 30]);
}

#[test]
fn most_allocated_honor_extended_resource() {
    // source: noderesources/most_allocated_test.go TestMostAllocatedScoringStrategy
    //         "honor extended resource if the pod request"
    let nodes =
        [make_node("node1", cores(6000), 10000, &[(EXT, 4)]), make_node("node2", cores(6000), 10000, &[(EXT, 10)])];
    let pod = PodInfo::new("p").container(ContainerRequests::new(cores(3000), 5000).with_extended(EXT, 2));
    assert_eq!(fit_scores(&pod, &nodes, &fit(ScoringStrategy::MostAllocated, extended_resource_set())), vec![50, 40]);
}

// ======================================================================================
// noderesources/requested_to_capacity_ratio_test.go
// ======================================================================================

fn rtcr(shape: &[(i32, i32)], resources: Vec<ResourceSpec>) -> FitArgs {
    let shape = shape.iter().map(|&(u, s)| UtilizationShapePoint::new(u, s)).collect();
    fit(ScoringStrategy::RequestedToCapacityRatio(shape), resources)
}

#[test]
fn rtcr_least_requested_shape() {
    // source: noderesources/requested_to_capacity_ratio_test.go TestRequestedToCapacityRatioScoringStrategy
    //         "nothing scheduled, resources requested, differently sized nodes (default - least requested nodes have priority)"
    let args = rtcr(&[(0, 10), (100, 0)], default_resources());
    let nodes = [
        st_node("node1", 4000, 10000).with_pod(PodInfo::new("a")).with_pod(PodInfo::new("b")),
        st_node("node2", 6000, 10000),
    ];
    assert_eq!(fit_scores(&two_container_pod(), &nodes, &args), vec![38, 50]);

    // source: same test, "no resources requested, pods scheduled with resources (default - least requested nodes have priority)"
    let nodes = [
        st_node("node1", 4000, 10000).with_pod(st_req(PodInfo::new("a"), 3000, 5000)),
        st_node("node2", 6000, 10000).with_pod(st_req(PodInfo::new("b"), 3000, 5000)),
    ];
    assert_eq!(fit_scores(&PodInfo::new("p"), &nodes, &args), vec![38, 50]);
}

#[test]
fn rtcr_bin_packing_single_extended() {
    // source: noderesources/requested_to_capacity_ratio_test.go TestResourceBinPackingSingleExtended
    let args = rtcr(&[(0, 0), (100, 1)], vec![ResourceSpec::new("intel.com/foo", 1)]);
    let mi = 1024 * 1024;
    let nodes = || {
        [
            make_node("node1", 4000, 10000 * mi, &[("intel.com/foo", 8)]),
            make_node("node2", 4000, 10000 * mi, &[("intel.com/foo", 4)]),
        ]
    };
    let foo = |n: i64| PodInfo::new("p").container(ContainerRequests::empty().with_extended("intel.com/foo", n));

    // "nothing scheduled, nothing requested"
    assert_eq!(fit_scores(&PodInfo::new("p"), &nodes(), &args), vec![0, 0]);
    // "resources requested, pods scheduled with less resources"
    assert_eq!(fit_scores(&foo(2), &nodes(), &args), vec![2, 5]);
    // "resources requested, pods scheduled with resources, on node with existing pod running "
    let [n1, n2] = nodes();
    let with_existing = [n1, n2.with_pod(foo(2))];
    assert_eq!(fit_scores(&foo(2), &with_existing, &args), vec![2, 10]);
    // "resources requested, pods scheduled with more resources"
    assert_eq!(fit_scores(&foo(4), &nodes(), &args), vec![5, 10]);
}

#[test]
fn rtcr_bin_packing_multiple_extended() {
    // source: noderesources/requested_to_capacity_ratio_test.go TestResourceBinPackingMultipleExtended
    let args =
        rtcr(&[(0, 0), (100, 1)], vec![ResourceSpec::new("intel.com/foo", 3), ResourceSpec::new("intel.com/bar", 5)]);
    let mi = 1024 * 1024;
    let nodes = || {
        [
            make_node("node1", 4000, 10000 * mi, &[("intel.com/foo", 8), ("intel.com/bar", 4)]),
            make_node("node2", 4000, 10000 * mi, &[("intel.com/foo", 4), ("intel.com/bar", 8)]),
        ]
    };
    let pod = |foo: i64, bar: i64| {
        PodInfo::new("p").container(
            ContainerRequests::empty().with_extended("intel.com/foo", foo).with_extended("intel.com/bar", bar),
        )
    };
    // "nothing scheduled, nothing requested"
    assert_eq!(fit_scores(&PodInfo::new("p"), &nodes(), &args), vec![0, 0]);
    // "resources requested, pods scheduled with less resources"
    assert_eq!(fit_scores(&pod(2, 2), &nodes(), &args), vec![4, 3]);
    // "resources requested, pods scheduled with resources, on node with existing pod running "
    let [n1, n2] = nodes();
    assert_eq!(fit_scores(&pod(2, 2), &[n1, n2.with_pod(pod(4, 2))], &args), vec![4, 7]);
    // "resources requested, pods scheduled with more resources"
    assert_eq!(fit_scores(&pod(4, 2), &nodes(), &args), vec![5, 5]);
}

#[test]
fn rtcr_broken_linear_function() {
    // source: noderesources/requested_to_capacity_ratio_test.go TestBrokenLinearFunction case_0 and case_1
    let pts =
        |v: &[(i64, i64)]| v.iter().map(|&(u, s)| FunctionShapePoint { utilization: u, score: s }).collect::<Vec<_>>();
    let s0 = pts(&[(10, 1), (90, 9)]);
    for (p, want) in
        [(-10, 1), (0, 1), (9, 1), (10, 1), (15, 1), (19, 1), (20, 2), (89, 8), (90, 9), (99, 9), (100, 9), (110, 9)]
    {
        assert_eq!(broken_linear(&s0, p), want, "case_0 p={p}");
    }
    let s1 = pts(&[(0, 2), (40, 10), (100, 0)]);
    for (p, want) in [(-10, 2), (0, 2), (20, 6), (30, 8), (40, 10), (70, 5), (100, 0), (110, 0)] {
        assert_eq!(broken_linear(&s1, p), want, "case_1 p={p}");
    }
}

// ======================================================================================
// noderesources/balanced_allocation_test.go — TestNodeResourcesBalancedAllocation
// ======================================================================================

/// `cpuAndMemory`: {1000m, 2000} + {2000m, 3000}.
fn cpu_and_memory(n: &str) -> PodInfo {
    PodInfo::new(n).req(1000, 2000).req(2000, 3000)
}
/// `cpuOnly`: {1000m, 0} + {2000m, 0}.
fn cpu_only(n: &str) -> PodInfo {
    PodInfo::new(n).req(1000, 0).req(2000, 0)
}

#[test]
fn balanced_nothing_requested_is_skipped() {
    // source: noderesources/balanced_allocation_test.go TestNodeResourcesBalancedAllocation
    //         "nothing scheduled, nothing requested, skip in PreScore"
    assert!(balanced_allocation_skipped(&PodInfo::new("p"), &default_resources()));
    assert!(!balanced_allocation_skipped(&cpu_and_memory("p"), &default_resources()));
}

#[test]
fn balanced_nothing_scheduled_differently_sized_nodes() {
    // source: noderesources/balanced_allocation_test.go TestNodeResourcesBalancedAllocation
    //         "nothing scheduled, resources requested, differently sized nodes"
    let nodes = [make_node("node1", 4000, 10000, &[]), make_node("node2", 6000, 10000, &[])];
    assert_eq!(balanced_scores(&cpu_and_memory("p"), &nodes, &default_resources()), vec![87, 100]);
}

#[test]
fn balanced_pods_scheduled_with_resources() {
    // source: noderesources/balanced_allocation_test.go TestNodeResourcesBalancedAllocation
    //         "resources requested, pods scheduled with resources"
    let nodes = [
        make_node("node1", 10000, 20000, &[]).with_pod(cpu_only("a")),
        make_node("node2", 10000, 20000, &[]).with_pod(cpu_and_memory("b")),
    ];
    assert_eq!(balanced_scores(&cpu_and_memory("p"), &nodes, &default_resources()), vec![82, 95]);

    // source: same test, "resources requested, pods scheduled with resources, differently sized nodes"
    let nodes = [
        make_node("node1", 10000, 20000, &[]).with_pod(cpu_only("a")),
        make_node("node2", 10000, 50000, &[]).with_pod(cpu_and_memory("b")),
    ];
    assert_eq!(balanced_scores(&cpu_and_memory("p"), &nodes, &default_resources()), vec![82, 80]);
}

#[test]
fn balanced_requested_resources_at_node_capacity() {
    // source: noderesources/balanced_allocation_test.go TestNodeResourcesBalancedAllocation
    //         "requested resources at node capacity"
    let nodes = [
        make_node("node1", 6000, 10000, &[]).with_pod(cpu_only("a")),
        make_node("node2", 6000, 10000, &[]).with_pod(cpu_and_memory("b")),
    ];
    assert_eq!(balanced_scores(&cpu_only("p"), &nodes, &default_resources()), vec![50, 75]);
}

#[test]
fn balanced_scalar_resources() {
    let res = vec![ResourceSpec::new("cpu", 1), ResourceSpec::new("memory", 1), ResourceSpec::new("nvidia.com/gpu", 1)];
    let gpu = [("nvidia.com/gpu", 8)];
    let cpu_mem_gpu = PodInfo::new("g")
        .req(1000, 2000)
        .container(ContainerRequests::new(2000, 3000).with_extended("nvidia.com/gpu", 3));

    // source: noderesources/balanced_allocation_test.go TestNodeResourcesBalancedAllocation
    //         "include scalar resource on a node for balanced resource allocation"
    let nodes = [
        make_node("node1", 3500, 40000, &gpu).with_pod(cpu_mem_gpu),
        make_node("node2", 3500, 40000, &gpu).with_pod(cpu_and_memory("b")),
    ];
    let pod = PodInfo::new("p")
        .container(ContainerRequests { memory: Some(0), ..Default::default() }.with_extended("nvidia.com/gpu", 1));
    assert_eq!(balanced_scores(&pod, &nodes, &res), vec![70, 65]);

    // source: same test, "node without the scalar resource should skip the scalar resource"
    let nodes = [make_node("node1", 3500, 40000, &gpu), make_node("node2", 3500, 40000, &[])];
    assert_eq!(balanced_scores(&cpu_and_memory("p"), &nodes, &res), vec![63, 63]);
}

// ======================================================================================
// noderesources/fit_test.go — TestEnoughRequests, TestNotEnoughRequests
// ======================================================================================

const EXT_A: &str = "example.com/aaa";
const EXT_B: &str = "example.com/bbb";
const K8S_IO_A: &str = "kubernetes.io/something";

/// Node `makeAllocatableResources(10, 20, 32, 5, 20, 5)` with one existing pod `newResourcePod(existing)`.
fn enough_node(existing: ContainerRequests) -> NodeInfo {
    let alloc = Resources::new(10, 20, 32).with_extended(EXT_A, 5).with_extended("hugepages-2Mi", 5);
    NodeInfo::new("n", alloc).with_pod(PodInfo::new("existing").container(existing))
}

fn c(cpu: i64, mem: i64) -> ContainerRequests {
    ContainerRequests::new(cpu, mem)
}

fn ins(res: &str, requested: i64, used: i64, capacity: i64) -> InsufficientResource {
    InsufficientResource { resource: res.into(), reason: format!("Insufficient {res}"), requested, used, capacity }
}

#[test]
fn fit_too_many_resources_fails() {
    // source: noderesources/fit_test.go TestEnoughRequests "too many resources fails"
    let pod = PodInfo::new("p").container(c(1, 1));
    let node = enough_node(c(10, 20));
    let got = filter::insufficient_resources(&pod, &node, &FitFilterArgs::default());
    assert_eq!(got, vec![ins("cpu", 1, 10, 10), ins("memory", 1, 20, 20)]);
    let st = filter_node(&pod, &node, &FitFilterArgs::default());
    assert_eq!(
        (st.code, st.reasons),
        (Code::Unschedulable, vec!["Insufficient cpu".to_string(), "Insufficient memory".to_string()])
    );
}

#[test]
fn fit_init_containers_count_by_max() {
    let args = FitFilterArgs::default();
    // source: noderesources/fit_test.go TestEnoughRequests "too many resources fails due to highest init container cpu"
    let pod = PodInfo::new("p").container(c(1, 1)).init_container(c(3, 1)).init_container(c(2, 1));
    assert_eq!(filter::insufficient_resources(&pod, &enough_node(c(8, 19)), &args), vec![ins("cpu", 3, 8, 10)]);
    // source: same test, "too many resources fails due to highest init container memory"
    let pod = PodInfo::new("p").container(c(1, 1)).init_container(c(1, 3)).init_container(c(1, 2));
    assert_eq!(filter::insufficient_resources(&pod, &enough_node(c(9, 19)), &args), vec![ins("memory", 3, 19, 20)]);
    // source: same test, "init container fits because it's the max, not sum, of containers and init containers"
    let pod = PodInfo::new("p").container(c(1, 1)).init_container(c(1, 1));
    assert!(filter_node(&pod, &enough_node(c(9, 19)), &args).is_success());
    // source: same test, "equal edge case for init container"
    let pod = PodInfo::new("p").container(c(4, 1)).init_container(c(5, 1));
    assert!(filter_node(&pod, &enough_node(c(5, 19)), &args).is_success());
}

#[test]
fn fit_extended_resources() {
    let args = FitFilterArgs::default();
    let ext = |name: &str, n: i64| c(1, 1).with_extended(name, n);
    // source: noderesources/fit_test.go TestEnoughRequests "extended resource allocatable enforced for multiple containers"
    let pod = PodInfo::new("p").container(ext(EXT_A, 3)).container(ext(EXT_A, 3));
    let node = enough_node(c(0, 0).with_extended(EXT_A, 2));
    assert_eq!(filter::insufficient_resources(&pod, &node, &args), vec![ins(EXT_A, 6, 2, 5)]);
    // source: same test, "extended resource allocatable admits multiple init containers"
    let pod = PodInfo::new("p").container(c(0, 0)).init_container(ext(EXT_A, 3)).init_container(ext(EXT_A, 3));
    assert!(filter_node(&pod, &node, &args).is_success());
    // source: same test, "extended resource allocatable enforced for unknown resource"
    let pod = PodInfo::new("p").container(ext(EXT_B, 1));
    assert_eq!(filter::insufficient_resources(&pod, &enough_node(c(0, 0)), &args), vec![ins(EXT_B, 1, 0, 0)]);
    // source: same test, "skip checking ignored extended resource"
    let ignore = FitFilterArgs { ignored_resources: [EXT_B.to_string()].into(), ..Default::default() };
    assert!(filter_node(&pod, &enough_node(c(0, 0)), &ignore).is_success());
    // source: same test, "skip checking ignored extended resource via resource groups"
    let groups = FitFilterArgs { ignored_resource_groups: ["example.com".to_string()].into(), ..Default::default() };
    let pod = PodInfo::new("p").container(c(1, 1).with_extended(EXT_B, 1).with_extended(K8S_IO_A, 1));
    assert_eq!(filter::insufficient_resources(&pod, &enough_node(c(0, 0)), &groups), vec![ins(K8S_IO_A, 1, 0, 0)]);
    // source: same test, "skip checking resource request with quantity zero"
    let pod = PodInfo::new("p").container(ContainerRequests::empty().with_extended(EXT_A, 1));
    assert!(filter_node(&pod, &enough_node(c(20, 30).with_extended(EXT_A, 1)), &args).is_success());
}

#[test]
fn fit_pod_overhead() {
    let args = FitFilterArgs::default();
    // source: noderesources/fit_test.go TestEnoughRequests "resources + pod overhead fits"
    let mut pod = PodInfo::new("p").container(c(1, 1));
    pod.overhead = Some(c(3, 13));
    assert!(filter_node(&pod, &enough_node(c(5, 5)), &args).is_success());
    // source: same test, "requests + overhead does not fit for memory"
    pod.overhead = Some(c(1, 15));
    assert_eq!(filter::insufficient_resources(&pod, &enough_node(c(5, 5)), &args), vec![ins("memory", 16, 5, 20)]);
}

#[test]
fn fit_too_many_pods() {
    // source: noderesources/fit_test.go TestNotEnoughRequests
    //         "even without specified resources, predicate fails when there's no space for additional pod"
    //         and "even for equal edge case, predicate fails when there's no space for additional pod"
    let node = NodeInfo::new("n", Resources::new(10, 20, 1)).with_pod(PodInfo::new("e").container(c(5, 19)));
    for pod in [PodInfo::new("p"), PodInfo::new("p").container(c(5, 1))] {
        let st = filter_node(&pod, &node, &FitFilterArgs::default());
        assert_eq!((st.code, st.reasons), (Code::Unschedulable, vec!["Too many pods".to_string()]));
    }
}

// ======================================================================================
// tainttoleration/taint_toleration_test.go
// ======================================================================================

use TaintEffect::{NoSchedule, PreferNoSchedule};

fn tainted(name: &str, taints: &[(&str, &str, TaintEffect)]) -> NodeInfo {
    let mut n = NodeInfo::new(name, Resources::new(1000, 1000, 32));
    for (k, v, e) in taints {
        n = n.taint(Taint::new(k, v, *e));
    }
    n
}

fn tolerating(tols: Vec<Toleration>) -> PodInfo {
    PodInfo { name: "pod1".into(), tolerations: tols, ..Default::default() }
}

#[test]
fn taint_toleration_filter() {
    let check = |pod: PodInfo, node: NodeInfo| filter::taint_toleration_filter(&pod, &node);
    let want_fail = |reason: &str| (Code::UnschedulableAndUnresolvable, vec![reason.to_string()]);
    // source: tainttoleration/taint_toleration_test.go TestTaintTolerationFilter
    //         "A pod having no tolerations can't be scheduled onto a node with nonempty taints"
    let st = check(tolerating(vec![]), tainted("nodeA", &[("dedicated", "user1", NoSchedule)]));
    assert_eq!((st.code, st.reasons), want_fail("node(s) had untolerated taint {dedicated: user1}"));
    // "A pod which can't be scheduled on a dedicated node assigned to user2 with effect NoSchedule"
    let st = check(
        tolerating(vec![Toleration::equal("dedicated", "user2", Some(NoSchedule))]),
        tainted("nodeA", &[("dedicated", "user1", NoSchedule)]),
    );
    assert_eq!((st.code, st.reasons), want_fail("node(s) had untolerated taint {dedicated: user1}"));
    // "A pod can be scheduled onto the node, with a toleration uses operator Exists that tolerates the taints on the node"
    assert!(
        check(
            tolerating(vec![Toleration::exists("foo", Some(NoSchedule))]),
            tainted("nodeA", &[("foo", "bar", NoSchedule)])
        )
        .is_success()
    );
    // "A pod has a toleration that keys and values match the taint on the node, but (non-empty) effect doesn't match, can't be scheduled onto the node"
    let st = check(
        tolerating(vec![Toleration::equal("foo", "bar", Some(PreferNoSchedule))]),
        tainted("nodeA", &[("foo", "bar", NoSchedule)]),
    );
    assert_eq!((st.code, st.reasons), want_fail("node(s) had untolerated taint {foo: bar}"));
    // "The pod has a toleration that keys and values match the taint on the node, the effect of toleration is empty, and the effect of taint is NoSchedule. Pod can be scheduled onto the node"
    assert!(
        check(tolerating(vec![Toleration::equal("foo", "bar", None)]), tainted("nodeA", &[("foo", "bar", NoSchedule)]))
            .is_success()
    );
    // "The pod has no toleration, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node"
    assert!(check(tolerating(vec![]), tainted("nodeA", &[("dedicated", "user1", PreferNoSchedule)])).is_success());
}

#[test]
fn taint_toleration_score() {
    let nodes = |second: TaintEffect| {
        [
            tainted("nodeA", &[]),
            tainted("nodeB", &[("cpu-type", "arm64", second)]),
            tainted("nodeC", &[("cpu-type", "arm64", PreferNoSchedule), ("disk-type", "ssd", PreferNoSchedule)]),
        ]
    };
    let scores = |pod: &PodInfo, n: &[NodeInfo]| taint_toleration_scores(pod, &n.iter().collect::<Vec<_>>());
    // source: tainttoleration/taint_toleration_test.go TestTaintTolerationScore
    //         "the more intolerable taints a node has, the lower score it gets."
    let pod = tolerating(vec![Toleration::equal("foo", "bar", Some(PreferNoSchedule))]);
    assert_eq!(scores(&pod, &nodes(PreferNoSchedule)), vec![100, 50, 0]);
    // "only taints and tolerations that have effect PreferNoSchedule are checked by taints-tolerations priority function"
    let pod = tolerating(vec![
        Toleration::equal("cpu-type", "arm64", Some(NoSchedule)),
        Toleration::equal("disk-type", "ssd", Some(NoSchedule)),
    ]);
    assert_eq!(scores(&pod, &nodes(NoSchedule)), vec![100, 100, 0]);
    // "the nodes that all of their taints are tolerated by the pod, get the same score, no matter how many tolerable taints a node has"
    let pod = tolerating(vec![
        Toleration::equal("cpu-type", "arm64", Some(PreferNoSchedule)),
        Toleration::equal("disk-type", "ssd", Some(PreferNoSchedule)),
    ]);
    assert_eq!(scores(&pod, &nodes(PreferNoSchedule)), vec![100, 100, 100]);
}

// ======================================================================================
// nodeaffinity/node_affinity_test.go
// ======================================================================================

use NodeSelectorOperator::{Exists, Gt, In, NotIn};

fn labelled(name: &str, labels: &[(&str, &str)]) -> NodeInfo {
    labels.iter().fold(NodeInfo::new(name, Resources::new(1000, 1000, 32)), |n, (k, v)| n.label(k, v))
}

fn required(terms: Vec<Vec<NodeSelectorRequirement>>) -> PodInfo {
    let terms = terms.into_iter().map(NodeSelectorTerm::expressions).collect();
    PodInfo { required_affinity: Some(NodeSelector { terms }), ..Default::default() }
}

fn r(key: &str, op: NodeSelectorOperator, values: &[&str]) -> NodeSelectorRequirement {
    NodeSelectorRequirement::new(key, op, values)
}

#[test]
fn node_affinity_filter() {
    let ok = |pod: &PodInfo, node: &NodeInfo| filter::node_affinity_filter(pod, node).is_success();
    // source: nodeaffinity/node_affinity_test.go TestNodeAffinity "node labels are subset"
    let mut pod = PodInfo::new("p");
    pod.node_selector = [("foo".to_string(), "bar".to_string()), ("baz".to_string(), "blah".to_string())].into();
    let st = filter::node_affinity_filter(&pod, &labelled("n", &[("foo", "bar")]));
    assert_eq!(
        (st.code, st.reasons),
        (Code::UnschedulableAndUnresolvable, vec!["node(s) didn't match Pod's node affinity/selector".to_string()])
    );
    // "Pod with matchExpressions using Gt operator that matches the existing node"
    assert!(ok(
        &required(vec![vec![r("kernel-version", Gt, &["0204"])]]),
        &labelled("n", &[("kernel-version", "0206")])
    ));
    // "Pod with matchExpressions using NotIn operator that matches the existing node"
    assert!(ok(&required(vec![vec![r("mem-type", NotIn, &["DDR", "DDR2"])]]), &labelled("n", &[("mem-type", "DDR3")])));
    // "Pod with affinity that don't match node's labels won't schedule onto the node"
    assert!(!ok(&required(vec![vec![r("foo", In, &["value1", "value2"])]]), &labelled("n", &[("foo", "bar")])));
    // "Pod with empty MatchExpressions is not a valid value will match no objects and won't schedule onto the node"
    assert!(!ok(&required(vec![vec![]]), &labelled("n", &[("foo", "bar")])));
    // "Pod with multiple matchExpressions ANDed that doesn't match the existing node"
    let gpu = labelled("n", &[("GPU", "NVIDIA-GRID-K1")]);
    assert!(!ok(&required(vec![vec![r("GPU", Exists, &[]), r("GPU", In, &["AMD", "INTER"])]]), &gpu));
    // "Pod with multiple matchExpressions ANDed that matches the existing node"
    assert!(ok(&required(vec![vec![r("GPU", Exists, &[]), r("GPU", NotIn, &["AMD", "INTER"])]]), &gpu));
    // "Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels and will schedule onto the node"
    let pod = required(vec![vec![r("foo", In, &["bar", "value2"])], vec![r("diffkey", In, &["wrong", "value2"])]]);
    assert!(ok(&pod, &labelled("n", &[("foo", "bar")])));
    // "Pod with an invalid value in Affinity term won't be scheduled onto the node"
    assert!(!ok(
        &required(vec![vec![r("foo", NotIn, &["invalid value: ___@#$%^"])]]),
        &labelled("n", &[("foo", "bar")])
    ));
    // "Pod with matchFields using In operator that does not match the existing node"
    let mut pod = PodInfo::new("p");
    let term = NodeSelectorTerm { match_expressions: vec![], match_fields: vec![r("metadata.name", In, &["node1"])] };
    pod.required_affinity = Some(NodeSelector { terms: vec![term] });
    assert!(ok(&pod, &labelled("node1", &[])));
    assert!(!ok(&pod, &labelled("node2", &[])));
}

#[test]
fn node_affinity_priority() {
    let pref = |w: i32, reqs: Vec<NodeSelectorRequirement>| PreferredSchedulingTerm {
        weight: w,
        preference: NodeSelectorTerm::expressions(reqs),
    };
    let affinity1 = vec![pref(2, vec![r("foo", In, &["bar"])])];
    let affinity2 = vec![
        pref(2, vec![r("foo", In, &["bar"])]),
        pref(4, vec![r("key", In, &["value"])]),
        pref(5, vec![r("foo", In, &["bar"]), r("key", In, &["value"]), r("az", In, &["az1"])]),
    ];
    let scores = |pref: Vec<PreferredSchedulingTerm>, nodes: &[NodeInfo]| {
        let pod = PodInfo { preferred_affinity: pref, ..Default::default() };
        node_affinity_scores(&pod, &nodes.iter().collect::<Vec<_>>())
    };
    let l1 = labelled("node1", &[("foo", "bar")]);
    let l2 = labelled("node2", &[("key", "value")]);
    let l3 = labelled("node3", &[("az", "az1")]);
    let l5 = labelled("node5", &[("foo", "bar"), ("key", "value"), ("az", "az1")]);
    // source: nodeaffinity/node_affinity_test.go TestNodeAffinityPriority "all nodes are same priority as NodeAffinity is nil"
    assert_eq!(scores(vec![], &[l1.clone(), l2.clone(), l3.clone()]), vec![0, 0, 0]);
    // "only node1 matches the preferred scheduling requirements of pod"
    assert_eq!(scores(affinity1.clone(), &[l1.clone(), l2.clone(), l3.clone()]), vec![100, 0, 0]);
    // "no node matches preferred scheduling requirements in NodeAffinity of pod so all nodes' priority is zero"
    let l4 = labelled("node1", &[("abc", "az11"), ("def", "az22")]);
    assert_eq!(scores(affinity1, &[l4, l2.clone(), l3]), vec![0, 0, 0]);
    // "all nodes matches the preferred scheduling requirements of pod but with different priorities "
    assert_eq!(scores(affinity2, &[l1, l5, l2]), vec![18, 100, 36]);
}

// ======================================================================================
// defaultpreemption/default_preemption_test.go
// ======================================================================================

const NEG: i32 = -100;
const LOW: i32 = 0;
const MID: i32 = 100;
const HIGH: i32 = 1000;
const VERY_HIGH: i32 = 10000;
const SMALL: (i64, i64) = (100, 100);
const MEDIUM: (i64, i64) = (200, 200);
const LARGE: (i64, i64) = (300, 300);
const VERY_LARGE: (i64, i64) = (500, 500);

fn ppod(name: &str, priority: i32, res: (i64, i64), start: i64) -> PodInfo {
    PodInfo::new(name).priority(priority).req(res.0, res.1).start_time(start)
}

/// Nodes with capacity `veryLargeRes` (+32 pods) holding the listed pods (`pN.M` goes to `nodeN`).
fn preemption_nodes(n: usize, pods: &[PodInfo]) -> Vec<NodeInfo> {
    (1..=n)
        .map(|i| {
            let name = format!("node{i}");
            let prefix = format!("p{i}.");
            pods.iter()
                .filter(|p| p.name.starts_with(&prefix))
                .fold(NodeInfo::new(&name, Resources::new(VERY_LARGE.0, VERY_LARGE.1, 32)), |node, p| {
                    node.with_pod(p.clone())
                })
        })
        .collect()
}

fn dry_run(pod: &PodInfo, nodes: &[NodeInfo]) -> DryRun {
    let filtered = filter_nodes(pod, nodes, &FitFilterArgs::default());
    dry_run_preemption(pod, nodes, &filtered, &[], &FitFilterArgs::default(), &PreemptionArgs::default())
}

fn best_candidate(pod: &PodInfo, nodes: &[NodeInfo]) -> Candidate {
    let dry = dry_run(pod, nodes);
    dry.candidates[pick_one_node_for_preemption(&dry.candidates).unwrap()].clone()
}

#[test]
fn preemption_node_with_min_highest_priority_pod_is_picked() {
    // source: defaultpreemption/default_preemption_test.go TestSelectBestCandidate "node with min highest priority pod is picked"
    let pods = [
        ppod("p1.1", MID, MEDIUM, 0),
        ppod("p1.2", MID, LARGE, 0),
        ppod("p2.1", MID, MEDIUM, 0),
        ppod("p2.2", LOW, MEDIUM, 0),
        ppod("p3.1", LOW, MEDIUM, 0),
        ppod("p3.2", LOW, MEDIUM, 0),
    ];
    let c = best_candidate(&ppod("p", HIGH, VERY_LARGE, 0), &preemption_nodes(3, &pods));
    assert_eq!(c.node_name, "node3");
    // capsim check (not asserted upstream in this test): the preemptor needs the whole node.
    assert_eq!(c.victims.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["p3.1", "p3.2"]);
}

#[test]
fn preemption_min_sum_of_priorities() {
    // source: defaultpreemption/default_preemption_test.go TestSelectBestCandidate
    //         "when highest priorities are the same, minimum sum of priorities is picked"
    let pods = [
        ppod("p1.1", MID, MEDIUM, 0),
        ppod("p1.2", MID, LARGE, 0),
        ppod("p2.1", MID, LARGE, 0),
        ppod("p2.2", LOW, MEDIUM, 0),
        ppod("p3.1", MID, MEDIUM, 0),
        ppod("p3.2", MID, MEDIUM, 0),
    ];
    assert_eq!(best_candidate(&ppod("p", HIGH, VERY_LARGE, 0), &preemption_nodes(3, &pods)).node_name, "node2");
}

#[test]
fn preemption_min_number_of_pods() {
    // source: defaultpreemption/default_preemption_test.go TestSelectBestCandidate
    //         "when highest priority and sum are the same, minimum number of pods is picked"
    let pods = [
        ppod("p1.1", MID, SMALL, 0),
        ppod("p1.2", NEG, SMALL, 0),
        ppod("p1.3", MID, SMALL, 0),
        ppod("p1.4", NEG, SMALL, 0),
        ppod("p2.1", MID, LARGE, 0),
        ppod("p2.2", NEG, MEDIUM, 0),
        ppod("p3.1", MID, MEDIUM, 0),
        ppod("p3.2", NEG, SMALL, 0),
        ppod("p3.3", LOW, SMALL, 0),
    ];
    assert_eq!(best_candidate(&ppod("p", HIGH, VERY_LARGE, 0), &preemption_nodes(3, &pods)).node_name, "node2");
}

#[test]
fn preemption_sum_of_adjusted_priorities() {
    // source: defaultpreemption/default_preemption_test.go TestSelectBestCandidate "sum of adjusted priorities is considered"
    let pods = [
        ppod("p1.1", MID, SMALL, 0),
        ppod("p1.2", NEG, SMALL, 0),
        ppod("p1.3", NEG, SMALL, 0),
        ppod("p2.1", MID, LARGE, 0),
        ppod("p2.2", NEG, MEDIUM, 0),
        ppod("p3.1", MID, MEDIUM, 0),
        ppod("p3.2", NEG, SMALL, 0),
        ppod("p3.3", LOW, SMALL, 0),
    ];
    assert_eq!(best_candidate(&ppod("p", HIGH, VERY_LARGE, 0), &preemption_nodes(3, &pods)).node_name, "node2");
}

#[test]
fn preemption_non_overlapping_criteria() {
    // source: defaultpreemption/default_preemption_test.go TestSelectBestCandidate
    //         "non-overlapping lowest high priority, sum priorities, and number of pods"
    let pods = [
        ppod("p1.1", MID, SMALL, 0),
        ppod("p1.2", LOW, SMALL, 0),
        ppod("p1.3", LOW, SMALL, 0),
        ppod("p2.1", HIGH, LARGE, 0),
        ppod("p3.1", MID, MEDIUM, 0),
        ppod("p3.2", LOW, SMALL, 0),
        ppod("p3.3", LOW, SMALL, 0),
        ppod("p3.4", LOW, MEDIUM, 0),
        ppod("p4.1", MID, MEDIUM, 0),
        ppod("p4.2", MID, SMALL, 0),
        ppod("p4.3", MID, SMALL, 0),
        ppod("p4.4", NEG, SMALL, 0),
    ];
    assert_eq!(best_candidate(&ppod("p", VERY_HIGH, VERY_LARGE, 0), &preemption_nodes(4, &pods)).node_name, "node1");
}

#[test]
fn preemption_latest_start_time() {
    // source: defaultpreemption/default_preemption_test.go TestSelectBestCandidate
    //         "same priority, same number of victims, different start time for each node's pod"
    let pods = [
        ppod("p1.1", MID, MEDIUM, 2),
        ppod("p1.2", MID, MEDIUM, 2),
        ppod("p2.1", MID, MEDIUM, 3),
        ppod("p2.2", MID, MEDIUM, 3),
        ppod("p3.1", MID, MEDIUM, 1),
        ppod("p3.2", MID, MEDIUM, 1),
    ];
    assert_eq!(best_candidate(&ppod("p", HIGH, VERY_LARGE, 0), &preemption_nodes(3, &pods)).node_name, "node2");

    // source: same test, "same priority, same number of victims, different start time for all pods"
    let pods = [
        ppod("p1.1", MID, MEDIUM, 4),
        ppod("p1.2", MID, MEDIUM, 2),
        ppod("p2.1", MID, MEDIUM, 5),
        ppod("p2.2", MID, MEDIUM, 1),
        ppod("p3.1", MID, MEDIUM, 3),
        ppod("p3.2", MID, MEDIUM, 6),
    ];
    assert_eq!(best_candidate(&ppod("p", HIGH, VERY_LARGE, 0), &preemption_nodes(3, &pods)).node_name, "node3");

    // source: same test, "different priority, same number of victims, different start time for all pods"
    let pods = [
        ppod("p1.1", LOW, MEDIUM, 4),
        ppod("p1.2", MID, MEDIUM, 2),
        ppod("p2.1", MID, MEDIUM, 6),
        ppod("p2.2", LOW, MEDIUM, 1),
        ppod("p3.1", LOW, MEDIUM, 3),
        ppod("p3.2", MID, MEDIUM, 5),
    ];
    assert_eq!(best_candidate(&ppod("p", HIGH, VERY_LARGE, 0), &preemption_nodes(3, &pods)).node_name, "node2");
}

/// `st.MakeNode().Capacity(onePodRes)`: one pod, no CPU or memory.
fn one_pod_node(name: &str) -> NodeInfo {
    NodeInfo::new(name, Resources::new(0, 0, 1))
}

#[test]
fn preemption_post_filter_outcomes() {
    let pdbs = [];
    let profile = Profile::default();
    let run = |pod: &PodInfo, nodes: &[NodeInfo]| schedule_or_preempt(pod, nodes, &pdbs, &profile);
    let post_msg = |res: Result<Decision, ScheduleError>| match res {
        Err(ScheduleError::Unschedulable(e)) => e.post_filter_msg.unwrap(),
        other => panic!("expected unschedulable, got {other:?}"),
    };

    // source: defaultpreemption/default_preemption_test.go TestPostFilter "pod with higher priority can be made schedulable"
    let nodes = [one_pod_node("node1").with_pod(PodInfo::new("p1"))];
    match run(&PodInfo::new("p").priority(HIGH), &nodes) {
        Ok(Decision::Preempt(c)) => assert_eq!((c.node_name.as_str(), c.victims[0].name.as_str()), ("node1", "p1")),
        other => panic!("{other:?}"),
    }

    // source: same test, "pod with tied priority is still unschedulable"
    assert_eq!(
        post_msg(run(&PodInfo::new("p"), &nodes)),
        "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
    );

    // source: same test, "pod can be made schedulable on one node"
    let nodes = [
        one_pod_node("node1").with_pod(PodInfo::new("p1").priority(HIGH)),
        one_pod_node("node2").with_pod(PodInfo::new("p2").priority(LOW)),
    ];
    match run(&PodInfo::new("p").priority(MID), &nodes) {
        Ok(Decision::Preempt(c)) => assert_eq!(c.node_name, "node2"),
        other => panic!("{other:?}"),
    }

    // source: same test, "no candidate nodes found, no enough resource after removing low priority pods"
    let node_res = |n: &str| NodeInfo::new(n, Resources::new(200, 400, 32));
    let nodes = [node_res("node1").with_pod(PodInfo::new("p1")), node_res("node2").with_pod(PodInfo::new("p2"))];
    let pod = ppod("p", HIGH, LARGE, 0);
    assert_eq!(post_msg(run(&pod, &nodes)), "preemption: 0/2 nodes are available: 2 Insufficient cpu.");

    // source: same test, "no candidate nodes found with mixed reasons, no lower priority pod and no enough CPU resource"
    let nodes = [
        one_pod_node("node1").with_pod(PodInfo::new("p1").priority(HIGH)),
        node_res("node2").with_pod(PodInfo::new("p2")),
        one_pod_node("node3").with_pod(PodInfo::new("p3").priority(HIGH)),
    ];
    assert_eq!(
        post_msg(run(&pod, &nodes)),
        "preemption: 0/3 nodes are available: 1 Insufficient cpu, 2 No preemption victims found for incoming pod."
    );
}

#[test]
fn preemption_policy_never_is_not_eligible() {
    // source: defaultpreemption/default_preemption_test.go TestPodEligibleToPreemptOthers "Pod with 'PreemptNever' preemption policy"
    let mut pod = PodInfo::new("p_with_preempt_never_policy").priority(HIGH);
    assert!(pod_eligible_to_preempt_others(&pod).is_ok());
    pod.preemption_policy = PreemptionPolicy::Never;
    assert!(pod_eligible_to_preempt_others(&pod).is_err());
    // capsim check: such a pod stays unschedulable even where eviction would work.
    let nodes = [one_pod_node("node1").with_pod(PodInfo::new("p1"))];
    assert!(schedule_or_preempt(&pod, &nodes, &[], &Profile::default()).is_err());
}
