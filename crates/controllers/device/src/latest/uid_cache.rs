//! `uidCache` (uid_cache.go): the UIDs of the last pods the controller evicted, an LRU of
//! `maxUIDCacheEntries = 500` (k8s.io/utils/lru: adding beyond capacity drops the least
//! recently used entry; a lookup counts as a use).

use std::collections::{BTreeMap, VecDeque};

/// `maxUIDCacheEntries`.
pub const MAX_UID_CACHE_ENTRIES: usize = 500;

/// See the module docs.
#[derive(Debug, Clone)]
pub struct UidCache {
    capacity: usize,
    /// Least recently used first.
    order: VecDeque<String>,
    present: BTreeMap<String, ()>,
}

impl Default for UidCache {
    fn default() -> Self {
        Self::new(MAX_UID_CACHE_ENTRIES)
    }
}

impl UidCache {
    /// An empty cache of `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            order: VecDeque::new(),
            present: BTreeMap::new(),
        }
    }

    fn touch(&mut self, uid: &str) {
        if let Some(i) = self.order.iter().position(|u| u == uid)
            && let Some(u) = self.order.remove(i)
        {
            self.order.push_back(u);
        }
    }

    /// `add`: remember `uid` as the most recently used.
    pub fn add(&mut self, uid: &str) {
        if self.present.contains_key(uid) {
            self.touch(uid);
            return;
        }
        if self.order.len() == self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.present.remove(&oldest);
        }
        self.present.insert(uid.to_owned(), ());
        self.order.push_back(uid.to_owned());
    }

    /// `has`: whether `uid` is remembered (and mark it as recently used).
    pub fn has(&mut self, uid: &str) -> bool {
        let found = self.present.contains_key(uid);
        if found {
            self.touch(uid);
        }
        found
    }

    /// How many UIDs are remembered.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_should_drop_the_least_recently_used_beyond_capacity() {
        let mut c = UidCache::new(2);
        c.add("a");
        c.add("b");
        assert!(c.has("a"), "a is now the most recently used");
        c.add("c");
        assert!(c.has("a") && c.has("c"));
        assert!(!c.has("b"), "b was the least recently used");
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn default_capacity_should_be_500() {
        let mut c = UidCache::default();
        for i in 0..501 {
            c.add(&i.to_string());
        }
        assert_eq!(c.len(), 500);
        assert!(!c.has("0"));
        assert!(c.has("500"));
    }
}
