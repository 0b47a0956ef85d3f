//! Node allocatable against published numbers, plus properties (allocatable ≤ capacity, monotone
//! in capacity, daemonset accounting). Each published case cites where its numbers come from.

use capsim::cluster::allocatable::*;
use proptest::prelude::*;

const MI: u64 = MIB;

// ---------------------------------------------------------------------------------------------
// AKS

/// The CPU table of https://learn.microsoft.com/en-us/azure/aks/node-resource-reservations
/// ("CPU reservations": 1, 2, 4, 8, 16, 32, 64 cores → 60, 100, 140, 180, 260, 420, 740 m).
#[test]
fn aks_cpu_table_matches_doc() {
    let table = [(1, 60), (2, 100), (4, 140), (8, 180), (16, 260), (32, 420), (64, 740)];
    for (cores, m) in table {
        assert_eq!(aks_kube_reserved_cpu_millis(cores), m, "{cores} cores");
        for model in [AksModel::Legacy, AksModel::V1_29] {
            let a = aks_allocatable(cores, 16.0, 30, model);
            assert_eq!(a.cpu_millis, u64::from(cores) * 1000 - m);
            assert_eq!(a.breakdown.kube_reserved_cpu_millis, m);
        }
    }
}

/// AKS ≥ 1.29, first example of
/// https://learn.microsoft.com/en-us/azure/aks/node-resource-reservations ("AKS 1.29 and later"):
/// 8 GB VM, 30 max pods → kube-reserved 20 MB × 30 + 50 MB = 650 MB, eviction 100 Mi.
/// The doc's "8 GB − 0.65 GB − 0.1 GB = 7.25 GB (90.625 %)" mixes decimal GB with Mi; in MiB the
/// same rule leaves 8192 − 650 − 100 = 7442 Mi.
#[test]
fn aks_1_29_doc_example_8gb_30_pods() {
    let a = aks_allocatable(2, 8.0, 30, AksModel::V1_29);
    assert_eq!(a.breakdown.kube_reserved_memory_bytes, 650 * MI);
    assert_eq!(a.breakdown.eviction_memory_bytes, 100 * MI);
    assert_eq!(a.memory_bytes, 7442 * MI);
    assert_eq!(a.pods, 30);
    assert!(a.explanation.contains("20Mi × 30 pods + 50Mi"), "{}", a.explanation);
}

/// AKS ≥ 1.29, second example (same page): 4 GB VM, 70 max pods → 25 % × 4 GB is reserved because
/// it is less than 20 MB × 70 + 50 MB = 1450 MB. (The doc prints 25 % of 4 GB as "1000 MB",
/// reading GB as 1000 MB; in GiB it is 1024 Mi.)
#[test]
fn aks_1_29_doc_example_4gb_70_pods_takes_quarter() {
    assert_eq!(aks_v1_29_kube_reserved_memory_bytes(4 * GIB, 70), 1024 * MI);
    let a = aks_allocatable(2, 4.0, 70, AksModel::V1_29);
    assert_eq!(a.breakdown.kube_reserved_memory_bytes, 1024 * MI);
    assert_eq!(a.memory_bytes, (4096 - 1024 - 100) * MI);
    assert!(a.explanation.contains("25 % of memory"), "{}", a.explanation);
    // One pod fewer than the crossover (1024 − 50) / 20 = 48.7 → 48 pods: the per-pod rule wins.
    assert_eq!(aks_v1_29_kube_reserved_memory_bytes(4 * GIB, 48), (20 * 48 + 50) * MI);
    assert_eq!(aks_v1_29_kube_reserved_memory_bytes(4 * GIB, 49), 1024 * MI);
}

/// AKS < 1.29, the page's worked example: "if a node offers 7 GB, it reports 34 % of memory not
/// allocatable including the 750 Mi hard eviction threshold: 0.75 + 0.25×4 + 0.20×3 = 2.35 GB"
/// (https://learn.microsoft.com/en-us/azure/aks/node-resource-reservations). In Mi: 750 + 1638.
#[test]
fn aks_legacy_doc_example_7gb() {
    let a = aks_allocatable(2, 7.0, 110, AksModel::Legacy);
    assert_eq!(a.breakdown.eviction_memory_bytes, 750 * MI);
    assert_eq!(a.breakdown.kube_reserved_memory_bytes, 1638 * MI);
    assert_eq!(a.memory_bytes, (7168 - 750 - 1638) * MI);
    let reserved = 1.0 - a.memory_bytes as f64 / (7.0 * GIB as f64);
    assert!((0.33..0.34).contains(&reserved), "{reserved}"); // doc: 33.57 %, "34 %"
}

