//! The shared resources of the API side, named once for both uses: as step touches
//! ([`StepLabel::touches`](taintsim_seam::StepLabel::touches)) and as recorded accesses
//! ([`taintsim_seam::access`]), so that the two spellings cannot drift apart.
//!
//! - `<kind>/<key>`: one object in the server's store (`pod/default/my-pod`,
//!   `resourceslice/worker`); `<kind>/<namespace>` and `<kind>` cover a namespace and a kind.
//! - `watch/<plural>`: a kind's watch log. Every write of the kind appends to it, so a step
//!   that reads every object of a kind through a list (whose revision it then watches from)
//!   records the log: any step that changes one of those objects touches the log too.
//! - `fault/<verb>/<plural>`: the fault rules and request observers that see requests of that
//!   verb and kind, and the state they keep about them (a rule's count of failures).
//! - `cache/<plural>/<key>`: one key of an informer's cache; `cache/<plural>` covers it all.
//! - `notify/<listener>`: a listener's queue of notifications.

use taintsim_seam::access;
use taintsim_seam::runtime::{Touch, touch};

use crate::kind::{Kind, Verb, plural_with};

/// `<kind>/<key>`; `key` is `<namespace>/<name>` or, for cluster-scoped kinds, `<name>`.
pub fn object(kind: Kind, key: &str) -> Touch {
    touch(&[kind.singular(), key])
}

/// `<kind>/<namespace>`: every object of `kind` in `namespace`.
pub fn namespace(kind: Kind, namespace: &str) -> Touch {
    touch(&[kind.singular(), namespace])
}

/// `watch/<plural>` (static, like the others named by kind alone: the reflectors, the
/// client and the broadcaster name them in the touches of every step they take).
pub fn watch_log(kind: Kind) -> Touch {
    Touch::new_static(plural_with!(kind, "watch/", ""))
}

/// `fault/<verb>/<plural>` (static).
pub fn faults(verb: Verb, kind: Kind) -> Touch {
    Touch::new_static(match verb {
        Verb::Get => plural_with!(kind, "fault/get/", ""),
        Verb::List => plural_with!(kind, "fault/list/", ""),
        Verb::Create => plural_with!(kind, "fault/create/", ""),
        Verb::Update => plural_with!(kind, "fault/update/", ""),
        Verb::UpdateStatus => plural_with!(kind, "fault/update_status/", ""),
        Verb::Patch => plural_with!(kind, "fault/patch/", ""),
        Verb::Delete => plural_with!(kind, "fault/delete/", ""),
        Verb::Watch => plural_with!(kind, "fault/watch/", ""),
        Verb::Apply => plural_with!(kind, "fault/apply/", ""),
    })
}

/// `cache/<plural>` (static: a controller names it in its handlers' touches, built in every
/// world).
pub fn cache(kind: Kind) -> &'static str {
    plural_with!(kind, "cache/", "")
}

/// [`cache`] as a touch.
pub fn cache_touch(kind: Kind) -> Touch {
    Touch::new_static(cache(kind))
}

/// `notify/<listener>`.
pub fn listener(name: &str) -> Touch {
    touch(&[LISTENER, name])
}

/// The listener that a `notify/<listener>` touch names ([`listener`]'s inverse).
pub fn listener_of(touch: &str) -> Option<&str> {
    touch.strip_prefix(LISTENER)?.strip_prefix('/')
}

const LISTENER: &str = "notify";

/// Records an access to an object ([`object`]).
pub(crate) fn record_object(kind: Kind, key: &str) {
    access::record(&[kind.singular(), key]);
}

/// Records an access to every object of `kind` in `namespace` (`<kind>/<namespace>`).
pub(crate) fn record_namespace(kind: Kind, namespace: &str) {
    access::record(&[kind.singular(), namespace]);
}

/// Records an access to every object of `kind` (`<kind>`).
pub(crate) fn record_kind(kind: Kind) {
    access::record(&[kind.singular()]);
}

/// Records an access to a kind's watch log ([`watch_log`]).
pub(crate) fn record_watch_log(kind: Kind) {
    access::record(&["watch", kind.plural()]);
}

/// Records an access to the fault rules and observers of a verb and kind ([`faults`]).
pub(crate) fn record_faults(verb: Verb, kind: Kind) {
    access::record(&["fault", verb.as_str(), kind.plural()]);
}

/// Records an access to one key of an informer's cache (`cache/<plural>/<key>`).
pub(crate) fn record_cache_key(kind: Kind, key: &str) {
    access::record(&["cache", kind.plural(), key]);
}

/// Records an access to a whole informer cache ([`cache`]).
pub(crate) fn record_cache(kind: Kind) {
    access::record(&["cache", kind.plural()]);
}

/// Records an access to a listener's queue ([`listener`]).
pub(crate) fn record_listener(name: &str) {
    access::record(&[LISTENER, name]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_should_match_what_is_recorded() {
        let names = [
            object(Kind::Pod, "default/p"),
            namespace(Kind::Event, "default"),
            watch_log(Kind::Pod),
            faults(Verb::Delete, Kind::Pod),
            cache_touch(Kind::Pod),
            Touch::from(format!("{}/default/p", cache(Kind::Pod))),
            listener("pod-handler"),
            Touch::new_static(Kind::Pod.singular()),
        ];
        // Each name covers its own recording and no other one.
        for (i, name) in names.iter().enumerate() {
            let check = access::check(vec![name.clone()]);
            record_object(Kind::Pod, "default/p");
            record_namespace(Kind::Event, "default");
            record_watch_log(Kind::Pod);
            record_faults(Verb::Delete, Kind::Pod);
            record_cache(Kind::Pod);
            record_cache_key(Kind::Pod, "default/p");
            record_listener("pod-handler");
            record_kind(Kind::Pod);
            let undeclared = check.finish().undeclared;
            if cfg!(debug_assertions) {
                let expected: Vec<&str> = names
                    .iter()
                    .enumerate()
                    .filter(|(j, other)| *j != i && !access::covers(name, other))
                    .map(|(_, other)| other.as_str())
                    .collect();
                assert_eq!(
                    undeclared.iter().map(String::as_str).collect::<Vec<_>>(),
                    expected,
                    "{name}"
                );
            }
        }
        assert_eq!(listener_of(&listener("pod-handler")), Some("pod-handler"));
        assert_eq!(listener_of("notifyx/a"), None);
    }

    /// The static tables spell every kind's and verb's touch as the recorded segments join.
    #[test]
    fn static_touches_should_join_the_recorded_segments() {
        for kind in Kind::ALL {
            assert_eq!(watch_log(kind), ["watch", kind.plural()].join("/"));
            assert_eq!(cache_touch(kind), ["cache", kind.plural()].join("/"));
            for verb in Verb::ALL {
                assert_eq!(
                    faults(verb, kind),
                    ["fault", verb.as_str(), kind.plural()].join("/")
                );
            }
        }
        assert_eq!(object(Kind::Pod, "default/p"), "pod/default/p");
    }
}
