//! Instance types and their offerings (zone × capacity type × price), the catalogue the scheduler
//! narrows and the launcher picks from. Mirrors `pkg/cloudprovider/types.go`.

use std::collections::BTreeMap;

use super::labels;
use super::requirements::{Operator, Requirement, Requirements};

/// Resources Karpenter tracks: CPU (millicores), memory (bytes), pod slots.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Resources {
    pub cpu_milli: u64,
    pub memory: u64,
    pub pods: u64,
}

impl Resources {
    pub const fn new(cpu_milli: u64, memory: u64, pods: u64) -> Resources {
        Resources { cpu_milli, memory, pods }
    }

    pub fn add(&self, o: &Resources) -> Resources {
        Resources::new(self.cpu_milli + o.cpu_milli, self.memory + o.memory, self.pods + o.pods)
    }

    pub fn saturating_sub(&self, o: &Resources) -> Resources {
        Resources::new(
            self.cpu_milli.saturating_sub(o.cpu_milli),
            self.memory.saturating_sub(o.memory),
            self.pods.saturating_sub(o.pods),
        )
    }

    /// Element-wise max (limits are charged with the largest type a NodeClaim may become).
    pub fn max_each(&self, o: &Resources) -> Resources {
        Resources::new(self.cpu_milli.max(o.cpu_milli), self.memory.max(o.memory), self.pods.max(o.pods))
    }

    /// `self` fits within `available` on every resource.
    pub fn fits_in(&self, available: &Resources) -> bool {
        self.cpu_milli <= available.cpu_milli && self.memory <= available.memory && self.pods <= available.pods
    }
}

/// `karpenter.sh/capacity-type` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CapacityType {
    Reserved,
    Spot,
    OnDemand,
}

impl CapacityType {
    pub fn as_str(self) -> &'static str {
        match self {
            CapacityType::Reserved => "reserved",
            CapacityType::Spot => "spot",
            CapacityType::OnDemand => "on-demand",
        }
    }

    pub fn parse(text: &str) -> Option<CapacityType> {
        Some(match text {
            "reserved" => CapacityType::Reserved,
            "spot" => CapacityType::Spot,
            "on-demand" => CapacityType::OnDemand,
            _ => return None,
        })
    }
}

/// One way to buy an instance type: where, how, at what price, whether it is available now.
#[derive(Debug, Clone, PartialEq)]
pub struct Offering {
    pub zone: String,
    pub capacity_type: CapacityType,
    /// Price per hour.
    pub price: f64,
    pub available: bool,
    /// Spot eviction-rate band (Azure publishes e.g. "0-5"); informational.
    pub eviction_band: Option<String>,
}

impl Offering {
    pub fn new(zone: impl Into<String>, capacity_type: CapacityType, price: f64) -> Offering {
        Offering { zone: zone.into(), capacity_type, price, available: true, eviction_band: None }
    }

    /// Compatible with NodeClaim requirements when its zone and capacity type are both allowed.
    pub fn compatible(&self, reqs: &Requirements) -> bool {
        reqs.get_ref(labels::ZONE).is_none_or(|r| r.has(&self.zone))
            && reqs.get_ref(labels::CAPACITY_TYPE).is_none_or(|r| r.has(self.capacity_type.as_str()))
    }
}

/// An instance type: capacity, overhead (kube/system reserved + eviction threshold), the label
/// requirements it satisfies, and its offerings.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceType {
    pub name: String,
    pub capacity: Resources,
    pub overhead: Resources,
    pub requirements: Requirements,
    pub offerings: Vec<Offering>,
}

impl InstanceType {
    /// A Linux type with the instance-type and arch labels; add offerings with [`with_offering`](Self::with_offering).
    pub fn new(name: impl Into<String>, cpu_milli: u64, memory: u64, pods: u64, arch: &str) -> InstanceType {
        let name = name.into();
        let mut requirements = Requirements::new();
        requirements.add(Requirement::new(labels::INSTANCE_TYPE, Operator::In, [name.clone()]));
        requirements.add(Requirement::new(labels::ARCH, Operator::In, [arch]));
        requirements.add(Requirement::new(labels::OS, Operator::In, ["linux"]));
        InstanceType {
            name,
            capacity: Resources::new(cpu_milli, memory, pods),
            overhead: Resources::default(),
            requirements,
            offerings: Vec::new(),
        }
    }

