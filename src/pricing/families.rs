//! Size-flexibility groups and ratios: which sizes one commitment covers, and how many
//! normalized units each size uses (FINOPS.md §1.3).
//!
//! **Azure (instance size flexibility).** Microsoft publishes the groups and ratios in the ISF
//! table (https://aka.ms/isf, or the Reservations Catalog API `ReservationsAutofitGroup` /
//! `ReservationsAutofitRatio`); no offline copy exists in this project, so we approximate it
//! from the specs with the rule the documented example follows (DSv2 Series: DS1_v2 = 1, DS2_v2
//! = 2, DS3_v2 = 4, DS4_v2 = 8, DS5_v2 = 16, while the high-memory DS11_v2… form a group of their
//! own):
//! * group = SKU family (`standardDSv2Family`) + memory class, the GiB per vCPU rounded to a power
//!   of two (`standardDSv2Family/mem4`, `standardDSv2Family/mem8`);
//! * ratio = vCPU ÷ the smallest vCPU in the group over the whole specs table, so D2s_v5 = 1,
//!   D4s_v5 = 2, D8s_v5 = 4;
//! * constrained-vCPU sizes (`Standard_E8-4s_v5`) count as their parent size (8 vCPU), as they are
//!   priced and reserved like it.
//!
//! Microsoft's real ratios are not always normalized to 1 (the Ddsv5 Series starts at 2) and "can
//! vary by region"; only ratios within a group matter, and those our rule reproduces. Replace with
//! the ISF table when one is bundled.
//!
//! **AWS (normalized units).** Group = family in the region (`m6i`); ratio = normalized units of
//! the size: nano 0.25, micro 0.5, small 1, medium 2, large 4, xlarge 8, N·xlarge 8·N (Cost
//! Explorer `CoverageNormalizedUnits`). `metal` sizes take the units of the family's size with the
//! same vCPU, else 8 units per 4 vCPU scaled from the family's largest size.
//!
//! **GCP (resource-based commitments).** Commitments are bought in vCPU and GiB of a machine series
//! in a region, not per size: group = series (`n2`), ratio = vCPU (memory is committed apart).

use std::collections::BTreeMap;

/// A size's group and normalized units.
#[derive(Debug, Clone, PartialEq)]
pub struct Flex {
    pub group: String,
    pub ratio: f64,
}

/// Memory class: GiB per vCPU rounded to the nearest power of two (1, 2, 4, 8, 16, 32…).
pub fn memory_class(memory_gib: f64, vcpu: u32) -> u32 {
    let per = memory_gib / vcpu.max(1) as f64;
    if per <= 0.0 {
        return 1;
    }
    2f64.powf(per.log2().round()).max(1.0) as u32
}

/// The vCPU an Azure size is priced and reserved as: the parent's for constrained-vCPU sizes
/// (`Standard_E8-4s_v5` → 8), else its own.
pub fn azure_priced_vcpu(name: &str, vcpu: u32) -> u32 {
    let body = name.strip_prefix("Standard_").unwrap_or(name);
    if let Some(dash) = body.find('-') {
        let head = &body[..dash];
        let digits: String =
            head.chars().rev().take_while(|c| c.is_ascii_digit()).collect::<Vec<_>>().into_iter().rev().collect();
        if let Ok(parent) = digits.parse::<u32>()
            && parent > vcpu
        {
            return parent;
        }
    }
    vcpu
}

/// One Azure size as the specs table describes it.
#[derive(Debug, Clone)]
pub struct AzureSize<'a> {
    pub name: &'a str,
    pub sku_family: &'a str,
    pub vcpu: u32,
    pub memory_gib: f64,
}

/// Azure ISF groups and ratios for every size in the specs table (see the module doc).
pub fn azure_flex(sizes: &[AzureSize<'_>]) -> BTreeMap<String, Flex> {
    let key = |s: &AzureSize<'_>| {
        let parent = azure_priced_vcpu(s.name, s.vcpu);
        (format!("{}/mem{}", s.sku_family, memory_class(s.memory_gib, parent)), parent)
    };
    let mut smallest: BTreeMap<String, u32> = BTreeMap::new();
    for s in sizes {
        let (g, v) = key(s);
        let m = smallest.entry(g).or_insert(v);
        *m = (*m).min(v);
    }
    sizes
        .iter()
        .map(|s| {
            let (g, v) = key(s);
            let base = smallest[&g].max(1);
            (s.name.to_string(), Flex { ratio: v as f64 / base as f64, group: g })
        })
        .collect()
}

