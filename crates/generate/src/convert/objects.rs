//! The Kubernetes objects of a case, as JSON the model server accepts.

use super::*;

impl Model {
    /// Keeps device names unique within a pool generation (Kubernetes validates that), and
    /// until the controller has synced gives every slice of a pool the same generation: the
    /// 1.33 controller replays the slices it lists at startup one at a time, and a pool caught
    /// between two generations then evicts from taints of the superseded generation while
    /// the replay is half done (`scenarios/regressions/fixed-startup-mixed-generations.json`),
    /// a separate finding that would otherwise dominate generated runs.
    pub(super) fn normalize_slice(&self, name: &str, value: &mut Value) {
        let pool = value["spec"]["pool"]["name"].clone();
        let others: Vec<Value> = self
            .server
            .peek_all(Kind::ResourceSlice)
            .iter()
            .map(Object::to_value)
            .filter(|o| o["metadata"]["name"] != json!(name) && o["spec"]["pool"]["name"] == pool)
            .collect();
        if !self.synced()
            && let Some(first) = others.first()
        {
            value["spec"]["pool"]["generation"] = first["spec"]["pool"]["generation"].clone();
        }
        let generation = value["spec"]["pool"]["generation"].clone();
        let taken: BTreeSet<String> = others
            .iter()
            .filter(|o| o["spec"]["pool"]["generation"] == generation)
            .flat_map(|o| o["spec"]["devices"].as_array().cloned().unwrap_or_default())
            .filter_map(|d| d["name"].as_str().map(str::to_owned))
            .collect();
        if let Some(devices) = value["spec"]["devices"].as_array_mut() {
            devices.retain(|d| d["name"].as_str().is_none_or(|n| !taken.contains(n)));
        }
    }

    fn taint(&self, t: &TaintSpec) -> Value {
        let mut m = Map::new();
        m.insert(
            "key".into(),
            json!(format!("example.com/k{}", t.key % KEYS)),
        );
        if t.value {
            m.insert("value".into(), json!("v"));
        }
        let effect = match t.effect {
            TaintEffectSpec::NoSchedule => "NoSchedule",
            TaintEffectSpec::NoExecute => "NoExecute",
        };
        m.insert("effect".into(), json!(effect));
        if let Some(s) = t.time_added {
            m.insert("timeAdded".into(), json!(self.time(s)));
        }
        Value::Object(m)
    }

    pub(super) fn slice(&self, s: &SliceSpec) -> Value {
        let mut seen = BTreeSet::new();
        let devices: Vec<Value> = s
            .devices
            .iter()
            .filter(|d| seen.insert(d.device % DEVICES))
            .map(|d| {
                let taints: Vec<Value> = d.taints.iter().map(|t| self.taint(t)).collect();
                let basic = if taints.is_empty() {
                    json!({})
                } else {
                    json!({"taints": taints})
                };
                json!({"name": format!("dev-{}", d.device % DEVICES), "basic": basic})
            })
            .collect();
        json!({
            "apiVersion": "resource.k8s.io/v1beta1",
            "kind": "ResourceSlice",
            "metadata": {"name": format!("slice-{}", s.slot % SLICES)},
            "spec": {
                "driver": DRIVER,
                "nodeName": NODE,
                "pool": {
                    "name": format!("pool-{}", s.pool % POOLS),
                    "generation": 1 + s.generation % 3,
                    "resourceSliceCount": 1
                },
                "devices": devices
            }
        })
    }

    pub(super) fn rule(&self, r: &RuleSpec) -> Value {
        let mut spec = Map::new();
        if let Some(sel) = &r.selector {
            let mut m = Map::new();
            if sel.driver {
                m.insert("driver".into(), json!(DRIVER));
            }
            if let Some(p) = sel.pool {
                m.insert("pool".into(), json!(format!("pool-{}", p % POOLS)));
            }
            if let Some(d) = sel.device {
                m.insert("device".into(), json!(format!("dev-{}", d % DEVICES)));
            }
            spec.insert("deviceSelector".into(), Value::Object(m));
        }
        spec.insert("taint".into(), self.taint(&r.taint));
        json!({
            "apiVersion": "resource.k8s.io/v1alpha3",
            "kind": "DeviceTaintRule",
            "metadata": {"name": format!("rule-{}", r.slot % RULES)},
            "spec": spec
        })
    }

