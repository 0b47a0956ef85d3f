//! Node allocatable: what the kubelet leaves for pods on AKS and EKS nodes, and what Karpenter
//! assumes before a node exists.
//!
//! Every function here is pure and exact (integer millicores and bytes). The kubelet's rule is
//!
//! ```text
//! allocatable = capacity − kube-reserved − system-reserved − eviction threshold
//! ```
//!
//! (<https://kubernetes.io/docs/tasks/administer-cluster/reserve-compute-resources/>). Karpenter
//! computes the same thing before launching: `Allocatable() = Capacity − Overhead.Total()`, with
//! `Overhead = KubeReserved + SystemReserved + EvictionThreshold` (kubernetes-sigs/karpenter,
//! `pkg/cloudprovider/types.go`), and its providers first shrink the advertised memory by a
//! VM overhead (`--vm-memory-overhead-percent`, default 0.075 on AWS and on Azure).
//!
//! # Formulas and sources
//!
//! **AKS CPU** (both models), kube-reserved millicores: 60 for the 1st core, 40 for the 2nd,
//! 20 each for cores 3–4, 10 each above 4. This reproduces the published table
//! 1→60, 2→100, 4→140, 8→180, 16→260, 32→420, 64→740
//! (<https://learn.microsoft.com/en-us/azure/aks/node-resource-reservations>), and is the
//! 6 % / 4 % / 2 % / 1 % bracket table of Azure/karpenter-provider-azure
//! (`pkg/providers/instancetype/instancetype.go`, `reservedCPUTaxVCPU`).
//!
//! **AKS memory, [`AksModel::Legacy`] (AKS < 1.29)**: eviction `memory.available<750Mi`;
//! kube-reserved is a regressive tax of the VM's memory: 25 % of the first 4 GiB, 20 % of the
//! next 4, 10 % of the next 8, 6 % of the next 112 (up to 128), 2 % above 128 GiB, truncated to
//! whole MiB (as AKS passes `--kube-reserved=…,memory=1638Mi` for 7 GiB and as
//! karpenter-provider-azure's `KubeReservedResources` does).
//!
//! **AKS memory, [`AksModel::V1_29`] (AKS ≥ 1.29)**: eviction `memory.available<100Mi`;
//! kube-reserved = the lesser of `20 MiB × max pods + 50 MiB` and 25 % of the VM's memory
//! (truncated to whole MiB). The doc writes "MB"/"GB"; the kubelet flags are in Mi, and its
//! examples (650 MB for 30 pods) are whole Mi, so this module reads them as MiB/GiB.
//!
//! **EKS** (awslabs/amazon-eks-ami, `templates/al2/runtime/bootstrap.sh`; AL2023 nodeadm does the
//! same): kube-reserved memory `11 MiB × maxPods + 255 MiB`; kube-reserved CPU 6 % of the first
//! core, 1 % of the second, 0.5 % of cores 3–4, 0.25 % of each core above 4, each bracket
//! truncated to whole millicores (the script's integer arithmetic); no system-reserved; eviction
//! `memory.available<100Mi` (the kubelet default, which Karpenter's AWS provider also assumes).
//! Max pods: `ENIs × (IPv4 per ENI − 1) + 2` (`eni-max-pods.txt`, nodeadm `CalcMaxPods`);
//! `max-pods-calculator.sh` recommends capping it at 110, or at 250 above 30 vCPUs.
//!
//! **Karpenter VM overhead.** AWS: memory capacity = `SizeInMiB − ceil(SizeInMiB × pct)` MiB
//! (aws/karpenter-provider-aws `pkg/providers/instancetype/types.go`, `memory()`). Azure:
//! capacity = `floor(GiB) GiB − ceil(bytes × pct)` bytes, then the Legacy AKS kube-reserved and a
//! 750Mi eviction threshold (karpenter-provider-azure `CalculateMemoryWithoutOverhead`,
//! `EvictionThreshold`). Both flags default to 0.075.

use std::fmt::Write as _;

