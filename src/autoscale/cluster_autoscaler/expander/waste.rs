//! `least-waste` expander (`expander/waste/waste.go`): for each option,
//! `wasted = (cap_cpu·n − req_cpu)/(cap_cpu·n) + (cap_mem·n − req_mem)/(cap_mem·n)` using the
//! template node's *capacity* (not allocatable) and the option's pods; the lowest score wins,
//! exact ties are kept for the next expander (random by default).

use super::ExpansionOption;
use crate::autoscale::cluster_autoscaler::types::{NodeGroup, group_by_id};

/// Wasted CPU + memory fractions of one option, or `None` when its group is unknown.
pub fn waste_score(option: &ExpansionOption, groups: &[NodeGroup]) -> Option<f64> {
    let g = group_by_id(groups, &option.group_id)?;
    let n = option.node_count as f64;
    let req_cpu: u64 = option.pods.iter().map(|p| p.requests.milli_cpu).sum();
    let req_mem: u64 = option.pods.iter().map(|p| p.requests.memory).sum();
    let avail_cpu = g.capacity.milli_cpu as f64 * n;
    let avail_mem = g.capacity.memory as f64 * n;
    Some((avail_cpu - req_cpu as f64) / avail_cpu + (avail_mem - req_mem as f64) / avail_mem)
}

pub fn best_options(options: &[ExpansionOption], candidates: &[usize], groups: &[NodeGroup]) -> (Vec<usize>, String) {
    let mut best: Vec<usize> = Vec::new();
    let mut best_score = 0.0;
    for &i in candidates {
        let Some(score) = waste_score(&options[i], groups) else { continue };
        if best.is_empty() || score < best_score {
            best_score = score;
            best = vec![i];
        } else if score == best_score {
            best.push(i);
        }
    }
    let note = format!("least-waste: score {best_score:.4}, {} option(s)", best.len());
    (best, note)
}