    /// The UID `reservedFor` and owner references use for pod slot `p`: its latest, or the
    /// one it will get if it was never created.
    fn pod_ref_uid(&self, p: u8) -> String {
        let incarnation = self
            .pod_incarnation
            .get(usize::from(p))
            .copied()
            .unwrap_or(0);
        pod_uid(p, incarnation.max(1))
    }

    fn toleration(t: &TolerationSpec) -> Value {
        let mut m = Map::new();
        if let Some(k) = t.key {
            m.insert("key".into(), json!(format!("example.com/k{}", k % KEYS)));
        }
        if t.exists {
            m.insert("operator".into(), json!("Exists"));
        } else {
            m.insert("operator".into(), json!("Equal"));
            if t.value {
                m.insert("value".into(), json!("v"));
            }
        }
        match t.effect {
            TolerationEffectSpec::Empty => {}
            TolerationEffectSpec::NoSchedule => {
                m.insert("effect".into(), json!("NoSchedule"));
            }
            TolerationEffectSpec::NoExecute => {
                m.insert("effect".into(), json!("NoExecute"));
            }
        }
        if let Some(s) = t.seconds {
            m.insert("tolerationSeconds".into(), json!(s));
        }
        Value::Object(m)
    }

    fn claim_status(&self, c: &ClaimSpec) -> Value {
        if !c.allocated || c.results.is_empty() {
            return json!({});
        }
        let results: Vec<Value> = c
            .results
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let tolerations: Vec<Value> = r.tolerations.iter().map(Self::toleration).collect();
                let mut m = Map::new();
                m.insert("request".into(), json!(format!("req-{i}")));
                m.insert("driver".into(), json!(DRIVER));
                m.insert("pool".into(), json!(format!("pool-{}", r.pool % POOLS)));
                m.insert(
                    "device".into(),
                    json!(format!("dev-{}", r.device % DEVICES)),
                );
                if !tolerations.is_empty() {
                    m.insert("tolerations".into(), Value::Array(tolerations));
                }
                Value::Object(m)
            })
            .collect();
        let mut uids = BTreeSet::new();
        let reserved: Vec<Value> = c
            .reserved_for
            .iter()
            .filter_map(|r| {
                let p = r.pod % (PODS + 1);
                let uid = if r.stale || p == PODS {
                    format!("pod-{p}-stale")
                } else {
                    self.pod_ref_uid(p)
                };
                uids.insert(uid.clone())
                    .then(|| json!({"resource": "pods", "name": pod_name(p), "uid": uid}))
            })
            .collect();
        let mut status = Map::new();
        status.insert(
            "allocation".into(),
            json!({"devices": {"results": results}}),
        );
        if !reserved.is_empty() {
            status.insert("reservedFor".into(), Value::Array(reserved));
        }
        Value::Object(status)
    }

    pub(super) fn claim_writes(&mut self, c: &ClaimSpec) -> Vec<ActorStep> {
        let slot = c.slot % CLAIMS;
        let name = claim_name(slot);
        let existing = self.server.peek(Kind::ResourceClaim, NAMESPACE, &name);
        let Some(existing) = existing else {
            let incarnation = self.claim_incarnation[usize::from(slot)] + 1;
            let mut metadata = json!({
                "name": name,
                "namespace": NAMESPACE,
                "uid": format!("claim-{slot}-uid-{incarnation}")
            });
            if let Some(p) = c.owner {
                let p = p % PODS;
                metadata["ownerReferences"] = json!([{
                    "apiVersion": "v1", "kind": "Pod", "name": pod_name(p),
                    "uid": self.pod_ref_uid(p), "controller": true
                }]);
            }
            let requests: Vec<Value> = (0..c.results.len().max(1))
                .map(|i| json!({"name": format!("req-{i}"), "deviceClassName": "gpu"}))
                .collect();
            let Some(o) = object(json!({
                "apiVersion": "resource.k8s.io/v1beta1",
                "kind": "ResourceClaim",
                "metadata": metadata,
                "spec": {"devices": {"requests": requests}},
                "status": self.claim_status(c)
            })) else {
                return Vec::new();
            };
            self.claim_incarnation[usize::from(slot)] = incarnation;
            return vec![ActorStep::Create(o)];
        };
        // The allocation is immutable once set: keep it, or remove it whole.
        let mut value = existing.to_value();
        let old_status = value.get("status").cloned().unwrap_or(json!({}));
        let new_status = self.claim_status(c);
        let mut status = new_status.clone();
        if let (Some(old), Some(_)) = (old_status.get("allocation"), new_status.get("allocation")) {
            status["allocation"] = old.clone();
        }
        if status == old_status {
            return Vec::new();
        }
        if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("resourceVersion");
            meta.remove("creationTimestamp");
        }
        value["status"] = status;
        object(value)
            .map(ActorStep::UpdateStatus)
            .into_iter()
            .collect()
    }

    fn pod_claims(spec: &PodSpec) -> (Vec<Value>, Vec<Value>) {
        let mut entries = Vec::new();
        let mut statuses = Vec::new();
        for (i, c) in spec.claims.iter().enumerate() {
            let name = format!("rc-{i}");
            match c {
                PodClaimSpec::Direct(c) => {
                    entries.push(json!({"name": name, "resourceClaimName": claim_name(c % CLAIMS)}))
                }
                PodClaimSpec::Template(status) => {
                    entries.push(json!({"name": name, "resourceClaimTemplateName": "tmpl"}));
                    match status {
                        TemplateStatus::Missing => {}
                        TemplateStatus::NotNeeded => statuses.push(json!({"name": name})),
                        TemplateStatus::Claim(c) => statuses.push(
                            json!({"name": name, "resourceClaimName": claim_name(c % CLAIMS)}),
                        ),
                    }
                }
            }
        }
        (entries, statuses)
    }

    /// What the scheduler does before it binds `pod`: reserve each of its allocated claims
    /// for it (the claims it names directly, and those its claim statuses name).
    fn reserve(&self, pod: &k8s_openapi::api::core::v1::Pod) -> Vec<ActorStep> {
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        let name = pod.metadata.name.clone().unwrap_or_default();
        let direct = pod
            .spec
            .iter()
            .flat_map(|s| s.resource_claims.iter().flatten())
            .filter_map(|c| c.resource_claim_name.clone());
        let generated = pod
            .status
            .iter()
            .flat_map(|s| s.resource_claim_statuses.iter().flatten())
            .filter_map(|s| s.resource_claim_name.clone());
        let names: BTreeSet<String> = direct.chain(generated).collect();
        names
            .iter()
            .filter_map(|claim| {
                let mut value = self
                    .server
                    .peek(Kind::ResourceClaim, NAMESPACE, claim)?
                    .to_value();
                value.pointer("/status/allocation")?;
                let reserved = value["status"]["reservedFor"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if reserved.iter().any(|r| r["uid"] == json!(uid)) {
                    return None;
                }
                let mut reserved = reserved;
                reserved.push(json!({"resource": "pods", "name": name, "uid": uid}));
                value["status"]["reservedFor"] = Value::Array(reserved);
                if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.remove("resourceVersion");
                    meta.remove("creationTimestamp");
                }
                object(value).map(ActorStep::UpdateStatus)
            })
            .collect()
    }

    pub(super) fn pod_writes(&mut self, spec: &PodSpec) -> Vec<ActorStep> {
        let p = spec.slot % PODS;
        let name = pod_name(p);
        let (entries, statuses) = Self::pod_claims(spec);
        let Some(old) = self.pod(p) else {
            let incarnation = self.pod_incarnation[usize::from(p)] + 1;
            let mut pod_spec = json!({
                "containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10"}]
            });
            if spec.scheduled {
                pod_spec["nodeName"] = json!(NODE);
            }
            if !entries.is_empty() {
                pod_spec["resourceClaims"] = Value::Array(entries);
            }
            let mut value = json!({
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": name, "namespace": NAMESPACE, "uid": pod_uid(p, incarnation)},
                "spec": pod_spec
            });
            if !statuses.is_empty() {
                value["status"] = json!({"resourceClaimStatuses": statuses});
            }
            let Some(o) = object(value) else {
                return Vec::new();
            };
            self.pod_incarnation[usize::from(p)] = incarnation;
            let mut writes = Vec::new();
            if spec.scheduled
                && let Object::Pod(pod) = &o.0
            {
                writes = self.reserve(pod);
            }
            writes.push(ActorStep::Create(o));
            return writes;
        };
        let mut writes = Vec::new();
        let mut value = serde_json::to_value(&old).unwrap_or(Value::Null);
        if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("resourceVersion");
            meta.remove("creationTimestamp");
        }
        // A pod once scheduled stays on its node; spec.resourceClaims never change.
        let scheduled = old.spec.as_ref().is_some_and(|s| s.node_name.is_some());
        if spec.scheduled && !scheduled {
            writes.extend(self.reserve(&old));
            value["spec"]["nodeName"] = json!(NODE);
            if let Some(o) = object(value.clone()) {
                writes.push(ActorStep::Update(o));
            }
        }
        // Status entries exist only for template entries, and once written they stay.
        let templates: Vec<String> = old
            .spec
            .iter()
            .flat_map(|s| s.resource_claims.iter().flatten())
            .filter(|c| c.resource_claim_template_name.is_some())
            .map(|c| c.name.clone())
            .collect();
        let old_statuses: Vec<Value> = value
            .pointer("/status/resourceClaimStatuses")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let new_statuses: Vec<Value> = templates
            .iter()
            .filter_map(|t| {
                let given = statuses.iter().find(|s| s["name"] == json!(t));
                let kept = old_statuses.iter().find(|s| s["name"] == json!(t));
                given.or(kept).cloned()
            })
            .collect();
        if new_statuses != old_statuses {
            value["status"]["resourceClaimStatuses"] = Value::Array(new_statuses);
            if let Some(o) = object(value) {
                writes.push(ActorStep::UpdateStatus(o));
            }
        }
        writes
    }
}