    pub fn with_overhead(mut self, overhead: Resources) -> InstanceType {
        self.overhead = overhead;
        self
    }

    /// Sets a label (replacing any previous requirement on that key).
    pub fn with_label(self, key: &str, value: &str) -> InstanceType {
        self.with_label_values(key, &[value])
    }

    /// Sets a multi-valued label requirement (e.g. `kubernetes.io/os In [linux, windows]`).
    pub fn with_label_values(mut self, key: &str, values: &[&str]) -> InstanceType {
        let mut r = Requirements::new();
        for req in self.requirements.iter().filter(|r| r.key != key) {
            r.add(req.clone());
        }
        r.add(Requirement::new(key, Operator::In, values.iter().copied()));
        self.requirements = r;
        self
    }

    /// Adds a requirement the type satisfies (e.g. `DoesNotExist` on a label it lacks).
    pub fn with_requirement(mut self, req: Requirement) -> InstanceType {
        self.requirements.add(req);
        self
    }

    /// Adds an offering and refreshes the zone / capacity-type requirements from the available offerings.
    pub fn with_offering(mut self, offering: Offering) -> InstanceType {
        self.offerings.push(offering);
        self.sync_offering_labels();
        self
    }

    /// Zone and capacity-type requirements = values of the available offerings (as upstream providers build them).
    pub fn sync_offering_labels(&mut self) {
        let zones: Vec<String> = self.offerings.iter().filter(|o| o.available).map(|o| o.zone.clone()).collect();
        let cts: Vec<&str> = self.offerings.iter().filter(|o| o.available).map(|o| o.capacity_type.as_str()).collect();
        let mut r = Requirements::new();
        for req in self.requirements.iter().filter(|r| r.key != labels::ZONE && r.key != labels::CAPACITY_TYPE) {
            r.add(req.clone());
        }
        r.add(Requirement::new(labels::ZONE, Operator::In, zones));
        r.add(Requirement::new(labels::CAPACITY_TYPE, Operator::In, cts));
        self.requirements = r;
    }

    /// Capacity minus overhead.
    pub fn allocatable(&self) -> Resources {
        self.capacity.saturating_sub(&self.overhead)
    }

    /// Available offerings compatible with the requirements.
    pub fn compatible_offerings<'a>(&'a self, reqs: &'a Requirements) -> impl Iterator<Item = &'a Offering> + 'a {
        self.offerings.iter().filter(move |o| o.available && o.compatible(reqs))
    }

    /// Cheapest available compatible offering (ties: first listed).
    pub fn cheapest_offering(&self, reqs: &Requirements) -> Option<&Offering> {
        self.offerings.iter().filter(|o| o.available && o.compatible(reqs)).fold(None, |best: Option<&Offering>, o| {
            match best {
                Some(b) if b.price <= o.price => Some(b),
                _ => Some(o),
            }
        })
    }

    /// Most expensive available compatible offering: the worst-case launch price consolidation compares.
    pub fn most_expensive_offering(&self, reqs: &Requirements) -> Option<&Offering> {
        self.offerings.iter().filter(|o| o.available && o.compatible(reqs)).fold(None, |best: Option<&Offering>, o| {
            match best {
                Some(b) if b.price >= o.price => Some(b),
                _ => Some(o),
            }
        })
    }

    /// The type's labels intersect the requirements and some available offering is compatible.
    pub fn compatible_with(&self, reqs: &Requirements) -> bool {
        self.requirements.intersects_ok(reqs) && self.compatible_offerings(reqs).next().is_some()
    }
}

/// Sorts by cheapest compatible offering price (types without one last), ties by name: upstream
/// `InstanceTypes.OrderByPrice`, made deterministic.
pub fn order_by_price(types: &mut Vec<InstanceType>, reqs: &Requirements) {
    // Each type's price is found once (a comparison sort would look it up O(log n) times).
    let mut keyed: Vec<(f64, InstanceType)> =
        types.drain(..).map(|it| (it.cheapest_offering(reqs).map_or(f64::MAX, |o| o.price), it)).collect();
    keyed.sort_by(|(pa, a), (pb, b)| pa.total_cmp(pb).then_with(|| a.name.cmp(&b.name)));
    types.extend(keyed.into_iter().map(|(_, it)| it));
}

