//! Checks on what the world recorded happening and when: API calls (by object and UID
//! precondition), accepted deletions and their time, the deletion-duration histogram, and the
//! evictions the controller still has pending.

use taintsim_api::Verb;
use taintsim_scenario::format::{ApiCallCheck, DeletedCheck, MetricsCheck, PendingEvictionsCheck};

use super::WorldView;

impl WorldView {
    pub(super) fn check_api_calls(&self, c: &ApiCallCheck) -> Result<(), String> {
        let (verb, kind): (Verb, taintsim_api::Kind) = (c.verb.into(), c.kind.into());
        // What the check counts, in the words of its failure; built only for one.
        let what = || {
            let label = serde_json::to_value(c.verb).unwrap_or_default();
            let mut what = format!("{} {:?} calls", label.as_str().unwrap_or("?"), c.kind);
            if let Some(name) = &c.name {
                what.push_str(&format!(" on {name}"));
            }
            if let Some(uid) = &c.uid {
                what.push_str(&format!(" with UID precondition {uid}"));
            }
            what
        };
        // Without a filter, the server's counters, which count every call since the start
        // (or the last stop-controller); with one, the witness's record of the same calls.
        let n = if c.name.is_none() && c.uid.is_none() {
            self.server.calls(verb, kind)
        } else {
            let log = self.log.lock();
            let matching = log.calls.iter().filter(|call| {
                call.verb == verb
                    && call.kind == kind
                    && c.name.as_ref().is_none_or(|n| *n == call.object)
                    && c.uid.as_ref().is_none_or(|u| call.uid.as_ref() == Some(u))
            });
            matching.count() as u64
        };
        if let Some(want) = c.count
            && !want.admits(n)
        {
            return Err(format!("{}: expected {want}, found {n}", what()));
        }
        if let Some(least) = c.at_least
            && n < least
        {
            return Err(format!("{}: expected at least {least}, found {n}", what()));
        }
        Ok(())
    }

    pub(super) fn check_metrics(&self, m: &MetricsCheck, explain: bool) -> Result<(), String> {
        let fail =
            |message: &dyn Fn() -> String| Err(if explain { message() } else { String::new() });
        let s = self.metrics.snapshot();
        if let Some(want) = m.pod_deletions_total
            && s.pod_deletions_total != want
        {
            return fail(&|| {
                format!(
                    "pod_deletions_total: expected {want}, found {}",
                    s.pod_deletions_total
                )
            });
        }
        if let Some(want) = m.deletion_duration_count
            && s.deletion_duration_count != want
        {
            return fail(&|| {
                format!(
                    "pod_deletion_duration_seconds count: expected {want}, found {}",
                    s.deletion_duration_count
                )
            });
        }
        if let Some(want) = m.deletion_duration_sum
            && (s.deletion_duration_sum - want).abs() > 1e-9
        {
            return fail(&|| {
                format!(
                    "pod_deletion_duration_seconds sum: expected {want}, found {}",
                    s.deletion_duration_sum
                )
            });
        }
        for (le, want) in m.deletion_duration_buckets.iter().flatten() {
            let found = if le == "+Inf" {
                s.deletion_duration_count
            } else {
                let bound: Option<f64> = le.parse().ok();
                let index = bound.and_then(|b| s.buckets.iter().position(|x| *x == b));
                let Some(i) = index else {
                    let bounds: Vec<String> = s.buckets.iter().map(f64::to_string).collect();
                    return fail(&|| {
                        format!(
                            "pod_deletion_duration_seconds has no bucket le={le:?}; its bounds are {} and +Inf",
                            bounds.join(", ")
                        )
                    });
                };
                s.bucket_counts[i]
            };
            if found != *want {
                return fail(&|| {
                    format!(
                        "pod_deletion_duration_seconds bucket le={le}: expected {want}, found {found}"
                    )
                });
            }
        }
        Ok(())
    }

    pub(super) fn check_deleted(&self, d: &DeletedCheck) -> Result<(), String> {
        let log = self.log.lock();
        let deletions: Vec<_> = log
            .deletions
            .iter()
            .filter(|x| x.pod == d.pod)
            .filter(|x| d.uid.as_ref().is_none_or(|u| x.uid.as_ref() == Some(u)))
            .collect();
        let with_uid = d
            .uid
            .as_ref()
            .map_or(String::new(), |u| format!(" with UID precondition {u}"));
        let Some(first) = deletions.first() else {
            return Err(format!("no DELETE of pod {}{with_uid} was accepted", d.pod));
        };
        let at = first.at;
        let bounds = [
            (d.at.filter(|t| at != *t), "at"),
            (d.not_before.filter(|t| at < *t), "not before"),
            (d.not_after.filter(|t| at > *t), "not after"),
        ];
        for (broken, what) in bounds {
            if let Some(t) = broken {
                return Err(format!(
                    "pod {}{with_uid} was deleted at {at}, expected {what} {t}",
                    d.pod
                ));
            }
        }
        Ok(())
    }

    pub(super) fn check_pending(&self, p: &PendingEvictionsCheck) -> Result<(), String> {
        let Some(pending) = self.controller.pending_evictions() else {
            return Err("the controller does not report its pending evictions".into());
        };
        let matching: Vec<_> = pending
            .iter()
            .filter(|e| p.pod.as_ref().is_none_or(|pod| *pod == e.pod))
            .filter(|e| p.uid.as_ref().is_none_or(|u| e.uid.as_ref() == Some(u)))
            .collect();
        let describe = || {
            let all: Vec<String> = pending
                .iter()
                .map(|e| match e.at {
                    Some(at) => format!("{} at {at}", e.pod),
                    None => format!("{} (running)", e.pod),
                })
                .collect();
            format!("pending: [{}]", all.join(", "))
        };
        match p.count {
            Some(want) if !want.admits(matching.len() as u64) => {
                return Err(format!(
                    "expected {want} matching pending eviction(s), found {}; {}",
                    matching.len(),
                    describe()
                ));
            }
            None if matching.is_empty() => {
                return Err(format!("no matching pending eviction; {}", describe()));
            }
            _ => {}
        }
        if let Some(want) = p.at
            && let Some(bad) = matching.iter().find(|e| e.at != Some(want))
        {
            return Err(format!(
                "pending eviction of {} is not due at {want}; {}",
                bad.pod,
                describe()
            ));
        }
        Ok(())
    }
}