pub(super) fn fault(f: &FaultSpec) -> Fault {
    let verb = |v: PodVerb| match v {
        PodVerb::Get => ApiVerb::Get,
        PodVerb::Patch => ApiVerb::Patch,
        PodVerb::Delete => ApiVerb::Delete,
    };
    let informer = |i: InformerSpec| match i {
        InformerSpec::Pods => InformerName::Pods,
        InformerSpec::Claims => InformerName::Resourceclaims,
        InformerSpec::Slices => InformerName::Resourceslices,
        InformerSpec::Rules => InformerName::Devicetaintrules,
    };
    let ms = |m: u16| ScenarioDuration(Duration::from_millis(u64::from(m % 1001)));
    let (slot, kind) = match *f {
        FaultSpec::PodApiError {
            slot,
            verb: v,
            times,
        } => (
            slot,
            FaultKind::ApiError {
                verb: verb(v),
                kind: ObjectKind::Pod,
                status: 500,
                namespace: None,
                name: None,
                times: Some(1 + u64::from(times % 10)),
                probability: None,
            },
        ),
        FaultSpec::PodLatency {
            slot,
            verb: v,
            millis,
        } => (
            slot,
            FaultKind::Latency {
                verb: verb(v),
                kind: ObjectKind::Pod,
                delay: ms(millis),
            },
        ),
        FaultSpec::WatchDelay {
            slot,
            informer: i,
            millis,
        } => (
            slot,
            FaultKind::WatchDelay {
                informer: informer(i),
                delay: ms(millis),
            },
        ),
        FaultSpec::DropWatch { slot, informer: i } => (
            slot,
            FaultKind::DropWatch {
                informer: informer(i),
            },
        ),
    };
    Fault {
        name: format!("fault-{}", slot % FAULTS),
        kind,
    }
}