/// AWS family of an instance type: `m6i.xlarge` → `m6i`.
pub fn aws_family(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

/// AWS normalized units of a size name (`xlarge` → 8, `12xlarge` → 96, `metal-24xl` → 192);
/// `None` for plain `metal`.
pub fn aws_size_units(size: &str) -> Option<f64> {
    match size {
        "nano" => Some(0.25),
        "micro" => Some(0.5),
        "small" => Some(1.0),
        "medium" => Some(2.0),
        "large" => Some(4.0),
        "xlarge" => Some(8.0),
        _ => {
            if let Some(n) = size.strip_prefix("metal-").and_then(|m| m.strip_suffix("xl")) {
                return n.parse::<f64>().ok().map(|n| 8.0 * n);
            }
            let n = size.strip_suffix("xlarge")?;
            n.parse::<f64>().ok().map(|n| 8.0 * n)
        }
    }
}

/// AWS groups and normalized units for `(name, vcpu)` pairs (see the module doc).
pub fn aws_flex(types: &[(&str, u32)]) -> BTreeMap<String, Flex> {
    let mut out = BTreeMap::new();
    for &(name, vcpu) in types {
        let family = aws_family(name);
        let size = name.split_once('.').map(|(_, s)| s).unwrap_or("");
        let units = aws_size_units(size).or_else(|| {
            let same: Vec<(f64, u32)> = types
                .iter()
                .filter(|(n, _)| aws_family(n) == family && *n != name)
                .filter_map(|(n, v)| aws_size_units(n.split_once('.').map(|(_, s)| s).unwrap_or("")).map(|u| (u, *v)))
                .collect();
            if let Some((u, _)) = same.iter().find(|(_, v)| *v == vcpu) {
                return Some(*u);
            }
            let (u, v) = same.iter().copied().max_by(|a, b| a.0.total_cmp(&b.0))?;
            Some(u / v.max(1) as f64 * vcpu as f64)
        });
        out.insert(name.to_string(), Flex { group: family.to_string(), ratio: units.unwrap_or(2.0 * vcpu as f64) });
    }
    out
}

/// GCP series of a machine type: `n2-standard-8` → `n2`.
pub fn gcp_series(name: &str) -> &str {
    name.split('-').next().unwrap_or(name)
}

/// GCP family: series and class, `n2-standard-8` → `n2-standard`, `e2-micro` → `e2`.
pub fn gcp_family(name: &str) -> String {
    let parts: Vec<&str> = name.split('-').collect();
    if parts.len() >= 3 { format!("{}-{}", parts[0], parts[1]) } else { parts[0].to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azure_dsv2_matches_the_documented_isf_example() {
        let s = |name, vcpu, mem| AzureSize { name, sku_family: "standardDSv2Family", vcpu, memory_gib: mem };
        let sizes = [
            s("Standard_DS1_v2", 1, 3.0),
            s("Standard_DS2_v2", 2, 7.0),
            s("Standard_DS3_v2", 4, 14.0),
            s("Standard_DS4_v2", 8, 28.0),
            s("Standard_DS5_v2", 16, 56.0),
            s("Standard_DS11_v2", 2, 14.0),
            s("Standard_DS12_v2", 4, 28.0),
        ];
        let f = azure_flex(&sizes);
        let ratios: Vec<f64> =
            ["Standard_DS1_v2", "Standard_DS2_v2", "Standard_DS3_v2", "Standard_DS4_v2", "Standard_DS5_v2"]
                .iter()
                .map(|n| f[*n].ratio)
                .collect();
        assert_eq!(ratios, vec![1.0, 2.0, 4.0, 8.0, 16.0]);
        assert_eq!(f["Standard_DS1_v2"].group, f["Standard_DS5_v2"].group);
        assert_ne!(f["Standard_DS11_v2"].group, f["Standard_DS2_v2"].group);
        assert_eq!(f["Standard_DS11_v2"].ratio, 1.0);
        assert_eq!(f["Standard_DS12_v2"].ratio, 2.0);
    }

    #[test]
    fn constrained_vcpu_sizes_count_as_their_parent() {
        assert_eq!(azure_priced_vcpu("Standard_E8-4s_v5", 4), 8);
        assert_eq!(azure_priced_vcpu("Standard_M128-32ms", 32), 128);
        assert_eq!(azure_priced_vcpu("Standard_D8s_v5", 8), 8);
    }

    #[test]
    fn aws_normalized_units() {
        let f = aws_flex(&[("m5.large", 2), ("m5.xlarge", 4), ("m5.24xlarge", 96), ("m5.metal", 96), ("t3.nano", 2)]);
        assert_eq!(f["m5.large"].ratio, 4.0);
        assert_eq!(f["m5.xlarge"].ratio, 8.0);
        assert_eq!(f["m5.metal"].ratio, 192.0);
        assert_eq!(f["t3.nano"].ratio, 0.25);
        assert_eq!(f["m5.metal"].group, "m5");
    }

    #[test]
    fn gcp_names() {
        assert_eq!(gcp_family("n2-standard-8"), "n2-standard");
        assert_eq!(gcp_family("e2-micro"), "e2");
        assert_eq!(gcp_series("c4a-highmem-4-lssd"), "c4a");
    }
}