/// A real Standard_DS2_v2 (2 vCPU, 7 GiB) node on AKS < 1.29, `kubectl describe node` published at
/// https://chunliu.me/2020/06/11/node-allocatable-in-aks/ : capacity cpu 2, memory 7113660Ki,
/// pods 110 → allocatable cpu 1900m, memory 4668348Ki. The kubelet's capacity is below the SKU's
/// 7 GiB; the reservations (1638Mi + 750Mi) are computed from the SKU.
#[test]
fn aks_legacy_real_ds2_v2_node() {
    let cap = Capacity { cpu_millis: 2000, memory_bytes: 7_113_660 * 1024, max_pods: 110 };
    let a = aks_allocatable_on(cap, 7 * GIB, AksModel::Legacy);
    assert_eq!(a.cpu_millis, 1900);
    assert_eq!(a.memory_bytes, 4_668_348 * 1024);
    assert_eq!(a.pods, 110);
}

/// Azure/karpenter-provider-azure `pkg/providers/instancetype/kube_reserved_test.go`
/// (`TestKubeReservedResources`): (4 cores, 7 GiB) → 140m, 1638Mi; (2, 8) → 100m, 1843Mi;
/// (3, 64) → 120m, 5611Mi.
#[test]
fn karpenter_azure_kube_reserved_vectors() {
    for (cpus, gib, cpu_m, mem_mi) in [(4, 7.0, 140, 1638), (2, 8.0, 100, 1843), (3, 64.0, 120, 5611)] {
        let a = karpenter_azure_allocatable(cpus, gib, 110, KARPENTER_DEFAULT_VM_OVERHEAD);
        assert_eq!(a.breakdown.kube_reserved_cpu_millis, cpu_m, "{cpus} cores");
        assert_eq!(a.breakdown.kube_reserved_memory_bytes, mem_mi * MI, "{gib} GiB");
        assert_eq!(aks_legacy_kube_reserved_memory_bytes(gib_to_bytes(gib)), mem_mi * MI);
    }
}

/// Karpenter Azure capacity: `floor(GiB) Gi − ceil(bytes × 0.075)` (instancetype.go,
/// `CalculateMemoryWithoutOverhead`), then 750Mi eviction (`DefaultMemoryAvailable`).
#[test]
fn karpenter_azure_memory_overhead() {
    let a = karpenter_azure_allocatable(2, 8.0, 110, 0.075);
    let overhead = (8 * GIB * 75).div_ceil(1000); // 644245095 bytes (exact: 644245094.4)
    assert_eq!(a.breakdown.vm_overhead_memory_bytes, overhead);
    assert_eq!(a.memory_bytes, 8 * GIB - overhead - 1843 * MI - 750 * MI);
    // A 3.5 GiB SKU counts as 3 GiB before the overhead.
    let b = karpenter_azure_allocatable(2, 3.5, 110, 0.0);
    assert_eq!(b.breakdown.vm_overhead_memory_bytes, GIB / 2);
}

#[test]
fn aks_model_by_version() {
    assert_eq!(AksModel::for_version(1, 28), AksModel::Legacy);
    assert_eq!(AksModel::for_version(1, 29), AksModel::V1_29);
    assert_eq!(AksModel::for_version(1, 33), AksModel::V1_29);
    assert_eq!(AksModel::Legacy.eviction_memory_bytes(), 750 * MI);
    assert_eq!(AksModel::V1_29.eviction_memory_bytes(), 100 * MI);
}

// ---------------------------------------------------------------------------------------------
// EKS

/// Max pods from `eni-max-pods.txt` (awslabs/amazon-eks-ami, whose header gives the formula
/// `# of ENI * (# of IPv4 per ENI - 1) + 2`;
/// https://github.com/awslabs/amazon-eks-ami/blob/main/nodeadm/internal/kubelet/eni-max-pods.txt):
/// m5.large 29 (3 ENIs × 10 IPs), t3.small 11 (3 × 4), t3.medium 17 (3 × 6),
/// c5.4xlarge 234 (8 × 30), m5.24xlarge 737 (15 × 50).
#[test]
fn eks_max_pods_eni_table() {
    assert_eq!(eks_max_pods(3, 10), 29);
    assert_eq!(eks_max_pods(3, 4), 11);
    assert_eq!(eks_max_pods(3, 6), 17);
    assert_eq!(eks_max_pods(8, 30), 234);
    assert_eq!(eks_max_pods(15, 50), 737);
    // nodeadm maxpods_test.go: no ENIs still allows the 2 host-network pods.
    assert_eq!(eks_max_pods(0, 0), 2);
    assert_eq!(eks_max_pods(50, 1), 2);
}