/// Bytes in a mebibyte.
pub const MIB: u64 = 1 << 20;
/// Bytes in a gibibyte.
pub const GIB: u64 = 1 << 30;
/// Karpenter's default `--vm-memory-overhead-percent` (a fraction: 0.075 = 7.5 %), AWS and Azure.
pub const KARPENTER_DEFAULT_VM_OVERHEAD: f64 = 0.075;
/// The kubelet's default hard eviction threshold `memory.available<100Mi` (EKS, AKS ≥ 1.29).
pub const EVICTION_100MI: u64 = 100 * MIB;
/// AKS's hard eviction threshold before 1.29: `memory.available<750Mi`.
pub const EVICTION_750MI: u64 = 750 * MIB;

/// What a node has before anything is reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capacity {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    pub max_pods: u32,
}

impl Capacity {
    /// A VM with `vcpu` cores and `memory_gib` GiB (rounded to the nearest byte).
    pub fn vm(vcpu: u32, memory_gib: f64, max_pods: u32) -> Self {
        Capacity { cpu_millis: u64::from(vcpu) * 1000, memory_bytes: gib_to_bytes(memory_gib), max_pods }
    }
}

/// What was taken away, by reason. All amounts are what was actually subtracted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Breakdown {
    /// Memory the provider assumes the hypervisor/firmware hides (Karpenter's VM overhead).
    pub vm_overhead_memory_bytes: u64,
    pub kube_reserved_cpu_millis: u64,
    pub kube_reserved_memory_bytes: u64,
    pub system_reserved_cpu_millis: u64,
    pub system_reserved_memory_bytes: u64,
    /// The hard eviction threshold on `memory.available`.
    pub eviction_memory_bytes: u64,
    /// Requests of DaemonSet pods (see [`daemonset_overhead`]).
    pub daemonset_cpu_millis: u64,
    pub daemonset_memory_bytes: u64,
    pub daemonset_pods: u32,
}

/// What is left for pods, how it was derived, and from what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocatable {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    pub pods: u32,
    /// The nominal capacity this was derived from (before the VM overhead).
    pub capacity: Capacity,
    pub breakdown: Breakdown,
    /// One line per resource, e.g. `cpu: 2000m − 70m kube-reserved = 1930m`.
    pub explanation: String,
}

/// Which AKS reservation rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AksModel {
    /// AKS before 1.29: regressive memory tax, eviction at 750Mi.
    Legacy,
    /// AKS 1.29 and later: `min(20Mi × max pods + 50Mi, 25 % of memory)`, eviction at 100Mi.
    V1_29,
}

impl AksModel {
    /// The model AKS uses for a Kubernetes `major.minor` version.
    pub fn for_version(major: u32, minor: u32) -> Self {
        if (major, minor) >= (1, 29) { AksModel::V1_29 } else { AksModel::Legacy }
    }

    /// The hard eviction threshold on `memory.available`.
    pub fn eviction_memory_bytes(self) -> u64 {
        match self {
            AksModel::Legacy => EVICTION_750MI,
            AksModel::V1_29 => EVICTION_100MI,
        }
    }
}

/// A DaemonSet pod's requests (one pod slot each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PodRequests {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
}

/// `memory_gib` GiB in bytes, rounded to the nearest byte (negative or NaN gives 0).
pub fn gib_to_bytes(memory_gib: f64) -> u64 {
    let b = (memory_gib * GIB as f64).round();
    if b.is_nan() || b <= 0.0 { 0 } else { b as u64 }
}

// ---------------------------------------------------------------------------------------------
// AKS

/// AKS kube-reserved CPU in millicores: 60 + 40 + 20 × 2 + 10 per core above 4.
pub fn aks_kube_reserved_cpu_millis(vcpu: u32) -> u64 {
    let n = u64::from(vcpu);
    60 * n.min(1)
        + 40 * n.clamp(1, 2).saturating_sub(1)
        + 20 * n.clamp(2, 4).saturating_sub(2)
        + 10 * n.saturating_sub(4)
}

