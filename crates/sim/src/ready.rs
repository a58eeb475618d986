//! The persistent part of the enabled set: the ready tasks, kept across steps.

use crate::executor::ReadyOp;
use crate::{Enabled, TaskId};

/// Token of an entry withdrawn while applying one batch of operations, removed at its end.
const WITHDRAWN: u64 = u64::MAX;

/// The ready tasks' entries in presentation order (task id), kept from one step to the next
/// and changed only by [`ReadyOp`]s, so that a step costs the same whether ten or ten
/// thousand tasks wait through it. The simulator lends `entries` out as the head of the
/// enabled set (timers and the clock pseudo-step are appended behind them, and cut off again
/// by [`ReadySet::restore`]).
#[derive(Default)]
pub(crate) struct ReadySet {
    /// The entries, or an empty vector while they are lent out.
    entries: Vec<Enabled>,
    /// Task and step token of each entry, parallel to `entries`.
    tokens: Vec<(TaskId, u64)>,
    /// The journal being applied (swapped with the shared one, to keep its allocation).
    ops: Vec<ReadyOp>,
    /// Tasks withdrawn in the batch being applied.
    withdrawn: Vec<TaskId>,
}

/// Up to this many withdrawals in one batch are removed one by one (one `memmove` of the tail
/// each); more are removed in one pass.
const REMOVE_ONE_BY_ONE: usize = 4;

impl ReadySet {
    /// Applies the journaled changes, leaving `journal` empty. A task chosen at the last step
    /// usually registers its next step during it: the withdrawal and the registration then
    /// meet in place, and nothing moves.
    pub(crate) fn apply(&mut self, journal: &mut Vec<ReadyOp>) {
        if journal.is_empty() {
            return;
        }
        debug_assert_eq!(
            self.entries.len(),
            self.tokens.len(),
            "entries are lent out"
        );
        std::mem::swap(journal, &mut self.ops);
        for op in self.ops.drain(..) {
            match op {
                ReadyOp::Register { task, token, entry } => {
                    match self.tokens.binary_search_by_key(&task, |t| t.0) {
                        Ok(i) => {
                            self.tokens[i].1 = token;
                            self.entries[i] = entry;
                        }
                        Err(i) => {
                            self.tokens.insert(i, (task, token));
                            self.entries.insert(i, entry);
                        }
                    }
                }
                ReadyOp::Withdraw { task, token } => {
                    if let Ok(i) = self.tokens.binary_search_by_key(&task, |t| t.0)
                        && self.tokens[i].1 == token
                    {
                        self.tokens[i].1 = WITHDRAWN;
                        self.withdrawn.push(task);
                    }
                }
            }
        }
        if self.withdrawn.len() <= REMOVE_ONE_BY_ONE {
            for task in self.withdrawn.drain(..) {
                // A task withdrawn and registered again in the same batch has a live token.
                if let Ok(i) = self.tokens.binary_search_by_key(&task, |t| t.0)
                    && self.tokens[i].1 == WITHDRAWN
                {
                    self.tokens.remove(i);
                    self.entries.remove(i);
                }
            }
        } else {
            self.withdrawn.clear();
            // `retain` visits every element once, in order, so the two vectors stay parallel.
            let mut keep = self.tokens.iter().map(|t| t.1 != WITHDRAWN);
            self.entries.retain(|_| keep.next().unwrap_or(true));
            self.tokens.retain(|t| t.1 != WITHDRAWN);
        }
    }

    /// Lends the entries out, as the start of an enabled set.
    pub(crate) fn lend(&mut self) -> Vec<Enabled> {
        std::mem::take(&mut self.entries)
    }

    /// Takes back an enabled set made by [`ReadySet::lend`], dropping what was appended.
    pub(crate) fn restore(&mut self, mut enabled: Vec<Enabled>) {
        enabled.truncate(self.tokens.len());
        debug_assert_eq!(enabled.len(), self.tokens.len(), "restored a foreign set");
        self.entries = enabled;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::EnabledKind;

    fn entry(task: u64, token: u64) -> Enabled {
        Enabled {
            actor: format!("t{task}").into(),
            action: format!("step {token}"),
            touches: Vec::new(),
            detail: None,
            kind: EnabledKind::Task(TaskId(task)),
        }
    }

    /// Random batches of registrations and withdrawals (some with stale tokens, some batches
    /// large enough for the one-pass removal) against a map applied op by op.
    #[test]
    fn matches_a_map_applied_op_by_op() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut set = ReadySet::default();
        let mut model: BTreeMap<u64, u64> = BTreeMap::new();
        let mut next_token = 0u64;
        for _ in 0..2_000 {
            let mut journal = Vec::new();
            for _ in 0..rng.random_range(0..12) {
                let task = rng.random_range(0..20u64);
                match model.get(&task).copied() {
                    Some(token) if rng.random_bool(0.8) => {
                        model.remove(&task);
                        journal.push(ReadyOp::Withdraw {
                            task: TaskId(task),
                            token,
                        });
                    }
                    Some(token) => journal.push(ReadyOp::Withdraw {
                        task: TaskId(task),
                        token: token + 1_000_000,
                    }),
                    None => {
                        next_token += 1;
                        model.insert(task, next_token);
                        journal.push(ReadyOp::Register {
                            task: TaskId(task),
                            token: next_token,
                            entry: entry(task, next_token),
                        });
                    }
                }
            }
            set.apply(&mut journal);
            assert!(journal.is_empty());
            let lent = set.lend();
            let want: Vec<Enabled> = model.iter().map(|(t, k)| entry(*t, *k)).collect();
            assert_eq!(lent, want);
            set.restore(lent);
        }
    }
}
