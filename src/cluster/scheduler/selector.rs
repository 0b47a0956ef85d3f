//! Matching helpers shared by filters, scores and preemption: node selectors (required and
//! preferred node affinity, `spec.nodeSelector`) and taint/toleration lookups.

use super::types::{
    NodeInfo, NodeSelector, NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm, PodInfo, Taint,
    TaintEffect, Toleration,
};

/// Upstream `metav1.ObjectNameField`, the only field `matchFields` supports.
pub const OBJECT_NAME_FIELD: &str = "metadata.name";

/// Whether a label value is syntactically valid (upstream rejects the whole term otherwise, so
/// it matches no node).
fn valid_label_value(v: &str) -> bool {
    if v.is_empty() {
        return true;
    }
    let b = v.as_bytes();
    v.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// One `matchExpressions` requirement against a node's labels; invalid requirements never match.
fn expression_matches(r: &NodeSelectorRequirement, node: &NodeInfo) -> bool {
    use NodeSelectorOperator::*;
    let label = node.labels.get(&r.key);
    match r.operator {
        In | NotIn => {
            if r.values.is_empty() || !r.values.iter().all(|v| valid_label_value(v)) {
                return false;
            }
            let found = label.is_some_and(|l| r.values.iter().any(|v| v == l));
            if r.operator == In { found } else { !found }
        }
        Exists | DoesNotExist => {
            if !r.values.is_empty() {
                return false;
            }
            (r.operator == Exists) == label.is_some()
        }
        Gt | Lt => {
            let [v] = r.values.as_slice() else { return false };
            let Ok(want) = v.parse::<i64>() else { return false };
            let Some(Ok(have)) = label.map(|l| l.parse::<i64>()) else { return false };
            if r.operator == Gt { have > want } else { have < want }
        }
    }
}

/// One `matchFields` requirement: only `metadata.name` with `In`/`NotIn` and exactly one value.
fn field_matches(r: &NodeSelectorRequirement, node: &NodeInfo) -> bool {
    if r.key != OBJECT_NAME_FIELD || r.values.len() != 1 {
        return false;
    }
    match r.operator {
        NodeSelectorOperator::In => r.values[0] == node.name,
        NodeSelectorOperator::NotIn => r.values[0] != node.name,
        _ => false,
    }
}

/// A term matches when it is non-empty and all its requirements hold (ANDed).
pub fn term_matches(term: &NodeSelectorTerm, node: &NodeInfo) -> bool {
    if term.match_expressions.is_empty() && term.match_fields.is_empty() {
        return false;
    }
    term.match_expressions.iter().all(|r| expression_matches(r, node))
        && term.match_fields.iter().all(|r| field_matches(r, node))
}

/// Terms are ORed; a selector without terms matches nothing.
pub fn node_selector_matches(sel: &NodeSelector, node: &NodeInfo) -> bool {
    sel.terms.iter().any(|t| term_matches(t, node))
}

/// Upstream `RequiredNodeAffinity.Match`: `spec.nodeSelector` (all labels equal) AND the
/// required node affinity, if any.
pub fn required_affinity_matches(pod: &PodInfo, node: &NodeInfo) -> bool {
    let labels_ok = pod.node_selector.iter().all(|(k, v)| node.labels.get(k) == Some(v));
    labels_ok && pod.required_affinity.as_ref().is_none_or(|s| node_selector_matches(s, node))
}

/// Whether any toleration tolerates the taint.
pub fn tolerations_tolerate(tolerations: &[Toleration], taint: &Taint) -> bool {
    tolerations.iter().any(|t| t.tolerates(taint))
}

/// Upstream `FindMatchingUntoleratedTaint` with the `NoSchedule`/`NoExecute` filter: the first
/// filtering taint (in node order) that no toleration tolerates.
pub fn first_untolerated_taint<'a>(taints: &'a [Taint], tolerations: &[Toleration]) -> Option<&'a Taint> {
    taints
        .iter()
        .filter(|t| matches!(t.effect, TaintEffect::NoSchedule | TaintEffect::NoExecute))
        .find(|t| !tolerations_tolerate(tolerations, t))
}