/// The pre-1.29 regressive memory tax (25/20/10/6/2 % of the 4/4/8/112/rest GiB brackets),
/// truncated to whole MiB, in bytes.
pub fn aks_legacy_kube_reserved_memory_bytes(memory_bytes: u64) -> u64 {
    const BRACKETS: [(u64, u128); 5] = [(4, 25), (8, 20), (16, 10), (128, 6), (u64::MAX, 2)];
    let m = u128::from(memory_bytes);
    let mut lower = 0u128;
    let mut tax_x100 = 0u128;
    for (upper_gib, pct) in BRACKETS {
        let upper = if upper_gib == u64::MAX { u128::MAX } else { u128::from(upper_gib) * u128::from(GIB) };
        if m <= lower {
            break;
        }
        tax_x100 += (m.min(upper) - lower) * pct;
        lower = upper;
    }
    let mib = tax_x100 / 100 / u128::from(MIB);
    (mib as u64) * MIB
}

/// The 1.29+ rule: the lesser of `20 MiB × max pods + 50 MiB` and 25 % of memory (whole MiB).
pub fn aks_v1_29_kube_reserved_memory_bytes(memory_bytes: u64, max_pods: u32) -> u64 {
    let per_pods = (20 * u64::from(max_pods) + 50) * MIB;
    let quarter = memory_bytes / 4 / MIB * MIB;
    per_pods.min(quarter)
}

/// AKS kube-reserved memory under `model`, from the VM's (nominal) memory.
pub fn aks_kube_reserved_memory_bytes(memory_bytes: u64, max_pods: u32, model: AksModel) -> u64 {
    match model {
        AksModel::Legacy => aks_legacy_kube_reserved_memory_bytes(memory_bytes),
        AksModel::V1_29 => aks_v1_29_kube_reserved_memory_bytes(memory_bytes, max_pods),
    }
}

/// Allocatable on an AKS Linux node of `vcpu` cores and `memory_gib` GiB taking `max_pods` pods,
/// taking the VM's nominal memory as the kubelet's capacity (as the AKS doc's examples do).
pub fn aks_allocatable(vcpu: u32, memory_gib: f64, max_pods: u32, model: AksModel) -> Allocatable {
    let cap = Capacity::vm(vcpu, memory_gib, max_pods);
    aks_allocatable_on(cap, cap.memory_bytes, model)
}

/// Allocatable on an AKS node whose kubelet reports `capacity` (usually a little less memory than
/// the SKU), with reservations computed from the SKU's nominal `sku_memory_bytes` and
/// `capacity.cpu_millis / 1000` cores.
pub fn aks_allocatable_on(capacity: Capacity, sku_memory_bytes: u64, model: AksModel) -> Allocatable {
    let vcpu = u32::try_from(capacity.cpu_millis / 1000).unwrap_or(u32::MAX);
    let kr_mem = aks_kube_reserved_memory_bytes(sku_memory_bytes, capacity.max_pods, model);
    let mem_note = match model {
        AksModel::Legacy => "regressive 25/20/10/6/2 %".to_string(),
        AksModel::V1_29 => {
            let per_pods = (20 * u64::from(capacity.max_pods) + 50) * MIB;
            if kr_mem < per_pods {
                "25 % of memory".to_string()
            } else {
                format!("20Mi × {} pods + 50Mi", capacity.max_pods)
            }
        }
    };
    let b = Breakdown {
        kube_reserved_cpu_millis: aks_kube_reserved_cpu_millis(vcpu),
        kube_reserved_memory_bytes: kr_mem,
        eviction_memory_bytes: model.eviction_memory_bytes(),
        ..Breakdown::default()
    };
    let label = match model {
        AksModel::Legacy => "AKS <1.29",
        AksModel::V1_29 => "AKS ≥1.29",
    };
    build(label, capacity, b, None, &mem_note)
}

