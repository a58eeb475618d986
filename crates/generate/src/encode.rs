//! The inverse of [`super::fuzz::decode`]'s `arbitrary` reading: the bytes that decode to a
//! given [`Case`]. It seeds the `event_sequence` corpus with meaningful cases and lets tests
//! write fuzz inputs (and crash artifacts) through the very decoder the target uses.
//!
//! It follows `arbitrary` 1.x as derived for these types: integers little-endian; `bool` one
//! byte; `Option` a `bool` then the value; a `Vec` a `true` byte before each element and a
//! `false` byte after the last; an enum variant a `u32` `v` with `(v * variants) >> 32 ==
//! index`; the last field of [`Case`] read to the end of the input. The round trip is tested
//! in `tests/proptest_generated.rs`.

use super::{
    Case, ClaimSpec, ConsumerSpec, DeviceSpec, FaultSpec, InformerSpec, Obj, ObjKind, Op,
    PodClaimSpec, PodSpec, PodVerb, ResultSpec, RuleSpec, SelectorSpec, SliceSpec, TaintEffectSpec,
    TaintSpec, TemplateStatus, TolerationEffectSpec, TolerationSpec,
};

/// The bytes that `arbitrary` decodes into `case` (before [`super::fuzz::decode`] cuts and
/// normalises it).
pub fn encode(case: &Case) -> Vec<u8> {
    let mut out = Vec::new();
    case.objects.put(&mut out);
    case.wait_for_sync.put(&mut out);
    case.steps.put(&mut out);
    case.seed.put(&mut out);
    out
}

trait Put {
    fn put(&self, out: &mut Vec<u8>);
}

fn variant(out: &mut Vec<u8>, index: u64, count: u64) {
    // The least v with (v * count) >> 32 == index.
    let v = (index << 32).div_ceil(count);
    out.extend_from_slice(&(v as u32).to_le_bytes());
}

impl Put for u8 {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(*self);
    }
}

impl Put for u16 {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl Put for i16 {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl Put for u64 {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl Put for bool {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
}

impl<T: Put> Put for Option<T> {
    fn put(&self, out: &mut Vec<u8>) {
        self.is_some().put(out);
        if let Some(v) = self {
            v.put(out);
        }
    }
}

impl<T: Put> Put for Vec<T> {
    fn put(&self, out: &mut Vec<u8>) {
        for v in self {
            true.put(out);
            v.put(out);
        }
        false.put(out);
    }
}

impl Put for Obj {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Obj::Slice(s) => {
                variant(out, 0, 4);
                s.put(out);
            }
            Obj::Claim(c) => {
                variant(out, 1, 4);
                c.put(out);
            }
            Obj::Pod(p) => {
                variant(out, 2, 4);
                p.put(out);
            }
            Obj::Rule(r) => {
                variant(out, 3, 4);
                r.put(out);
            }
        }
    }
}

impl Put for ObjKind {
    fn put(&self, out: &mut Vec<u8>) {
        let i = match self {
            ObjKind::Slice => 0,
            ObjKind::Claim => 1,
            ObjKind::Pod => 2,
            ObjKind::Rule => 3,
        };
        variant(out, i, 4);
    }
}

impl Put for Op {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Op::Put(o) => {
                variant(out, 0, 5);
                o.put(out);
            }
            Op::Delete(k, slot) => {
                variant(out, 1, 5);
                k.put(out);
                slot.put(out);
            }
            Op::Advance(s) => {
                variant(out, 2, 5);
                s.put(out);
            }
            Op::SetFault(f) => {
                variant(out, 3, 5);
                f.put(out);
            }
            Op::ClearFault(slot) => {
                variant(out, 4, 5);
                slot.put(out);
            }
        }
    }
}

impl Put for SliceSpec {
    fn put(&self, out: &mut Vec<u8>) {
        self.slot.put(out);
        self.pool.put(out);
        self.generation.put(out);
        self.devices.put(out);
    }
}

impl Put for DeviceSpec {
    fn put(&self, out: &mut Vec<u8>) {
        self.device.put(out);
        self.taints.put(out);
    }
}

