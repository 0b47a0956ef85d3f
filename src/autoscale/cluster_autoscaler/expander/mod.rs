//! Expanders: pick one scale-up option among the node groups that could help.
//!
//! Upstream (`expander/factory/chain.go`) chains filters given by `--expander=a,b,…`: each
//! filter narrows the candidate list, the chain stops as soon as one option is left, and the
//! remaining ties go to the random strategy. This module does the same over option indices;
//! randomness comes from a caller-seeded [`StreamRng`] so runs are reproducible.
//!
//! One file per expander: [`waste`], [`mostpods`], [`leastnodes`], [`random`], [`priority`]
//! (with the small [`regex`] matcher), [`price`].

pub mod leastnodes;
pub mod mostpods;
pub mod price;
pub mod priority;
pub mod random;
pub mod regex;
pub mod waste;

use crate::engine::StreamRng;

use super::config::ExpanderKind;
use super::types::{NodeGroup, Pod};

pub use price::{LinearPricing, PreferredNode, PricingModel, simple_node_unfitness, simple_preferred_node};
pub use priority::PriorityConfig;

/// One way to scale up: add `node_count` nodes to `group_id`, which helps `pods`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpansionOption {
    pub group_id: String,
    pub node_count: u32,
    pub pods: Vec<Pod>,
}

/// Everything the expanders may look at besides the options.
#[derive(Clone, Copy)]
pub struct ExpanderContext<'a> {
    /// Node groups (templates) the options refer to.
    pub groups: &'a [NodeGroup],
    /// Priority expander ConfigMap; `None` = ConfigMap missing (priority yields no option).
    pub priorities: Option<&'a PriorityConfig>,
    /// Price expander pricing; `None` = no pricing (price yields no option).
    pub pricing: Option<&'a dyn PricingModel>,
    /// Preferred node shape for the price expander (see [`simple_preferred_node`]).
    pub preferred_node: PreferredNode,
}

impl<'a> ExpanderContext<'a> {
    /// Context without priority config or pricing; preferred node for a 1-node cluster.
    pub fn new(groups: &'a [NodeGroup]) -> Self {
        ExpanderContext { groups, priorities: None, pricing: None, preferred_node: simple_preferred_node(1) }
    }
}

/// The expander's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// Index into the options slice; `None` when no option survived.
    pub index: Option<usize>,
    /// Human-readable trail of what each expander did.
    pub reason: String,
}

/// Runs the expander chain `kinds` over `options`.
pub fn choose(
    kinds: &[ExpanderKind],
    options: &[ExpansionOption],
    ctx: &ExpanderContext,
    rng: &mut StreamRng,
) -> Choice {
    let mut candidates: Vec<usize> = (0..options.len()).collect();
    let mut trail: Vec<String> = Vec::new();
    for kind in kinds {
        let (next, note) = match kind {
            ExpanderKind::Random => random::best_options(&candidates, rng),
            ExpanderKind::MostPods => mostpods::best_options(options, &candidates),
            ExpanderKind::LeastWaste => waste::best_options(options, &candidates, ctx.groups),
            ExpanderKind::LeastNodes => leastnodes::best_options(options, &candidates),
            ExpanderKind::Priority => match ctx.priorities {
                Some(cfg) => cfg.best_options(options, &candidates),
                None => (Vec::new(), "priority: config map missing".to_owned()),
            },
            ExpanderKind::Price => match ctx.pricing {
                Some(p) => price::best_options(options, &candidates, ctx.groups, p, ctx.preferred_node),
                None => (Vec::new(), "price: no pricing model".to_owned()),
            },
        };
        trail.push(note);
        candidates = next;
        if candidates.len() == 1 {
            return Choice { index: Some(candidates[0]), reason: trail.join("; ") };
        }
    }
    let (last, note) = random::best_options(&candidates, rng);
    if candidates.len() > 1 {
        trail.push(note);
    }
    Choice {
        index: last.first().copied(),
        reason: if trail.is_empty() { "no expander".into() } else { trail.join("; ") },
    }
}