/// What Azure's Karpenter provider (AKS node auto-provisioning) assumes for a SKU before launch:
/// memory capacity `floor(GiB) GiB − ceil(bytes × vm_overhead_percent)`, Legacy AKS kube-reserved
/// computed on the SKU's GiB, eviction 750Mi, no system-reserved.
///
/// `vm_overhead_percent` is a fraction, like Karpenter's flag: 0.075 means 7.5 %.
///
/// # Panics
/// If `vm_overhead_percent` is not within `0.0..1.0`.
pub fn karpenter_azure_allocatable(vcpu: u32, memory_gib: f64, max_pods: u32, vm_overhead_percent: f64) -> Allocatable {
    check_fraction(vm_overhead_percent);
    let cap = Capacity::vm(vcpu, memory_gib, max_pods);
    let whole_gib = (memory_gib.max(0.0).floor() as u64) * GIB;
    let overhead = (whole_gib as f64 * vm_overhead_percent).ceil() as u64;
    let b = Breakdown {
        vm_overhead_memory_bytes: cap.memory_bytes - whole_gib + overhead,
        kube_reserved_cpu_millis: aks_kube_reserved_cpu_millis(vcpu),
        kube_reserved_memory_bytes: aks_legacy_kube_reserved_memory_bytes(cap.memory_bytes),
        eviction_memory_bytes: EVICTION_750MI,
        ..Breakdown::default()
    };
    build("Karpenter Azure", cap, b, Some(vm_overhead_percent), "regressive 25/20/10/6/2 %")
}

// ---------------------------------------------------------------------------------------------
// EKS

/// ENI-limited max pods: `ENIs × (IPv4 per ENI − 1) + 2` (the first IP of each ENI is the ENI's
/// own; +2 for the host-network aws-node and kube-proxy pods).
pub fn eks_max_pods(enis: u32, ipv4_per_eni: u32) -> u32 {
    enis.saturating_mul(ipv4_per_eni.saturating_sub(1)).saturating_add(2)
}

/// [`eks_max_pods`] capped as `max-pods-calculator.sh` recommends: 110, or 250 above 30 vCPUs.
pub fn eks_max_pods_recommended(enis: u32, ipv4_per_eni: u32, vcpu: u32) -> u32 {
    eks_max_pods(enis, ipv4_per_eni).min(if vcpu > 30 { 250 } else { 110 })
}

/// EKS kube-reserved CPU in millicores: 6 % of the first core, 1 % of the second, 0.5 % of cores
/// 3–4, 0.25 % above 4, each bracket truncated to whole millicores.
pub fn eks_kube_reserved_cpu_millis(vcpu: u32) -> u64 {
    const BRACKETS: [(u64, u64, u64); 4] = [(0, 1000, 600), (1000, 2000, 100), (2000, 4000, 50), (4000, u64::MAX, 25)];
    let total = u64::from(vcpu) * 1000;
    BRACKETS
        .iter()
        .filter(|(start, _, _)| total > *start)
        .map(|&(start, end, pct_x100)| (total.min(end) - start) * pct_x100 / 100 / 100)
        .sum()
}

/// EKS kube-reserved memory: `11 MiB × max pods + 255 MiB`.
pub fn eks_kube_reserved_memory_bytes(max_pods: u32) -> u64 {
    (11 * u64::from(max_pods) + 255) * MIB
}

/// Allocatable on an EKS node (EKS AMI reservations) of `vcpu` cores and `memory_gib` GiB, with
/// Karpenter's AWS VM overhead `vm_overhead_percent` (a fraction; 0.075 is Karpenter's default,
/// 0.0 gives the kubelet's view of an ideal VM). See [`eks_allocatable_mib`].
pub fn eks_allocatable(vcpu: u32, memory_gib: f64, max_pods: u32, vm_overhead_percent: f64) -> Allocatable {
    let mib = (memory_gib * 1024.0).round().max(0.0) as u64;
    eks_allocatable_mib(vcpu, mib, max_pods, vm_overhead_percent)
}

/// [`eks_allocatable`] from EC2's `MemoryInfo.SizeInMiB`, exactly as Karpenter's AWS provider
/// computes it: capacity `SizeInMiB − ceil(SizeInMiB × pct)` MiB, then minus kube-reserved and
/// the 100Mi eviction threshold. (Graviton's extra 64 MiB CMA reservation is not modelled:
/// subtract 64 from `memory_mib` for arm64.)
///
/// # Panics
/// If `vm_overhead_percent` is not within `0.0..1.0`.
pub fn eks_allocatable_mib(vcpu: u32, memory_mib: u64, max_pods: u32, vm_overhead_percent: f64) -> Allocatable {
    check_fraction(vm_overhead_percent);
    let cap = Capacity { cpu_millis: u64::from(vcpu) * 1000, memory_bytes: memory_mib * MIB, max_pods };
    // Same operations in the same order as Karpenter (bytes × pct / 1024 / 1024, then ceil).
    let overhead_mib = ((cap.memory_bytes as f64) * vm_overhead_percent / 1024.0 / 1024.0).ceil() as u64;
    let b = Breakdown {
        vm_overhead_memory_bytes: overhead_mib * MIB,
        kube_reserved_cpu_millis: eks_kube_reserved_cpu_millis(vcpu),
        kube_reserved_memory_bytes: eks_kube_reserved_memory_bytes(max_pods),
        eviction_memory_bytes: EVICTION_100MI,
        ..Breakdown::default()
    };
    let note = format!("11Mi × {max_pods} pods + 255Mi");
    build("EKS", cap, b, (vm_overhead_percent > 0.0).then_some(vm_overhead_percent), &note)
}

