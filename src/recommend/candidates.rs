//! The node-pool candidates `capsim recommend` compares: a family of instance types (general,
//! compute, memory), with or without a spot pool for pods that tolerate spot, with or without
//! headroom placeholders; each written as real `karpenter.sh/v1` NodePool YAML.

use crate::pricing::Catalog;

/// AKS's spot taint (pods that tolerate it may run on spot nodes).
pub const SPOT_TAINT_KEY: &str = "kubernetes.azure.com/scalesetpriority";

/// A family: three sizes of one instance-type series within a vCPU range.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// `general`, `compute` or `memory`, and the range, e.g. `general-4to16`.
    pub name: String,
    pub types: Vec<String>,
}

/// One size of a series: (vCPU, memory GiB, on-demand $/h, name).
type Size = (u32, f64, f64, String);
/// A series' three sizes in one range, by its key.
type Pick<'a> = (&'a str, Vec<&'a Size>);

/// A series seen in the catalog: the types of one naming pattern, by vCPU.
struct Series {
    key: String,
    sizes: Vec<Size>,
}

/// `Standard_D4s_v5` → `Standard_D#s_v5`; `m6i.xlarge` → `m6i`.
fn series_key(name: &str) -> String {
    if let Some((prefix, _)) = name.split_once('.') {
        return prefix.to_string();
    }
    let mut out = String::new();
    let mut replaced = false;
    let mut in_digits = false;
    for ch in name.chars() {
        if ch.is_ascii_digit() && !replaced {
            if !in_digits {
                out.push('#');
                in_digits = true;
            }
            continue;
        }
        if in_digits {
            replaced = true;
            in_digits = false;
        }
        out.push(ch);
    }
    out
}

/// Series people run Kubernetes nodes on: Azure's D (general), F (compute) and E (memory) and
/// AWS's m, c and r families. Burstable (Azure B, AWS t), previous-generation (A), confidential
/// (DC, EC, `_cc_`), storage, HPC and GPU series are not node-pool candidates.
fn node_series(name: &str) -> bool {
    if let Some(rest) = name.strip_prefix("Standard_") {
        let mut chars = rest.chars();
        let family = chars.next();
        let next = chars.next();
        return matches!(family, Some('D' | 'F' | 'E'))
            && next.is_some_and(|c| c.is_ascii_digit())
            && !rest.contains("_cc");
    }
    matches!(name.chars().next(), Some('m' | 'c' | 'r')) && name.contains('.')
}

/// The vCPU ranges families are tried in: three sizes each.
pub const SIZE_RANGES: [[u32; 3]; 2] = [[2, 4, 8], [4, 8, 16]];

