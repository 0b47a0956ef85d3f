//! `least-nodes` expander: keep the options adding the fewest nodes (`expander/leastnodes`).

use super::ExpansionOption;

pub fn best_options(options: &[ExpansionOption], candidates: &[usize]) -> (Vec<usize>, String) {
    let min = candidates.iter().map(|&i| options[i].node_count).min().unwrap_or(0);
    let best: Vec<usize> = candidates.iter().copied().filter(|&i| options[i].node_count == min).collect();
    let note = format!("least-nodes: {min} node(s), {} option(s)", best.len());
    (best, note)
}