/// `max-pods-calculator.sh` (awslabs/amazon-eks-ami templates/al2/runtime): recommended value is
/// min(ENI max pods, 110) up to 30 vCPUs, min(…, 250) above.
#[test]
fn eks_max_pods_recommended_caps() {
    assert_eq!(eks_max_pods_recommended(3, 10, 2), 29); // m5.large
    assert_eq!(eks_max_pods_recommended(8, 30, 16), 110); // c5.4xlarge: 234 → 110
    assert_eq!(eks_max_pods_recommended(8, 30, 30), 110);
    assert_eq!(eks_max_pods_recommended(15, 50, 96), 250); // m5.24xlarge: 737 → 250
    assert_eq!(eks_max_pods_recommended(8, 30, 36), 234); // c5.9xlarge: under 250
}

/// m5.large (2 vCPU, 8 GiB, 29 pods) on EKS reserves 574 MiB and 70m
/// (https://learnk8s.io/allocatable-resources, "EKS"; also eksctl's generated kubelet config
/// `kubeReserved: {cpu: 70m, memory: 574Mi}`): 11 × 29 + 255 = 574; 60 + 10 = 70.
#[test]
fn eks_m5_large_kube_reserved() {
    assert_eq!(eks_kube_reserved_memory_bytes(29), 574 * MI);
    assert_eq!(eks_kube_reserved_cpu_millis(2), 70);
    let a = eks_allocatable(2, 8.0, eks_max_pods(3, 10), 0.0);
    assert_eq!(a.cpu_millis, 1930);
    assert_eq!(a.memory_bytes, (8192 - 574 - 100) * MI);
    assert_eq!(a.pods, 29);
    // learnk8s: "You can use ~93% of the available memory" (kube-reserved only).
    assert_eq!(((8192 - 574) * 100) / 8192, 92); // 92.99 %
}

/// Karpenter's generated instance-type reference, AL2023, default 7.5 % VM overhead
/// (aws/karpenter-provider-aws website/content/en/docs/reference/instance-types.md,
/// https://karpenter.sh/docs/reference/instance-types/), "Resources" tables:
/// (type, vCPU, SizeInMiB, pods) → (cpu, memory).
#[test]
fn karpenter_aws_instance_types_reference() {
    let cases = [
        ("c1.medium", 2, 1740, 12, 1930, 1122),
        ("c3.large", 2, 3840, 29, 1930, 2878),
        ("c3.xlarge", 4, 7680, 58, 3920, 6111),
        ("c3.2xlarge", 8, 15360, 58, 7910, 13215),
        ("c3.4xlarge", 16, 30720, 234, 15890, 25487),
        ("c3.8xlarge", 32, 61440, 234, 31850, 53903),
        ("c4.8xlarge", 36, 61440, 234, 35840, 53903),
        ("c5.large", 2, 4096, 29, 1930, 3114),
        ("c5.xlarge", 4, 8192, 58, 3920, 6584),
        ("c5.2xlarge", 8, 16384, 58, 7910, 14162),
        ("c5.4xlarge", 16, 32768, 234, 15890, 27381),
        ("c5.9xlarge", 36, 73728, 234, 35840, 65269),
        ("c5.12xlarge", 48, 98304, 234, 47810, 88002),
        ("c5.18xlarge", 72, 147456, 737, 71750, 127934),
        ("c5.24xlarge", 96, 196608, 737, 95690, 173400),
        ("c5a.16xlarge", 64, 131072, 737, 63770, 112779),
        // Graviton: Karpenter first drops 64 MiB of CMA memory (2048 − 64, 4096 − 64).
        ("a1.medium", 1, 2048 - 64, 8, 940, 1392),
        ("a1.large", 2, 4096 - 64, 29, 1930, 3055),
    ];
    for (name, vcpu, mib, pods, cpu_m, mem_mi) in cases {
        let a = eks_allocatable_mib(vcpu, mib, pods, KARPENTER_DEFAULT_VM_OVERHEAD);
        assert_eq!(a.cpu_millis, cpu_m, "{name} cpu\n{}", a.explanation);
        assert_eq!(a.memory_bytes, mem_mi * MI, "{name} memory\n{}", a.explanation);
        assert_eq!(a.pods, pods, "{name} pods");
    }
}

