//! Autoscaling controllers, one file per controller. Each is usable alone as a library:
//! given its spec, the observed state and `now`, it returns a decision with its reason.

pub mod cluster_autoscaler;
pub mod hpa;
pub mod karpenter;
pub mod keda;