/// Checks `minValues`: returns how many leading types (in the given order) are needed to satisfy
/// every requirement's minValues, or an error naming the keys that cannot be satisfied
/// (upstream `InstanceTypes.SatisfiesMinValues`).
pub fn satisfies_min_values(types: &[InstanceType], reqs: &Requirements) -> Result<usize, String> {
    let keyed: Vec<&Requirement> = reqs.iter().filter(|r| r.min_values.is_some()).collect();
    if keyed.is_empty() {
        return Ok(usize::from(!types.is_empty()));
    }
    let mut seen: BTreeMap<&str, std::collections::BTreeSet<String>> = BTreeMap::new();
    for (i, it) in types.iter().enumerate() {
        for r in &keyed {
            let vals = it.requirements.get(&r.key);
            seen.entry(r.key.as_str()).or_default().extend(vals.values().map(str::to_string));
        }
        if keyed.iter().all(|r| seen.get(r.key.as_str()).map_or(0, |s| s.len()) >= r.min_values.unwrap_or(0)) {
            return Ok(i + 1);
        }
    }
    let bad: Vec<String> = keyed
        .iter()
        .filter(|r| seen.get(r.key.as_str()).map_or(0, |s| s.len()) < r.min_values.unwrap_or(0))
        .map(|r| {
            format!(
                "{}: needs {}, has {}",
                r.key,
                r.min_values.unwrap_or(0),
                seen.get(r.key.as_str()).map_or(0, |s| s.len())
            )
        })
        .collect();
    Err(format!("minValues requirement is not met for label(s) ({})", bad.join(", ")))
}

/// AWS-style provider labels derived from a name like `m5.xlarge`: family `m5`, category `m`,
/// generation `5`, size `xlarge`, cpu, memory in MiB.
pub fn with_aws_labels(it: InstanceType) -> InstanceType {
    let (family, size) =
        it.name.split_once('.').map_or((it.name.clone(), String::new()), |(f, s)| (f.into(), s.into()));
    let category: String = family.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let generation: String =
        family.chars().skip_while(|c| c.is_ascii_alphabetic()).take_while(|c| c.is_ascii_digit()).collect();
    let cpu = (it.capacity.cpu_milli / 1000).to_string();
    let mem = (it.capacity.memory / (1024 * 1024)).to_string();
    it.with_label(labels::AWS_INSTANCE_FAMILY, &family)
        .with_label(labels::AWS_INSTANCE_CATEGORY, &category)
        .with_label(labels::AWS_INSTANCE_GENERATION, &generation)
        .with_label(labels::AWS_INSTANCE_SIZE, &size)
        .with_label(labels::AWS_INSTANCE_CPU, &cpu)
        .with_label(labels::AWS_INSTANCE_MEMORY, &mem)
}

/// Azure-style labels from a SKU name like `Standard_D4s_v3`: sku-name, family `D`, version `3`,
/// sku-cpu, sku-memory (MiB).
pub fn with_azure_labels(it: InstanceType) -> InstanceType {
    let name = it.name.clone();
    let body = name.strip_prefix("Standard_").unwrap_or(&name);
    let mut parts = body.split('_');
    let size = parts.next().unwrap_or("");
    let version = parts.find_map(|p| p.strip_prefix('v')).unwrap_or("1").to_string();
    let family: String = size.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let cpu = (it.capacity.cpu_milli / 1000).to_string();
    let mem = (it.capacity.memory / (1024 * 1024)).to_string();
    it.with_label(labels::AZURE_SKU_NAME, &name)
        .with_label(labels::AZURE_SKU_FAMILY, &family)
        .with_label(labels::AZURE_SKU_VERSION, &version)
        .with_label(labels::AZURE_SKU_CPU, &cpu)
        .with_label(labels::AZURE_SKU_MEMORY, &mem)
}
