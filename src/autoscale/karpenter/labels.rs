//! Well-known label keys (core Kubernetes, karpenter.sh, AWS and Azure providers). Well-known
//! labels may be required by pods without the NodePool defining them: the instance types and
//! offerings supply their values.

pub const NODEPOOL: &str = "karpenter.sh/nodepool";
pub const CAPACITY_TYPE: &str = "karpenter.sh/capacity-type";
pub const INSTANCE_TYPE: &str = "node.kubernetes.io/instance-type";
pub const ARCH: &str = "kubernetes.io/arch";
pub const OS: &str = "kubernetes.io/os";
pub const ZONE: &str = "topology.kubernetes.io/zone";
pub const REGION: &str = "topology.kubernetes.io/region";
pub const HOSTNAME: &str = "kubernetes.io/hostname";
pub const WINDOWS_BUILD: &str = "node.kubernetes.io/windows-build";

/// AWS provider (`karpenter.k8s.aws/...`).
pub const AWS_INSTANCE_FAMILY: &str = "karpenter.k8s.aws/instance-family";
pub const AWS_INSTANCE_CATEGORY: &str = "karpenter.k8s.aws/instance-category";
pub const AWS_INSTANCE_GENERATION: &str = "karpenter.k8s.aws/instance-generation";
pub const AWS_INSTANCE_SIZE: &str = "karpenter.k8s.aws/instance-size";
pub const AWS_INSTANCE_CPU: &str = "karpenter.k8s.aws/instance-cpu";
pub const AWS_INSTANCE_MEMORY: &str = "karpenter.k8s.aws/instance-memory";

/// Azure provider (`karpenter.azure.com/...`).
pub const AZURE_SKU_NAME: &str = "karpenter.azure.com/sku-name";
pub const AZURE_SKU_FAMILY: &str = "karpenter.azure.com/sku-family";
pub const AZURE_SKU_VERSION: &str = "karpenter.azure.com/sku-version";
pub const AZURE_SKU_CPU: &str = "karpenter.azure.com/sku-cpu";
pub const AZURE_SKU_MEMORY: &str = "karpenter.azure.com/sku-memory";

const CORE: &[&str] = &[NODEPOOL, CAPACITY_TYPE, INSTANCE_TYPE, ARCH, OS, ZONE, REGION, WINDOWS_BUILD];

/// Whether the key is well known. Provider labels are matched by domain prefix
/// (`karpenter.k8s.aws/`, `karpenter.azure.com/`), an approximation of each provider's explicit list.
pub fn is_well_known(key: &str) -> bool {
    CORE.contains(&key) || key.starts_with("karpenter.k8s.aws/") || key.starts_with("karpenter.azure.com/")
}

/// Keys a NodePool may not require (upstream `RestrictedLabels`): the hostname and the NodePool label itself.
pub fn is_restricted(key: &str) -> bool {
    key == HOSTNAME || key == NODEPOOL || key == "karpenter.sh/nodeclaim" || key == "karpenter.sh/initialized"
}
