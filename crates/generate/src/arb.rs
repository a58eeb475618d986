//! `arb`: the proptest strategies (generators, not schedulers) for [`Case`]s.
//!
//! Values are drawn from small sets chosen to collide (two taint keys, times an hour ago, just
//! now or soon, toleration seconds of 0, 5 or 60), so that generated worlds often have a pod
//! whose claim's device carries a taint its tolerations match or do not match. Every strategy
//! shrinks toward fewer objects and steps, earlier variants and smaller slots.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;

use super::{
    CLAIMS, Case, ClaimSpec, ConsumerSpec, DEVICES, DeviceSpec, FAULTS, FaultSpec, InformerSpec,
    KEYS, Obj, ObjKind, Op, PODS, POOLS, PodClaimSpec, PodSpec, PodVerb, RULES, ResultSpec,
    RuleSpec, SLICES, SelectorSpec, SliceSpec, TaintEffectSpec, TaintSpec, TemplateStatus,
    TolerationEffectSpec, TolerationSpec,
};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenOptions {
    /// Whether tolerations may have an empty effect (ignored by `claimEvictionTime` @ ab3cec07).
    pub empty_effect: bool,
    /// Whether the actor installs faults.
    pub faults: bool,
    /// The most initial objects.
    pub max_objects: usize,
    /// The most actor steps.
    pub max_steps: usize,
}

impl Default for GenOptions {
    /// No empty toleration effects, faults on, up to 6 objects and 10 steps.
    fn default() -> Self {
        Self {
            empty_effect: false,
            faults: true,
            max_objects: 6,
            max_steps: 10,
        }
    }
}

fn slot(n: u8) -> impl Strategy<Value = u8> {
    0..n
}

fn taint() -> impl Strategy<Value = TaintSpec> {
    (
        slot(KEYS),
        any::<bool>(),
        prop_oneof![
            3 => Just(TaintEffectSpec::NoExecute),
            1 => Just(TaintEffectSpec::NoSchedule),
        ],
        option::weighted(0.7, select(vec![-3600i16, -30, 0, 30, 600])),
    )
        .prop_map(|(key, value, effect, time_added)| TaintSpec {
            key,
            value,
            effect,
            time_added,
        })
}

fn slice() -> impl Strategy<Value = SliceSpec> {
    let device = (slot(DEVICES), vec(taint(), 0..=2))
        .prop_map(|(device, taints)| DeviceSpec { device, taints });
    (slot(SLICES), slot(POOLS), 0..3u8, vec(device, 0..=3)).prop_map(
        |(slot, pool, generation, devices)| SliceSpec {
            slot,
            pool,
            generation,
            devices,
        },
    )
}

fn toleration(empty_effect: bool) -> impl Strategy<Value = TolerationSpec> {
    let effect = if empty_effect {
        prop_oneof![
            2 => Just(TolerationEffectSpec::NoExecute),
            2 => Just(TolerationEffectSpec::Empty),
            1 => Just(TolerationEffectSpec::NoSchedule),
        ]
        .boxed()
    } else {
        prop_oneof![
            3 => Just(TolerationEffectSpec::NoExecute),
            1 => Just(TolerationEffectSpec::NoSchedule),
        ]
        .boxed()
    };
    (
        option::of(slot(KEYS)),
        any::<bool>(),
        any::<bool>(),
        effect,
        option::weighted(0.7, select(vec![-5i16, 0, 5, 60, 3600])),
    )
        .prop_map(|(key, exists, value, effect, seconds)| TolerationSpec {
            key,
            exists,
            value,
            effect,
            seconds,
        })
}

fn claim(empty_effect: bool) -> impl Strategy<Value = ClaimSpec> {
    let result = (
        slot(POOLS),
        slot(DEVICES),
        vec(toleration(empty_effect), 0..=2),
    )
        .prop_map(|(pool, device, tolerations)| ResultSpec {
            pool,
            device,
            tolerations,
        });
    let consumer = (0..=PODS, any::<bool>(), any::<bool>())
        .prop_map(|(pod, a, b)| ConsumerSpec { pod, stale: a && b });
    (
        slot(CLAIMS),
        prop::bool::weighted(0.85),
        vec(result, 1..=2),
        vec(consumer, 0..=3),
        option::weighted(0.3, slot(PODS)),
    )
        .prop_map(
            |(slot, allocated, results, reserved_for, owner)| ClaimSpec {
                slot,
                allocated,
                results,
                reserved_for,
                owner,
            },
        )
}

fn pod() -> impl Strategy<Value = PodSpec> {
    let entry = prop_oneof![
        3 => slot(CLAIMS).prop_map(PodClaimSpec::Direct),
        1 => prop_oneof![
            4 => slot(CLAIMS).prop_map(TemplateStatus::Claim),
            1 => Just(TemplateStatus::Missing),
            1 => Just(TemplateStatus::NotNeeded),
        ]
        .prop_map(PodClaimSpec::Template),
    ];
    (slot(PODS), prop::bool::weighted(0.75), vec(entry, 0..=2)).prop_map(
        |(slot, scheduled, claims)| PodSpec {
            slot,
            scheduled,
            claims,
        },
    )
}

fn rule() -> impl Strategy<Value = RuleSpec> {
    let selector = (
        any::<bool>(),
        option::of(slot(POOLS)),
        option::of(slot(DEVICES)),
    )
        .prop_map(|(driver, pool, device)| SelectorSpec {
            driver,
            pool,
            device,
        });
    (slot(RULES), option::weighted(0.9, selector), taint()).prop_map(|(slot, selector, taint)| {
        RuleSpec {
            slot,
            selector,
            taint,
        }
    })
}

