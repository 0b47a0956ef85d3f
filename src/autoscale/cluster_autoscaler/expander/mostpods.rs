//! `most-pods` expander: keep the options that schedule the most pending pods
//! (`expander/mostpods`); it does not prefer bigger nodes since smaller ones can be added in
//! larger numbers.

use super::ExpansionOption;

pub fn best_options(options: &[ExpansionOption], candidates: &[usize]) -> (Vec<usize>, String) {
    let max = candidates.iter().map(|&i| options[i].pods.len()).max().unwrap_or(0);
    let best: Vec<usize> = candidates.iter().copied().filter(|&i| options[i].pods.len() == max).collect();
    let note = format!("most-pods: {max} pods, {} option(s)", best.len());
    (best, note)
}