/// Families from the catalog: every amd64 series of the region (suspect-flagged rows left out)
/// with all three sizes of a range; a series another one beats at every size (as much memory or
/// more, price as low or lower) is pruned; of the rest, the cheapest of each class (compute < 3 GiB
/// per vCPU ≤ general < 6 ≤ memory) in each range. Returns the families and what was pruned.
pub fn families(catalog: &Catalog, region: &str) -> (Vec<Family>, Vec<String>) {
    let mut series: Vec<Series> = Vec::new();
    for e in catalog.entries.iter().filter(|e| e.region == region && e.arch == "amd64" && e.gpu == 0) {
        if !e.flags.is_empty() || !node_series(&e.name) {
            continue;
        }
        let key = series_key(&e.name);
        let item = (e.vcpu, e.memory_gib, e.on_demand.usd_per_hour, e.name.clone());
        match series.iter_mut().find(|s| s.key == key) {
            Some(s) => s.sizes.push(item),
            None => series.push(Series { key, sizes: vec![item] }),
        }
    }
    series.sort_by(|a, b| a.key.cmp(&b.key));
    let mut families = Vec::new();
    let mut pruned = Vec::new();
    for range in SIZE_RANGES {
        let label = format!("{}to{}", range[0], range[2]);
        // Each series' three sizes in this range, if it has them all.
        let cands: Vec<Pick<'_>> = series
            .iter()
            .filter_map(|s| {
                let picked: Vec<_> = range.iter().filter_map(|v| s.sizes.iter().find(|x| x.0 == *v)).collect();
                (picked.len() == 3).then_some((s.key.as_str(), picked))
            })
            .collect();
        let beats = |b: &[&Size], a: &[&Size]| {
            b.iter().zip(a).all(|(x, y)| x.1 >= y.1 && x.2 <= y.2)
                && b.iter().zip(a).any(|(x, y)| x.1 > y.1 || x.2 < y.2)
        };
        let kept: Vec<&Pick<'_>> = cands
            .iter()
            .filter(|(key, a)| match cands.iter().find(|(_, b)| beats(b, a)) {
                Some((by, _)) => {
                    pruned.push(format!("{key} ({label} vCPU): dominated by {by}"));
                    false
                }
                None => true,
            })
            .collect();
        for class in ["general", "compute", "memory"] {
            let of_class = |sizes: &[&Size]| {
                let per_cpu = sizes[1].1 / f64::from(sizes[1].0);
                let c = if per_cpu < 3.0 {
                    "compute"
                } else if per_cpu < 6.0 {
                    "general"
                } else {
                    "memory"
                };
                c == class
            };
            let best = kept.iter().filter(|(_, sizes)| of_class(sizes)).min_by(|a, b| {
                let cost = |s: &Vec<&Size>| s.iter().map(|x| x.2).sum::<f64>();
                cost(&a.1).total_cmp(&cost(&b.1)).then(a.0.cmp(b.0))
            });
            if let Some((_, sizes)) = best {
                families.push(Family {
                    name: format!("{class}-{label}"),
                    types: sizes.iter().map(|x| x.3.clone()).collect(),
                });
            }
        }
    }
    (families, pruned)
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
            "# capsim recommend: candidate {} (family {}: {}).\n{}",
            self.id,
            f.name,
            f.types.join(", "),
            pool(&f.name, 10, "on-demand", false)
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
                    let mut id = f.name.clone();
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
        let f = Family { name: "general".into(), types: vec!["Standard_D4s_v5".into(), "Standard_D8s_v5".into()] };
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
    fn families_come_from_the_catalog_with_dominated_series_pruned() {
        let catalog = crate::pricing::load("azure-germanywestcentral").unwrap();
        let (fams, pruned) = families(&catalog, "germanywestcentral");
        let names: Vec<&str> = fams.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["general-2to8", "compute-2to8", "memory-2to8", "general-4to16", "compute-4to16", "memory-4to16"]
        );
        // Ddsv5 costs more than Dsv5 for the same size: pruned, never a candidate.
        assert!(pruned.iter().any(|p| p.starts_with("Standard_D#ds_v5 (4to16 vCPU): dominated by")), "{pruned:?}");
        assert!(fams.iter().all(|f| f.types.iter().all(|t| !t.contains("ds_v5"))));
        // Suspect rows (flagged) are left out: Dasv5 in germanywestcentral.
        assert!(fams.iter().all(|f| f.types.iter().all(|t| !t.contains("as_v5"))));
        // Only D/F/E series: no burstable, previous-generation or confidential VMs.
        for f in &fams {
            for t in &f.types {
                let letter = t.strip_prefix("Standard_").and_then(|r| r.chars().next());
                assert!(matches!(letter, Some('D' | 'F' | 'E')) && !t.contains("_cc"), "{t}");
            }
        }
        let general = &fams.iter().find(|f| f.name == "general-4to16").unwrap().types;
        assert!(general[0].starts_with("Standard_D4"), "{general:?}");
        for f in &fams {
            assert_eq!(f.types.len(), 3);
        }
    }

    #[test]
    fn series_keys_group_sizes() {
        assert_eq!(series_key("Standard_D16s_v5"), "Standard_D#s_v5");
        assert_eq!(series_key("Standard_E4ads_v5"), "Standard_E#ads_v5");
        assert_eq!(series_key("m6i.2xlarge"), "m6i");
    }

    #[test]
    fn the_grid_has_each_combination_once() {
        let f = |n: &str| Family { name: n.into(), types: vec![] };
        let with = candidates(&[f("general"), f("memory")], 12);
        assert_eq!(with.len(), 1 + 2 * 2 * 2 * 2);
        let without = candidates(&[f("general")], 0);
        let ids: Vec<&str> = without.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["current", "general", "general+when-empty", "general+spot", "general+spot+when-empty"]);
    }
}