// ---------------------------------------------------------------------------------------------
// Generic

/// Karpenter's rule: `capacity − (kube-reserved + system-reserved + eviction)`, everything in
/// `breakdown` (VM overhead included) subtracted from `capacity`, saturating at zero.
pub fn allocatable(capacity: Capacity, breakdown: Breakdown) -> Allocatable {
    build("custom", capacity, breakdown, None, "")
}

/// Subtracts DaemonSet pods' requests from `alloc`: their CPU, their memory and one pod slot each,
/// saturating at zero (a node whose DaemonSets do not fit has nothing left; Karpenter drops such
/// instance types).
pub fn daemonset_overhead(alloc: &Allocatable, daemonsets: &[PodRequests]) -> Allocatable {
    let cpu: u64 = daemonsets.iter().map(|d| d.cpu_millis).sum();
    let mem: u64 = daemonsets.iter().map(|d| d.memory_bytes).sum();
    let pods = u32::try_from(daemonsets.len()).unwrap_or(u32::MAX);
    let mut out = alloc.clone();
    out.cpu_millis = alloc.cpu_millis.saturating_sub(cpu);
    out.memory_bytes = alloc.memory_bytes.saturating_sub(mem);
    out.pods = alloc.pods.saturating_sub(pods);
    out.breakdown.daemonset_cpu_millis += alloc.cpu_millis - out.cpu_millis;
    out.breakdown.daemonset_memory_bytes += alloc.memory_bytes - out.memory_bytes;
    out.breakdown.daemonset_pods += alloc.pods - out.pods;
    let _ = write!(
        out.explanation,
        "\ndaemonsets ({} pods): cpu {}m − {}m = {}m; memory {} − {} = {}; pods {} − {} = {}",
        daemonsets.len(),
        alloc.cpu_millis,
        cpu,
        out.cpu_millis,
        fmt_mem(alloc.memory_bytes),
        fmt_mem(mem),
        fmt_mem(out.memory_bytes),
        alloc.pods,
        pods,
        out.pods
    );
    out
}

/// Formats bytes as Kubernetes would print them: `Gi`, `Mi` or `Ki` when exact, else bytes.
pub fn fmt_mem(bytes: u64) -> String {
    if bytes == 0 {
        "0".to_string()
    } else if bytes.is_multiple_of(GIB) {
        format!("{}Gi", bytes / GIB)
    } else if bytes.is_multiple_of(MIB) {
        format!("{}Mi", bytes / MIB)
    } else if bytes.is_multiple_of(1024) {
        format!("{}Ki", bytes / 1024)
    } else {
        format!("{bytes}")
    }
}

fn check_fraction(p: f64) {
    assert!((0.0..1.0).contains(&p), "vm_overhead_percent is a fraction in [0, 1) (0.075 = 7.5 %), got {p}");
}