/// The explanation spells out each subtraction.
#[test]
fn explanation_lists_each_term() {
    let a = eks_allocatable(2, 8.0, 29, KARPENTER_DEFAULT_VM_OVERHEAD);
    assert_eq!(a.memory_bytes, 6903 * MI);
    let e = &a.explanation;
    assert!(e.contains("cpu: 2000m − 70m kube-reserved = 1930m"), "{e}");
    assert!(
        e.contains("memory: 8Gi − 615Mi VM overhead (7.5%) − 574Mi kube-reserved (11Mi × 29 pods + 255Mi) − 100Mi eviction threshold = 6903Mi"),
        "{e}"
    );
    assert!(e.contains("pods: 29"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// DaemonSets

#[test]
fn daemonsets_take_requests_and_pod_slots() {
    let a = eks_allocatable(2, 8.0, 29, KARPENTER_DEFAULT_VM_OVERHEAD);
    // aws-node (25m), kube-proxy (100m), a log agent (100m, 200Mi).
    let ds = [
        PodRequests { cpu_millis: 25, memory_bytes: 0 },
        PodRequests { cpu_millis: 100, memory_bytes: 0 },
        PodRequests { cpu_millis: 100, memory_bytes: 200 * MI },
    ];
    let d = daemonset_overhead(&a, &ds);
    assert_eq!(d.cpu_millis, 1930 - 225);
    assert_eq!(d.memory_bytes, (6903 - 200) * MI);
    assert_eq!(d.pods, 26);
    assert_eq!((d.breakdown.daemonset_cpu_millis, d.breakdown.daemonset_pods), (225, 3));
    assert!(d.explanation.contains("daemonsets (3 pods)"), "{}", d.explanation);
    // Applying twice accumulates.
    let dd = daemonset_overhead(&d, &ds[..1]);
    assert_eq!((dd.cpu_millis, dd.pods, dd.breakdown.daemonset_pods), (1930 - 250, 25, 4));
    // Too much saturates at zero.
    let huge = daemonset_overhead(&a, &[PodRequests { cpu_millis: 10_000, memory_bytes: 100 * GIB }]);
    assert_eq!((huge.cpu_millis, huge.memory_bytes, huge.pods), (0, 0, 28));
}

#[test]
fn generic_allocatable_subtracts_system_reserved() {
    let cap = Capacity::vm(4, 16.0, 110);
    let b = Breakdown {
        kube_reserved_cpu_millis: 80,
        kube_reserved_memory_bytes: 1465 * MI,
        system_reserved_cpu_millis: 100,
        system_reserved_memory_bytes: 100 * MI,
        eviction_memory_bytes: 100 * MI,
        ..Breakdown::default()
    };
    let a = allocatable(cap, b);
    assert_eq!(a.cpu_millis, 3820);
    assert_eq!(a.memory_bytes, (16384 - 1465 - 200) * MI);
    assert!(a.explanation.contains("− 100m system-reserved"), "{}", a.explanation);
}

#[test]
#[should_panic(expected = "fraction")]
fn vm_overhead_given_as_percent_is_rejected() {
    let _ = eks_allocatable(2, 8.0, 29, 7.5);
}

// ---------------------------------------------------------------------------------------------
// Properties

#[derive(Debug, Clone, Copy)]
enum Provider {
    AksLegacy,
    Aks129,
    Eks(f64),
    KarpenterAzure(f64),
}

fn compute(p: Provider, vcpu: u32, mib: u64, pods: u32) -> Allocatable {
    let gib = mib as f64 / 1024.0;
    match p {
        Provider::AksLegacy => aks_allocatable(vcpu, gib, pods, AksModel::Legacy),
        Provider::Aks129 => aks_allocatable(vcpu, gib, pods, AksModel::V1_29),
        Provider::Eks(o) => eks_allocatable_mib(vcpu, mib, pods, o),
        Provider::KarpenterAzure(o) => karpenter_azure_allocatable(vcpu, gib, pods, o),
    }
}

fn provider() -> impl Strategy<Value = Provider> {
    prop_oneof![
        Just(Provider::AksLegacy),
        Just(Provider::Aks129),
        (0u32..200).prop_map(|o| Provider::Eks(f64::from(o) / 1000.0)),
        (0u32..200).prop_map(|o| Provider::KarpenterAzure(f64::from(o) / 1000.0)),
    ]
}

/// The providers whose allocatable memory is monotone in memory: Karpenter Azure is not (see
/// `karpenter_azure_drops_fractional_gib`).
fn monotone_provider() -> impl Strategy<Value = Provider> {
    provider().prop_filter("Karpenter Azure floors GiB", |p| !matches!(p, Provider::KarpenterAzure(_)))
}

/// Karpenter Azure counts only whole GiB as capacity but taxes the SKU's full memory, so a 7.5 GiB
/// SKU gets less allocatable memory than a 7 GiB one (instancetype.go: `int64(skuMemoryGiB)` for
/// capacity, `KubeReservedResources(…, sku.Memory())` for the reservation).
#[test]
fn karpenter_azure_drops_fractional_gib() {
    let seven = karpenter_azure_allocatable(2, 7.0, 110, 0.075);
    let seven_and_half = karpenter_azure_allocatable(2, 7.5, 110, 0.075);
    assert!(seven_and_half.memory_bytes < seven.memory_bytes);
    assert_eq!(seven.memory_bytes - seven_and_half.memory_bytes, (1740 - 1638) * MI); // 1 + 0.2 × 3.5 GiB vs 1 + 0.2 × 3 GiB
}

proptest! {
    /// Allocatable never exceeds capacity, and capacity = allocatable + every subtracted term.
    #[test]
    fn allocatable_within_capacity(p in provider(), vcpu in 0u32..256, mib in 0u64..4_194_304, pods in 0u32..1000) {
        let a = compute(p, vcpu, mib, pods);
        let b = a.breakdown;
        prop_assert!(a.cpu_millis <= a.capacity.cpu_millis);
        prop_assert!(a.memory_bytes <= a.capacity.memory_bytes);
        prop_assert!(a.pods <= a.capacity.max_pods);
        prop_assert_eq!(a.cpu_millis + b.kube_reserved_cpu_millis + b.system_reserved_cpu_millis, a.capacity.cpu_millis);
        prop_assert_eq!(
            a.memory_bytes + b.vm_overhead_memory_bytes + b.kube_reserved_memory_bytes
                + b.system_reserved_memory_bytes + b.eviction_memory_bytes,
            a.capacity.memory_bytes
        );
    }

    /// More cores never give less allocatable CPU; more memory (in whole MiB, the granularity of
    /// every reservation here) never gives less allocatable memory; pods follow max pods.
    #[test]
    fn monotone_in_capacity(
        p in monotone_provider(), vcpu in 0u32..256, dv in 0u32..64, mib in 0u64..2_097_152, dm in 0u64..65_536,
        pods in 0u32..1000,
    ) {
        let small = compute(p, vcpu, mib, pods);
        let more_cpu = compute(p, vcpu + dv, mib, pods);
        let more_mem = compute(p, vcpu, mib + dm, pods);
        prop_assert!(more_cpu.cpu_millis >= small.cpu_millis);
        prop_assert_eq!(more_cpu.memory_bytes, small.memory_bytes);
        prop_assert!(more_mem.memory_bytes >= small.memory_bytes, "{}\n{}", small.explanation, more_mem.explanation);
        prop_assert_eq!(more_mem.cpu_millis, small.cpu_millis);
    }

    /// Step by one MiB at a time, where truncations could bite.
    #[test]
    fn monotone_per_mib(p in monotone_provider(), mib in 0u64..300_000, pods in 0u32..300) {
        let a = compute(p, 4, mib, pods);
        let b = compute(p, 4, mib + 1, pods);
        prop_assert!(b.memory_bytes >= a.memory_bytes, "{}\n{}", a.explanation, b.explanation);
    }

    /// DaemonSets never add resources and cost one pod slot each (until none is left).
    #[test]
    fn daemonsets_only_subtract(
        p in provider(), vcpu in 1u32..64, mib in 1024u64..262_144, pods in 0u32..300,
        ds in proptest::collection::vec((0u64..2000, 0u64..4 * GIB), 0..12),
    ) {
        let a = compute(p, vcpu, mib, pods);
        let reqs: Vec<PodRequests> = ds.iter().map(|&(c, m)| PodRequests { cpu_millis: c, memory_bytes: m }).collect();
        let d = daemonset_overhead(&a, &reqs);
        prop_assert!(d.cpu_millis <= a.cpu_millis && d.memory_bytes <= a.memory_bytes);
        prop_assert_eq!(d.pods, a.pods.saturating_sub(reqs.len() as u32));
        prop_assert_eq!(d.cpu_millis + d.breakdown.daemonset_cpu_millis, a.cpu_millis);
        prop_assert_eq!(d.memory_bytes + d.breakdown.daemonset_memory_bytes, a.memory_bytes);
    }
}
