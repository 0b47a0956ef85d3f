//! `priority` expander (`expander/priority/priority.go`): the ConfigMap
//! `cluster-autoscaler-priority-expander`, key `priorities`, maps an integer priority to a list
//! of regular expressions matched (unanchored) against node-group ids. Each option gets the
//! highest priority whose list matches its group; options at the overall highest priority are
//! kept (ties go on to the next expander). If no option matches anything, all are kept.
//!
//! Like upstream, the running maximum starts at −1, so groups matching only priorities below
//! −1 are never preferred. Regexes use the subset supported by [`super::regex`].

use std::collections::BTreeMap;

use thiserror::Error;

use super::ExpansionOption;
use super::regex::{Pattern, PatternError};

/// Name of the ConfigMap upstream reads.
pub const PRIORITY_CONFIG_MAP_NAME: &str = "cluster-autoscaler-priority-expander";
/// Key inside the ConfigMap.
pub const CONFIG_MAP_KEY: &str = "priorities";

/// Why a priority configuration was rejected (upstream then keeps no option).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PriorityConfigError {
    #[error(
        "priority configuration in {PRIORITY_CONFIG_MAP_NAME} configmap is empty; please provide valid configuration"
    )]
    Empty,
    #[error("Can't parse YAML with priorities in the configmap: {0}")]
    Yaml(String),
    #[error("Can't compile regexp rule for priority {priority} and rule {rule}: {source}")]
    Regex { priority: i32, rule: String, source: PatternError },
}

/// Parsed priorities: priority → patterns (ordered map, so evaluation is deterministic).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PriorityConfig {
    pub priorities: BTreeMap<i32, Vec<Pattern>>,
}

impl PriorityConfig {
    /// Compiles a priority → regex-list map.
    pub fn new(raw: &BTreeMap<i32, Vec<String>>) -> Result<Self, PriorityConfigError> {
        let mut priorities = BTreeMap::new();
        for (&priority, rules) in raw {
            let mut compiled = Vec::with_capacity(rules.len());
            for rule in rules {
                let p = Pattern::new(rule).map_err(|source| PriorityConfigError::Regex {
                    priority,
                    rule: rule.clone(),
                    source,
                })?;
                compiled.push(p);
            }
            priorities.insert(priority, compiled);
        }
        Ok(PriorityConfig { priorities })
    }

    /// Parses the ConfigMap's `priorities` value (YAML map of int → list of strings).
    pub fn from_yaml(yaml: &str) -> Result<Self, PriorityConfigError> {
        if yaml.trim().is_empty() {
            return Err(PriorityConfigError::Empty);
        }
        let raw: BTreeMap<i32, Vec<String>> =
            serde_saphyr::from_str(yaml).map_err(|e| PriorityConfigError::Yaml(e.to_string()))?;
        PriorityConfig::new(&raw)
    }

    /// Highest priority whose patterns match `group_id`, if any.
    pub fn priority_of(&self, group_id: &str) -> Option<i32> {
        self.priorities.iter().rev().find(|(_, pats)| pats.iter().any(|p| p.is_match(group_id))).map(|(&p, _)| p)
    }

    pub fn best_options(&self, options: &[ExpansionOption], candidates: &[usize]) -> (Vec<usize>, String) {
        let mut max_prio = -1;
        let mut best: Vec<usize> = Vec::new();
        let mut unmatched: Vec<&str> = Vec::new();
        for &i in candidates {
            let id = options[i].group_id.as_str();
            match self.priority_of(id) {
                None => unmatched.push(id),
                Some(p) if p < max_prio => {}
                Some(p) => {
                    if p > max_prio {
                        max_prio = p;
                        best.clear();
                    }
                    best.push(i);
                }
            }
        }
        let mut note = if best.is_empty() {
            best = candidates.to_vec();
            "priority: no option matched the configuration, keeping all".to_owned()
        } else {
            format!("priority: {max_prio}, {} option(s)", best.len())
        };
        if !unmatched.is_empty() {
            note.push_str(&format!(" (not in config: {})", unmatched.join(", ")));
        }
        (best, note)
    }
}
