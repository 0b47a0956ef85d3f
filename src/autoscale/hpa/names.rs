//! Maps and sets keyed by pod name, for the replica calculator.
//!
//! Upstream keys its per-sync bookkeeping by pod name in Go maps. A sync sees a handful of
//! pods and runs every 15 s of a simulated year, so these borrow the names from the observed
//! lists and keep them in one sorted vector: one allocation per map instead of a `String` and
//! a tree node per pod. The semantics are a `BTreeMap`'s: inserting an existing name
//! overwrites its value, iteration is in name order.

/// A map from borrowed pod names to `V`, sorted by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameMap<'a, V> {
    entries: Vec<(&'a str, V)>,
}

/// A set of borrowed pod names.
pub type NameSet<'a> = NameMap<'a, ()>;

impl<V> Default for NameMap<'_, V> {
    fn default() -> Self {
        Self { entries: Vec::new() }
    }
}

impl<'a, V> NameMap<'a, V> {
    pub fn with_capacity(n: usize) -> Self {
        Self { entries: Vec::with_capacity(n) }
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        // Names usually arrive in order: appending is the common case.
        match self.entries.last() {
            Some((last, _)) if *last < name => Err(self.entries.len()),
            _ => self.entries.binary_search_by(|(n, _)| (*n).cmp(name)),
        }
    }

    /// Inserts or overwrites.
    pub fn insert(&mut self, name: &'a str, value: V) {
        match self.find(name) {
            Ok(i) => self.entries[i].1 = value,
            Err(i) => self.entries.insert(i, (name, value)),
        }
    }

    pub fn get(&self, name: &str) -> Option<&V> {
        self.find(name).ok().map(|i| &self.entries[i].1)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        !self.entries.is_empty() && self.find(name).is_ok()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &V)> {
        self.entries.iter().map(|(n, v)| (*n, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_btree_map() {
        use std::collections::BTreeMap;
        let names = ["web-9", "web-10", "web-1", "web-10", "a", "web-9", "zz"];
        let mut m = NameMap::default();
        let mut b = BTreeMap::new();
        for (i, n) in names.iter().enumerate() {
            m.insert(n, i);
            b.insert(*n, i);
            assert_eq!(
                m.iter().map(|(k, v)| (k, *v)).collect::<Vec<_>>(),
                b.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>()
            );
        }
        assert_eq!(m.get("web-10"), Some(&3));
        assert!(m.contains_key("a") && !m.contains_key("b"));
        assert_eq!(m.len(), 5);
    }
}
