//! Nodes and pod placement. For now a fixed set of nodes and a first-fit placement; the
//! kube-scheduler's filter and score plugins replace it with the node autoscalers.

pub mod allocatable;
pub mod scheduler;

use crate::model::{NodeGroup, Resources};

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    pub pool: String,
    pub instance_type: Option<String>,
    pub allocatable: Resources,
    pub max_pods: u32,
    pub requested: Resources,
    pub pods: u32,
}

impl Node {
    fn fits(&self, req: &Resources) -> bool {
        self.pods < self.max_pods
            && self.requested.cpu + req.cpu <= self.allocatable.cpu + 1e-9
            && self.requested.memory + req.memory <= self.allocatable.memory + 0.5
    }
}

/// Why a pod fits on no node, in the scheduler's words.
#[derive(Debug, Clone, PartialEq)]
pub struct Unschedulable {
    pub insufficient_cpu: u32,
    pub insufficient_memory: u32,
    pub too_many_pods: u32,
    pub nodes: u32,
}

impl std::fmt::Display for Unschedulable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "0/{} nodes are available", self.nodes)?;
        let mut parts = Vec::new();
        if self.insufficient_cpu > 0 {
            parts.push(format!("{} Insufficient cpu", self.insufficient_cpu));
        }
        if self.insufficient_memory > 0 {
            parts.push(format!("{} Insufficient memory", self.insufficient_memory));
        }
        if self.too_many_pods > 0 {
            parts.push(format!("{} Too many pods", self.too_many_pods));
        }
        if !parts.is_empty() {
            write!(f, ": {}", parts.join(", "))?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Default)]
pub struct Cluster {
    pub nodes: Vec<Node>,
}

impl Cluster {
    /// Expands node groups into named nodes (`<pool>-<n>`), in declaration order.
    pub fn from_groups(groups: &[NodeGroup]) -> Self {
        let mut nodes = Vec::new();
        for g in groups {
            for i in 0..g.count {
                nodes.push(Node {
                    name: format!("{}-{i}", g.pool),
                    pool: g.pool.clone(),
                    instance_type: g.instance_type.clone(),
                    allocatable: g.allocatable,
                    max_pods: g.max_pods,
                    requested: Resources::default(),
                    pods: 0,
                });
            }
        }
        Cluster { nodes }
    }

    /// Binds a pod to the first node it fits on; returns the node index, or why it fits nowhere.
    pub fn bind_first_fit(&mut self, req: &Resources) -> Result<usize, Unschedulable> {
        match self.nodes.iter().position(|n| n.fits(req)) {
            Some(i) => {
                let n = &mut self.nodes[i];
                n.requested = n.requested.add(req);
                n.pods += 1;
                Ok(i)
            }
            None => Err(self.why_unschedulable(req)),
        }
    }

    /// Frees what a pod held on node `i` (when it is gone).
    pub fn release(&mut self, i: usize, req: &Resources) {
        let n = &mut self.nodes[i];
        n.requested =
            Resources { cpu: (n.requested.cpu - req.cpu).max(0.0), memory: (n.requested.memory - req.memory).max(0.0) };
        n.pods = n.pods.saturating_sub(1);
    }

    /// Why a pod with these requests fits on no node right now.
    pub fn why_unschedulable(&self, req: &Resources) -> Unschedulable {
        let mut u = Unschedulable {
            insufficient_cpu: 0,
            insufficient_memory: 0,
            too_many_pods: 0,
            nodes: self.nodes.len() as u32,
        };
        for n in &self.nodes {
            if n.pods >= n.max_pods {
                u.too_many_pods += 1;
            }
            if n.requested.cpu + req.cpu > n.allocatable.cpu + 1e-9 {
                u.insufficient_cpu += 1;
            }
            if n.requested.memory + req.memory > n.allocatable.memory + 0.5 {
                u.insufficient_memory += 1;
            }
        }
        u
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_fit_and_reason() {
        let g = NodeGroup {
            pool: "p".into(),
            instance_type: None,
            count: 2,
            allocatable: Resources { cpu: 2.0, memory: 4e9 },
            max_pods: 3,
        };
        let mut c = Cluster::from_groups(&[g]);
        let pod = Resources { cpu: 1.0, memory: 1e9 };
        assert_eq!(c.bind_first_fit(&pod), Ok(0));
        assert_eq!(c.bind_first_fit(&pod), Ok(0));
        assert_eq!(c.bind_first_fit(&pod), Ok(1));
        assert_eq!(c.bind_first_fit(&pod), Ok(1));
        let err = c.bind_first_fit(&pod).unwrap_err();
        assert_eq!(err.to_string(), "0/2 nodes are available: 2 Insufficient cpu");
    }
}