/// One object.
pub fn obj(options: GenOptions) -> impl Strategy<Value = Obj> {
    prop_oneof![
        3 => slice().prop_map(Obj::Slice),
        3 => claim(options.empty_effect).prop_map(Obj::Claim),
        3 => pod().prop_map(Obj::Pod),
        1 => rule().prop_map(Obj::Rule),
    ]
}

fn fault() -> impl Strategy<Value = FaultSpec> {
    let verb = prop_oneof![
        3 => Just(PodVerb::Delete),
        1 => Just(PodVerb::Get),
        1 => Just(PodVerb::Patch),
    ];
    let informer = select(vec![
        InformerSpec::Pods,
        InformerSpec::Claims,
        InformerSpec::Slices,
        InformerSpec::Rules,
    ]);
    prop_oneof![
        4 => (slot(FAULTS), verb.clone(), 0..10u8)
            .prop_map(|(slot, verb, times)| FaultSpec::PodApiError { slot, verb, times }),
        1 => (slot(FAULTS), verb, select(vec![0u16, 10, 100]))
            .prop_map(|(slot, verb, millis)| FaultSpec::PodLatency { slot, verb, millis }),
        1 => (slot(FAULTS), informer.clone(), select(vec![10u16, 100, 1000]))
            .prop_map(|(slot, informer, millis)| FaultSpec::WatchDelay { slot, informer, millis }),
        1 => (slot(FAULTS), informer)
            .prop_map(|(slot, informer)| FaultSpec::DropWatch { slot, informer }),
    ]
}

/// One actor step.
pub fn op(options: GenOptions) -> BoxedStrategy<Op> {
    let kind = select(vec![
        ObjKind::Slice,
        ObjKind::Claim,
        ObjKind::Pod,
        ObjKind::Rule,
    ]);
    let put = obj(options).prop_map(Op::Put);
    let delete = (kind, 0..3u8).prop_map(|(k, s)| Op::Delete(k, s));
    let advance = select(vec![1u16, 5, 30, 120, 900]).prop_map(Op::Advance);
    if options.faults {
        prop_oneof![
            6 => put,
            2 => delete,
            2 => advance,
            1 => fault().prop_map(Op::SetFault),
            1 => slot(FAULTS).prop_map(Op::ClearFault),
        ]
        .boxed()
    } else {
        prop_oneof![6 => put, 2 => delete, 2 => advance].boxed()
    }
}

/// A pod, its claim and the slice of the claim's device, consistent with each other: the
/// pod references the claim (directly or through a template and its status), the claim is
/// allocated the device and reserved for the pod, and the device (or a DeviceTaintRule that
/// selects it) carries a taint. Each part still varies: the pod may be unscheduled, the claim
/// may tolerate the taint or be shared with another consumer, the taint may be NoSchedule.
pub fn linked(options: GenOptions) -> impl Strategy<Value = Vec<Obj>> {
    let tolerations = vec(toleration(options.empty_effect), 0..=1);
    (
        (slot(PODS), slot(CLAIMS), slot(POOLS), slot(DEVICES), 0..3u8),
        (taint(), tolerations, prop::bool::weighted(0.8)),
        (
            prop::bool::weighted(0.2),
            option::weighted(0.3, (0..=PODS, any::<bool>())),
            prop::bool::weighted(0.2),
        ),
    )
        .prop_map(
            |((p, c, pool, device, generation), (taint, tolerations, scheduled), extra)| {
                let (template, other, by_rule) = extra;
                let mut reserved_for = vec![ConsumerSpec {
                    pod: p,
                    stale: false,
                }];
                if let Some((pod, stale)) = other {
                    reserved_for.insert(0, ConsumerSpec { pod, stale });
                }
                let slice_taints = if by_rule { vec![] } else { vec![taint.clone()] };
                let mut objs = vec![
                    Obj::Slice(SliceSpec {
                        slot: pool,
                        pool,
                        generation,
                        devices: vec![DeviceSpec {
                            device,
                            taints: slice_taints,
                        }],
                    }),
                    Obj::Claim(ClaimSpec {
                        slot: c,
                        allocated: true,
                        results: vec![ResultSpec {
                            pool,
                            device,
                            tolerations,
                        }],
                        reserved_for,
                        owner: template.then_some(p),
                    }),
                    Obj::Pod(PodSpec {
                        slot: p,
                        scheduled,
                        claims: vec![if template {
                            PodClaimSpec::Template(TemplateStatus::Claim(c))
                        } else {
                            PodClaimSpec::Direct(c)
                        }],
                    }),
                ];
                if by_rule {
                    objs.push(Obj::Rule(RuleSpec {
                        slot: device % RULES,
                        selector: Some(SelectorSpec {
                            driver: true,
                            pool: Some(pool),
                            device: Some(device),
                        }),
                        taint,
                    }));
                }
                objs
            },
        )
}

/// A whole case: a few [`linked`] groups and single objects before the start, then single
/// steps and linked groups put by the actor.
pub fn case(options: GenOptions) -> impl Strategy<Value = Case> {
    let objects = (
        vec(linked(options), 0..=2),
        vec(
            obj(options),
            0..=options.max_objects.saturating_sub(3).max(1),
        ),
    )
        .prop_map(|(groups, singles)| groups.into_iter().flatten().chain(singles).collect());
    let group = prop_oneof![
        4 => op(options).prop_map(|o| vec![o]),
        1 => linked(options).prop_map(|objs| objs.into_iter().map(Op::Put).collect()),
    ];
    let steps = vec(group, 0..=options.max_steps)
        .prop_map(|groups| groups.into_iter().flatten().collect::<Vec<Op>>());
    (objects, prop::bool::weighted(0.5), steps, any::<u64>()).prop_map(
        |(objects, wait_for_sync, steps, seed)| Case {
            objects,
            wait_for_sync,
            steps,
            seed,
        },
    )
}