impl Put for TaintEffectSpec {
    fn put(&self, out: &mut Vec<u8>) {
        let i = match self {
            TaintEffectSpec::NoSchedule => 0,
            TaintEffectSpec::NoExecute => 1,
        };
        variant(out, i, 2);
    }
}

impl Put for TaintSpec {
    fn put(&self, out: &mut Vec<u8>) {
        self.key.put(out);
        self.value.put(out);
        self.effect.put(out);
        self.time_added.put(out);
    }
}

impl Put for ClaimSpec {
    fn put(&self, out: &mut Vec<u8>) {
        self.slot.put(out);
        self.allocated.put(out);
        self.results.put(out);
        self.reserved_for.put(out);
        self.owner.put(out);
    }
}

impl Put for ResultSpec {
    fn put(&self, out: &mut Vec<u8>) {
        self.pool.put(out);
        self.device.put(out);
        self.tolerations.put(out);
    }
}

impl Put for TolerationEffectSpec {
    fn put(&self, out: &mut Vec<u8>) {
        let i = match self {
            TolerationEffectSpec::Empty => 0,
            TolerationEffectSpec::NoSchedule => 1,
            TolerationEffectSpec::NoExecute => 2,
        };
        variant(out, i, 3);
    }
}

impl Put for TolerationSpec {
    fn put(&self, out: &mut Vec<u8>) {
        self.key.put(out);
        self.exists.put(out);
        self.value.put(out);
        self.effect.put(out);
        self.seconds.put(out);
    }
}

impl Put for ConsumerSpec {
    fn put(&self, out: &mut Vec<u8>) {
        self.pod.put(out);
        self.stale.put(out);
    }
}

impl Put for PodSpec {
    fn put(&self, out: &mut Vec<u8>) {
        self.slot.put(out);
        self.scheduled.put(out);
        self.claims.put(out);
    }
}

impl Put for PodClaimSpec {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            PodClaimSpec::Direct(c) => {
                variant(out, 0, 2);
                c.put(out);
            }
            PodClaimSpec::Template(t) => {
                variant(out, 1, 2);
                t.put(out);
            }
        }
    }
}

impl Put for TemplateStatus {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            TemplateStatus::Missing => variant(out, 0, 3),
            TemplateStatus::NotNeeded => variant(out, 1, 3),
            TemplateStatus::Claim(c) => {
                variant(out, 2, 3);
                c.put(out);
            }
        }
    }
}

impl Put for RuleSpec {
    fn put(&self, out: &mut Vec<u8>) {
        self.slot.put(out);
        self.selector.put(out);
        self.taint.put(out);
    }
}

impl Put for SelectorSpec {
    fn put(&self, out: &mut Vec<u8>) {
        self.driver.put(out);
        self.pool.put(out);
        self.device.put(out);
    }
}

impl Put for PodVerb {
    fn put(&self, out: &mut Vec<u8>) {
        let i = match self {
            PodVerb::Get => 0,
            PodVerb::Patch => 1,
            PodVerb::Delete => 2,
        };
        variant(out, i, 3);
    }
}

impl Put for InformerSpec {
    fn put(&self, out: &mut Vec<u8>) {
        let i = match self {
            InformerSpec::Pods => 0,
            InformerSpec::Claims => 1,
            InformerSpec::Slices => 2,
            InformerSpec::Rules => 3,
        };
        variant(out, i, 4);
    }
}

impl Put for FaultSpec {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            FaultSpec::PodApiError { slot, verb, times } => {
                variant(out, 0, 4);
                slot.put(out);
                verb.put(out);
                times.put(out);
            }
            FaultSpec::PodLatency { slot, verb, millis } => {
                variant(out, 1, 4);
                slot.put(out);
                verb.put(out);
                millis.put(out);
            }
            FaultSpec::WatchDelay {
                slot,
                informer,
                millis,
            } => {
                variant(out, 2, 4);
                slot.put(out);
                informer.put(out);
                millis.put(out);
            }
            FaultSpec::DropWatch { slot, informer } => {
                variant(out, 3, 4);
                slot.put(out);
                informer.put(out);
            }
        }
    }
}
