//! Disruption budgets (`spec.disruption.budgets`): how many of a NodePool's nodes may be
//! voluntarily disrupted at once, per reason, optionally only inside cron windows.
//! Mirrors `Budget.GetAllowedDisruptions`, `Budget.IsActive`, `NodePool.GetAllowedDisruptionsByReason`
//! and the controller's `BuildDisruptionBudgetMapping`.

use std::collections::BTreeMap;

use super::cron::Cron;
use crate::autoscale::karpenter::nodepool::NodePool;

/// What an unbounded (inactive) budget allows: upstream returns `math.MaxInt32`.
pub const UNLIMITED: u32 = i32::MAX as u32;

/// Disruption reasons a budget can be restricted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    Empty,
    Underutilized,
    Drifted,
}

impl Reason {
    pub fn parse(text: &str) -> Option<Reason> {
        Some(match text {
            "Empty" => Reason::Empty,
            "Underutilized" => Reason::Underutilized,
            "Drifted" => Reason::Drifted,
            _ => return None,
        })
    }
}

/// One budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// `"10%"` or `"5"`.
    pub nodes: String,
    /// Standard cron (UTC); with `duration` it bounds when the budget applies.
    pub schedule: Option<String>,
    pub duration_ms: Option<u64>,
    /// Empty = applies to every reason.
    pub reasons: Vec<Reason>,
}

impl Budget {
    pub fn nodes(nodes: &str) -> Budget {
        Budget { nodes: nodes.to_string(), schedule: None, duration_ms: None, reasons: Vec::new() }
    }

    pub fn with_schedule(mut self, schedule: &str, duration_ms: u64) -> Budget {
        self.schedule = Some(schedule.to_string());
        self.duration_ms = Some(duration_ms);
        self
    }

    pub fn with_reasons(mut self, reasons: &[Reason]) -> Budget {
        self.reasons = reasons.to_vec();
        self
    }

    /// Active at `now_ms` (Unix epoch ms). Without schedule and duration a budget is always active.
    pub fn is_active(&self, now_ms: u64) -> Result<bool, String> {
        self.is_active_at_unix_ms(now_ms as i64)
    }

    /// As [`is_active`](Self::is_active) with a signed epoch (dates before 1970 work).
    pub fn is_active_at_unix_ms(&self, now_ms: i64) -> Result<bool, String> {
        if self.schedule.is_none() && self.duration_ms.is_none() {
            return Ok(true);
        }
        let cron = Cron::parse(self.schedule.as_deref().unwrap_or(""))
            .map_err(|e| format!("invariant violated, invalid cron, {e}"))?;
        let duration = self.duration_ms.unwrap_or(0) as i64;
        // Hits are whole minutes; upstream works in whole seconds (Next truncates to the second).
        let now_s = now_ms.div_euclid(1000);
        let after_s = (now_ms - duration).div_euclid(1000);
        Ok(cron.fires_in(after_s, now_s))
    }

    /// Allowed disruptions for a pool of `num_nodes`: [`UNLIMITED`] when inactive, else the count or
    /// the percentage of `num_nodes` rounded **up**. Errors (bad cron / bad nodes) fail closed with 0.
    pub fn allowed_disruptions(&self, now_ms: i64, num_nodes: u32) -> (u32, Option<String>) {
        match self.is_active_at_unix_ms(now_ms) {
            Err(e) => return (0, Some(e)),
            Ok(false) => return (UNLIMITED, None),
            Ok(true) => {}
        }
        match scaled_value(&self.nodes, num_nodes) {
            Ok(v) => (v, None),
            Err(e) => (0, Some(e)),
        }
    }
}

/// `intstr.GetScaledValueFromIntOrPercent(nodes, total, roundUp=true)`.
pub fn scaled_value(nodes: &str, total: u32) -> Result<u32, String> {
    if let Ok(v) = nodes.parse::<i64>() {
        return u32::try_from(v).map_err(|_| format!("invalid nodes value {nodes:?}"));
    }
    let pct = nodes
        .strip_suffix('%')
        .and_then(|p| p.parse::<u64>().ok())
        .ok_or_else(|| format!("invalid value for IntOrString: invalid type: string is not a percentage: {nodes:?}"))?;
    Ok((pct * u64::from(total)).div_ceil(100).min(u64::from(u32::MAX)) as u32)
}

/// Minimum over the budgets that apply to `reason` (those without reasons apply to all).
/// Errors are collected, the faulty budget counting as 0 (fail closed) when it applies.
pub fn allowed_disruptions_by_reason(
    budgets: &[Budget],
    now_ms: i64,
    num_nodes: u32,
    reason: Reason,
) -> (u32, Vec<String>) {
    let mut allowed = UNLIMITED;
    let mut errors = Vec::new();
    for b in budgets {
        let (v, err) = b.allowed_disruptions(now_ms, num_nodes);
        errors.extend(err);
        if b.reasons.is_empty() || b.reasons.contains(&reason) {
            allowed = allowed.min(v);
        }
    }
    (allowed, errors)
}

/// Per-pool state the budget mapping needs about one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetNode<'a> {
    pub nodepool: Option<&'a str>,
    pub initialized: bool,
    pub ready: bool,
    pub marked_for_deletion: bool,
}

/// Disruptions still allowed per NodePool for `reason`: the budget over the pool's managed,
/// initialized nodes, minus nodes already NotReady or being deleted, floored at 0.
pub fn budget_mapping(
    nodepools: &[NodePool],
    nodes: &[BudgetNode<'_>],
    now_ms: i64,
    reason: Reason,
) -> BTreeMap<String, u32> {
    let mut num: BTreeMap<&str, u32> = BTreeMap::new();
    let mut disrupting: BTreeMap<&str, u32> = BTreeMap::new();
    for n in nodes {
        let Some(pool) = n.nodepool else { continue };
        if !n.initialized {
            continue;
        }
        *num.entry(pool).or_default() += 1;
        if !n.ready || n.marked_for_deletion {
            *disrupting.entry(pool).or_default() += 1;
        }
    }
    nodepools
        .iter()
        .map(|np| {
            let total = num.get(np.name.as_str()).copied().unwrap_or(0);
            let (allowed, _) = allowed_disruptions_by_reason(&np.budgets, now_ms, total, reason);
            let busy = disrupting.get(np.name.as_str()).copied().unwrap_or(0);
            (np.name.clone(), allowed.saturating_sub(busy))
        })
        .collect()
}
