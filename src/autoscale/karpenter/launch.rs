//! Launch choice for a NodeClaim: which instance type, zone and capacity type the cloud provider
//! would create. Capacity type priority is upstream's (AWS `getCapacityType`): reserved, then spot,
//! then on-demand — the first one the requirements allow that has an available compatible offering.
//! Within it, the cheapest offering wins (on-demand "lowest-price"; spot approximated by cheapest,
//! AWS really uses price-capacity-optimized). Ties: instance-type name, then zone.

use super::instance_types::{CapacityType, InstanceType, order_by_price, satisfies_min_values};
use super::labels;
use super::requirements::{Operator, Requirement, Requirements};

/// Core's cap on instance types sent to the provider (v1.7+: 600; it was 60 through ~v1.6).
pub const MAX_INSTANCE_TYPES: usize = 600;
/// The AWS provider truncates again to the 60 cheapest before CreateFleet.
pub const AWS_MAX_INSTANCE_TYPES: usize = 60;

/// What gets launched.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchDecision {
    pub instance_type: String,
    pub zone: String,
    pub capacity_type: CapacityType,
    pub price: f64,
}

/// Orders by price and keeps at most `max` types, but never fewer than minValues needs
/// (upstream `Truncate`: fails if even the full list cannot meet minValues).
pub fn truncate(types: &[InstanceType], reqs: &Requirements, max: usize) -> Result<Vec<InstanceType>, String> {
    let mut sorted = types.to_vec();
    order_by_price(&mut sorted, reqs);
    let needed = satisfies_min_values(&sorted, reqs)?;
    sorted.truncate(max.max(needed));
    Ok(sorted)
}

/// Picks the offering to launch from the NodeClaim's remaining instance types.
pub fn choose_launch(types: &[InstanceType], reqs: &Requirements) -> Result<LaunchDecision, String> {
    if types.is_empty() {
        return Err("no instance types to launch".into());
    }
    satisfies_min_values(types, reqs)?;
    let ct_req = reqs.get(labels::CAPACITY_TYPE);
    let capacity_type = [CapacityType::Reserved, CapacityType::Spot, CapacityType::OnDemand]
        .into_iter()
        .find(|ct| {
            ct_req.has(ct.as_str()) && {
                let mut r = reqs.clone();
                r.add(Requirement::new(labels::CAPACITY_TYPE, Operator::In, [ct.as_str()]));
                types.iter().any(|it| it.compatible_offerings(&r).next().is_some())
            }
        })
        .ok_or_else(|| "no available offering is compatible with the requirements".to_string())?;
    let mut r = reqs.clone();
    r.add(Requirement::new(labels::CAPACITY_TYPE, Operator::In, [capacity_type.as_str()]));
    let mut best: Option<LaunchDecision> = None;
    for it in types {
        for o in it.compatible_offerings(&r) {
            let better = match &best {
                None => true,
                Some(b) => {
                    o.price < b.price
                        || (o.price == b.price
                            && (it.name.as_str(), o.zone.as_str()) < (b.instance_type.as_str(), b.zone.as_str()))
                }
            };
            if better {
                best = Some(LaunchDecision {
                    instance_type: it.name.clone(),
                    zone: o.zone.clone(),
                    capacity_type,
                    price: o.price,
                });
            }
        }
    }
    best.ok_or_else(|| "no available offering".into())
}
