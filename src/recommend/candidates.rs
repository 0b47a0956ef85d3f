//! The node-pool candidates `capsim recommend` compares: a family of instance types (general,
//! compute, memory), with or without a spot pool for pods that tolerate spot, with or without
//! headroom placeholders; each written as real `karpenter.sh/v1` NodePool YAML.

use crate::pricing::Catalog;

/// AKS's spot taint (pods that tolerate it may run on spot nodes).
pub const SPOT_TAINT_KEY: &str = "kubernetes.azure.com/scalesetpriority";

/// A family of three sizes of one instance-type series.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub name: &'static str,
    pub types: Vec<String>,
}

/// The families a provider's catalog offers: general purpose, compute optimized, memory
/// optimized, 4/8/16 vCPU each (only those whose three sizes are all in the catalog).
pub fn families(catalog: &Catalog, region: &str) -> Vec<Family> {
    let series: &[(&str, [&str; 3])] = &[
        ("general", ["Standard_D4s_v5", "Standard_D8s_v5", "Standard_D16s_v5"]),
        ("compute", ["Standard_F4s_v2", "Standard_F8s_v2", "Standard_F16s_v2"]),
        ("memory", ["Standard_E4s_v5", "Standard_E8s_v5", "Standard_E16s_v5"]),
        ("general", ["m6i.xlarge", "m6i.2xlarge", "m6i.4xlarge"]),
        ("compute", ["c6i.xlarge", "c6i.2xlarge", "c6i.4xlarge"]),
        ("memory", ["r6i.xlarge", "r6i.2xlarge", "r6i.4xlarge"]),
    ];
    series
        .iter()
        .filter(|(_, types)| types.iter().all(|t| catalog.get(region, t).is_some()))
        .map(|(name, types)| Family { name, types: types.iter().map(|t| t.to_string()).collect() })
        .collect()
}

/// One candidate configuration of the node pools.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// e.g. `general+spot+headroom`; `current` for the scenario as it is.
    pub id: String,
    pub family: Option<Family>,
    pub spot: bool,
    /// Placeholder CPU held as headroom (cores); 0 = none.
    pub headroom_cpu: u32,
    /// `WhenEmptyOrUnderutilized` (Karpenter's default) or `WhenEmpty` (no consolidation of
    /// busy nodes, so fewer evictions).
    pub consolidation: &'static str,
}

impl Candidate {
    pub fn is_current(&self) -> bool {
        self.family.is_none()
    }

    /// The NodePool manifests (one YAML stream).
    pub fn nodepools_yaml(&self) -> Option<String> {
        let f = self.family.as_ref()?;
        let types = f.types.iter().map(|t| format!("            - {t}\n")).collect::<String>();
        let consolidation = self.consolidation;
        let pool = |name: &str, weight: u32, capacity: &str, taint: bool| {
            let taints = if taint {
                format!(
                    "      taints:\n        - key: {SPOT_TAINT_KEY}\n          value: spot\n          effect: NoSchedule\n"
                )
            } else {
                String::new()
            };
            format!(
                "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata:\n  name: {name}\nspec:\n  weight: {weight}\n  template:\n    spec:\n      nodeClassRef:\n        group: karpenter.azure.com\n        kind: AKSNodeClass\n        name: default\n      expireAfter: 720h\n{taints}      requirements:\n        - key: node.kubernetes.io/instance-type\n          operator: In\n          values:\n{types}        - key: karpenter.sh/capacity-type\n          operator: In\n          values: [{capacity}]\n  disruption:\n    consolidationPolicy: {consolidation}\n    consolidateAfter: 5m\n    budgets:\n      - nodes: \"10%\"\n"
            )
        };
        let mut out = format!(
            "# capsim recommend: candidate {} ({} family: {}).\n{}",
            self.id,
            f.name,
            f.types.join(", "),
            pool(f.name, 10, "on-demand", false)
        );
        if self.spot {
            out.push_str("---\n");
            out.push_str(&pool(&format!("{}-spot", f.name), 50, "spot", true));
        }
        Some(out)
    }

    /// The headroom placeholders (PriorityClass and pause Deployment), if any.
    pub fn headroom_yaml(&self) -> Option<String> {
        if self.headroom_cpu == 0 {
            return None;
        }
        let replicas = self.headroom_cpu.div_ceil(2);
        Some(format!(
            "# capsim recommend: {replicas} placeholder pods of 2 CPU that real pods pre-empt.\napiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: capsim-headroom\nvalue: -10\npreemptionPolicy: Never\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: capsim-headroom\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels: {{app: capsim-headroom}}\n  template:\n    metadata:\n      labels: {{app: capsim-headroom}}\n    spec:\n      priorityClassName: capsim-headroom\n      terminationGracePeriodSeconds: 0\n      containers:\n        - name: pause\n          image: registry.k8s.io/pause:3.10\n          resources:\n            requests: {{cpu: \"2\", memory: 4Gi}}\n"
        ))
    }
}

/// Every family × {on-demand only, with a spot pool} × {no headroom, `headroom_cpu`} ×
/// {consolidate underutilized nodes, only empty ones}, after the scenario as it is.
pub fn candidates(families: &[Family], headroom_cpu: u32) -> Vec<Candidate> {
    let mut out = vec![Candidate {
        id: "current".into(),
        family: None,
        spot: false,
        headroom_cpu: 0,
        consolidation: "WhenEmptyOrUnderutilized",
    }];
    let headrooms: &[u32] = if headroom_cpu == 0 { &[0] } else { &[0, headroom_cpu] };
    for f in families {
        for spot in [false, true] {
            for &h in headrooms {
                for consolidation in ["WhenEmptyOrUnderutilized", "WhenEmpty"] {
                    let mut id = f.name.to_string();
                    if spot {
                        id.push_str("+spot");
                    }
                    if h > 0 {
                        id.push_str(&format!("+headroom{h}"));
                    }
                    if consolidation == "WhenEmpty" {
                        id.push_str("+when-empty");
                    }
                    out.push(Candidate { id, family: Some(f.clone()), spot, headroom_cpu: h, consolidation });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autoscale::karpenter::NodePool;

    #[test]
    fn candidate_yaml_is_valid_nodepools() {
        let f = Family { name: "general", types: vec!["Standard_D4s_v5".into(), "Standard_D8s_v5".into()] };
        let c = Candidate {
            id: "general+spot".into(),
            family: Some(f),
            spot: true,
            headroom_cpu: 0,
            consolidation: "WhenEmpty",
        };
        let yaml = c.nodepools_yaml().unwrap();
        let docs: Vec<&str> = yaml.split("---\n").collect();
        assert_eq!(docs.len(), 2);
        let (spot, _) = NodePool::from_yaml(docs[1]).unwrap();
        assert_eq!(spot.name, "general-spot");
        assert_eq!(spot.weight, 50);
        assert_eq!(spot.taints[0].key, SPOT_TAINT_KEY);
        assert_eq!(spot.consolidation_policy, crate::autoscale::karpenter::ConsolidationPolicy::WhenEmpty);
        let (general, warnings) = NodePool::from_yaml(docs[0]).unwrap();
        assert_eq!(general.weight, 10);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(c.headroom_yaml().is_none());
    }

    #[test]
    fn the_grid_has_each_combination_once() {
        let f = |n| Family { name: n, types: vec![] };
        let with = candidates(&[f("general"), f("memory")], 12);
        assert_eq!(with.len(), 1 + 2 * 2 * 2 * 2);
        let without = candidates(&[f("general")], 0);
        let ids: Vec<&str> = without.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["current", "general", "general+when-empty", "general+spot", "general+spot+when-empty"]);
    }
}