fn build(label: &str, cap: Capacity, mut b: Breakdown, vm_pct: Option<f64>, kr_mem_note: &str) -> Allocatable {
    // CPU
    let mut cpu = cap.cpu_millis;
    let mut cpu_line = format!("cpu: {}m", cap.cpu_millis);
    for (amount, name) in [
        (&mut b.kube_reserved_cpu_millis, "kube-reserved"),
        (&mut b.system_reserved_cpu_millis, "system-reserved"),
        (&mut b.daemonset_cpu_millis, "daemonsets"),
    ] {
        let taken = (*amount).min(cpu);
        *amount = taken;
        if taken > 0 {
            cpu -= taken;
            let _ = write!(cpu_line, " − {taken}m {name}");
        }
    }
    let _ = write!(cpu_line, " = {cpu}m");

    // Memory
    let mut mem = cap.memory_bytes;
    let mut mem_line = format!("memory: {}", fmt_mem(cap.memory_bytes));
    let vm_name = match vm_pct {
        Some(p) => format!("VM overhead ({}%)", p * 100.0),
        None => "VM overhead".to_string(),
    };
    let kr_name =
        if kr_mem_note.is_empty() { "kube-reserved".to_string() } else { format!("kube-reserved ({kr_mem_note})") };
    for (amount, name) in [
        (&mut b.vm_overhead_memory_bytes, vm_name.as_str()),
        (&mut b.kube_reserved_memory_bytes, kr_name.as_str()),
        (&mut b.system_reserved_memory_bytes, "system-reserved"),
        (&mut b.eviction_memory_bytes, "eviction threshold"),
        (&mut b.daemonset_memory_bytes, "daemonsets"),
    ] {
        let taken = (*amount).min(mem);
        *amount = taken;
        if taken > 0 {
            mem -= taken;
            let _ = write!(mem_line, " − {} {name}", fmt_mem(taken));
        }
    }
    let _ = write!(mem_line, " = {}", fmt_mem(mem));

    // Pods
    b.daemonset_pods = b.daemonset_pods.min(cap.max_pods);
    let pods = cap.max_pods - b.daemonset_pods;
    let pods_line = if b.daemonset_pods > 0 {
        format!("pods: {} − {} daemonsets = {pods}", cap.max_pods, b.daemonset_pods)
    } else {
        format!("pods: {pods}")
    };

    Allocatable {
        cpu_millis: cpu,
        memory_bytes: mem,
        pods,
        capacity: cap,
        breakdown: b,
        explanation: format!("{label}\n{cpu_line}\n{mem_line}\n{pods_line}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aks_cpu_brackets_edges() {
        assert_eq!(aks_kube_reserved_cpu_millis(0), 0);
        assert_eq!(aks_kube_reserved_cpu_millis(3), 120);
        assert_eq!(aks_kube_reserved_cpu_millis(5), 150);
    }

    #[test]
    fn eks_cpu_truncates_each_bracket() {
        // 5 cores: 60 + 10 + 10 + floor(2.5) = 82 (bootstrap.sh integer arithmetic).
        assert_eq!(eks_kube_reserved_cpu_millis(5), 82);
        assert_eq!(eks_kube_reserved_cpu_millis(1), 60);
        assert_eq!(eks_kube_reserved_cpu_millis(0), 0);
    }

    #[test]
    fn legacy_tax_brackets() {
        assert_eq!(aks_legacy_kube_reserved_memory_bytes(0), 0);
        assert_eq!(aks_legacy_kube_reserved_memory_bytes(4 * GIB), 1024 * MIB);
        // 128 GiB: 1 + 0.8 + 0.8 + 6.72 = 9.32 GiB = 9543.68 Mi → 9543Mi; 256 GiB adds 2.56 GiB.
        assert_eq!(aks_legacy_kube_reserved_memory_bytes(128 * GIB), 9543 * MIB);
        assert_eq!(aks_legacy_kube_reserved_memory_bytes(256 * GIB), 12165 * MIB);
    }

    #[test]
    fn saturates_instead_of_underflowing() {
        let a = allocatable(
            Capacity { cpu_millis: 100, memory_bytes: MIB, max_pods: 1 },
            Breakdown { kube_reserved_cpu_millis: 500, eviction_memory_bytes: 100 * MIB, ..Breakdown::default() },
        );
        assert_eq!((a.cpu_millis, a.memory_bytes), (0, 0));
        assert_eq!(a.breakdown.kube_reserved_cpu_millis, 100);
    }

    #[test]
    fn fmt_mem_units() {
        assert_eq!(fmt_mem(8 * GIB), "8Gi");
        assert_eq!(fmt_mem(574 * MIB), "574Mi");
        assert_eq!(fmt_mem(4_668_348 * 1024), "4668348Ki");
        assert_eq!(fmt_mem(7), "7");
    }
}
