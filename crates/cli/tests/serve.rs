//! End-to-end tests of `taintsim serve` with the real kubectl: the binary serves a scenario,
//! kubectl (on the PATH; v1.32 on the project's machines) looks at it and writes into it.
//!
//! - frozen: `updatework-panic.json` at `--at failure` shows the pod the panicking handler was
//!   updating; `get -o json` equals the frozen world's objects; one decision back and forward
//!   again gives the same objects; a watch open while the run moves sees the step's update;
//!   writes are refused; a kubeconfig without the token gets 401.
//! - live: apply --server-side, patch --type merge, replace, a stale replace (409), a tainted
//!   slice applied (the controller evicts), delete --wait, refused writes; then `--record`'s
//!   file replays with `taintsim run`, to the same trace hash and the same final objects.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

fn manifest(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The kubectl on the PATH, or a failure that says what is missing.
fn kubectl_path() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("kubectl"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "kubectl is not on the PATH: the `taintsim serve` tests drive the real kubectl \
             (v1.32 on the project's machines and in CI); install it to run them"
        )
    })
}

/// A `taintsim serve` child process, killed when dropped.
struct Served {
    child: Child,
    kubeconfig: PathBuf,
    cache: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// Starts `taintsim serve FILE ARGS` on a free loopback port and waits for its banner.
    fn start(file: &Path, args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let kubeconfig = dir.path().join("kubeconfig");
        let mut child = Command::new(env!("CARGO_BIN_EXE_taintsim"))
            .arg("serve")
            .arg(file)
            .args(args)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .env("CI", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("taintsim serve starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut banner = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("taintsim serve printed no banner; got {banner:?}"));
            let done = line.starts_with("Ctrl-C");
            banner.push(line);
            if done {
                break;
            }
        }
        // Keep draining stdout so that later prints never block the server.
        std::thread::spawn(move || while rx.recv().is_ok() {});
        let cache = dir.path().join("cache");
        Self {
            child,
            kubeconfig,
            cache,
            _dir: dir,
        }
    }

    fn kubectl_with(&self, kubeconfig: &Path, args: &[&str]) -> Output {
        Command::new(kubectl_path())
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .arg("--cache-dir")
            .arg(&self.cache)
            .args(args)
            .output()
            .expect("kubectl runs")
    }

    fn kubectl(&self, args: &[&str]) -> Output {
        self.kubectl_with(&self.kubeconfig, args)
    }

    /// kubectl, which must succeed; its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// kubectl, which must fail; its stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            !out.status.success(),
            "kubectl {args:?} should have failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).expect("kubectl prints JSON")
    }

    fn raw_post(&self, path: &str) -> Value {
        serde_json::from_str(&self.ok(&["create", "--raw", path, "-f", "/dev/null"]))
            .expect("the endpoint answers JSON")
    }
}

const ALL: &str = "pods,resourceclaims,resourceslices,devicetaintrules,events";

fn items(list: &Value) -> Vec<Value> {
    list["items"].as_array().cloned().unwrap_or_default()
}

#[test]
fn frozen_run_at_the_updatework_panic_should_show_the_pod_being_updated() {
    let file = manifest("../../scenarios/updatework-panic.json");
    let served = Served::start(&file, &["--seed", "3", "--at", "failure"]);
    let position = served.json(&["get", "--raw", "/taintsim/v1/position"]);
    let label = position["label"].as_str().expect("a label").to_owned();
    assert_eq!(
        position["decision"], position["steps"],
        "frozen at the failing (last) step"
    );
    // The failing step names the pod update the handler was delivering:
    // `pod-handler: deliver Update default/my-pod rv=4`.
    let update = label
        .split_once("deliver Update ")
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("the panic is in a pod update delivery, not {label:?}"));
    let (key, rest) = update
        .split_once(" rv=")
        .expect("a key and a resourceVersion");
    // `4 uid=1234`: the label also names the pod's UID.
    let (rv, uid) = rest
        .split_once(" uid=")
        .expect("a resourceVersion and a UID");
    let (_, name) = key.split_once('/').expect("namespace/name");
    let table = served.ok(&["get", "pods", "-o", "wide"]);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with(name) && l.contains("worker")),
        "{table}"
    );
    let pod = served.json(&["get", "pod", name, "-o", "json"]);
    assert_eq!(
        pod["metadata"]["resourceVersion"], rv,
        "the update being delivered"
    );
    assert_eq!(pod["metadata"]["uid"], uid, "the pod being updated");
    assert_eq!(pod["spec"]["nodeName"], "worker");

    // `get -o json` equals the frozen world's objects.
    let registry = taintsim::controllers();
    let scenario = taintsim_scenario::load::load_file(&file, &registry).expect("loads");
    let step = position["decision"].as_u64().expect("a number");
    let frozen = taintsim_serve::run::run_to(
        &scenario,
        &taintsim_check::Schedule::Random(3),
        scenario.explore.max_steps,
        Some(step),
    )
    .expect("runs");
    let store: Vec<Value> = taintsim_api::Kind::ALL
        .into_iter()
        .flat_map(|k| frozen.server.peek_all(k))
        .map(|o| o.to_value())
        .collect();
    let before = served.json(&["get", ALL, "-o", "json"]);
    let mut seen = items(&before);
    let mut want = store.clone();
    let key = |v: &Value| {
        format!(
            "{}/{}/{}",
            v["kind"], v["metadata"]["namespace"], v["metadata"]["name"]
        )
    };
    seen.sort_by_key(key);
    want.sort_by_key(key);
    assert_eq!(seen, want, "kubectl shows exactly the store's objects");

    // One decision back and forward again: the same objects.
    let back = served.raw_post("/taintsim/v1/step?n=-1");
    assert_eq!(back["decision"].as_u64(), Some(step - 1));
    let forward = served.raw_post("/taintsim/v1/step?n=1");
    assert_eq!(forward["decision"].as_u64(), Some(step));
    assert_eq!(forward["label"], label.as_str());
    assert_eq!(served.json(&["get", ALL, "-o", "json"]), before);

    // A watch open while the run moves sees the update the handler was delivering.
    let earlier = served.raw_post("/taintsim/v1/step?n=-12");
    let pods_then = served.json(&["get", "pod", name, "-o", "json"]);
    assert_ne!(pods_then["metadata"]["resourceVersion"], rv, "{earlier}");
    let mut watch = Command::new(kubectl_path())
        .arg("--kubeconfig")
        .arg(&served.kubeconfig)
        .arg("--cache-dir")
        .arg(&served.cache)
        .args([
            "get",
            "pods",
            "-w",
            "-o",
            "json",
            "--request-timeout",
            "20s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl get -w starts");
    let stdout = watch.stdout.take().expect("piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            text.push_str(&line);
            text.push('\n');
            let _ = tx.send(text.clone());
        }
    });
    // The first object printed is the list; then move the run forward again.
    let _ = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("kubectl lists first");
    served.raw_post("/taintsim/v1/step?n=12");
    let want_rv = format!("\"resourceVersion\": \"{rv}\"");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut text = String::new();
    while !text.contains(&want_rv) && Instant::now() < deadline {
        if let Ok(t) = rx.recv_timeout(Duration::from_millis(200)) {
            text = t;
        }
    }
    let _ = watch.kill();
    let _ = watch.wait();
    assert!(
        text.contains(&want_rv),
        "the watch never saw rv {rv}: {text}"
    );

    // A frozen run takes no writes; a kubeconfig without the token gets 401 and no data.
    let refused = served.fails(&["delete", "pod", name]);
    assert!(refused.contains("frozen"), "{refused}");
    // (Without any token kubectl would prompt for a user name; a wrong one is sent as is.)
    let config = std::fs::read_to_string(&served.kubeconfig).expect("written");
    let tokenless: String = config
        .lines()
        .map(|l| match l.split_once("token: ") {
            Some((indent, _)) => format!("{indent}token: not-the-token\n"),
            None => format!("{l}\n"),
        })
        .collect();
    assert_ne!(tokenless, config);
    let anonymous = served.kubeconfig.with_file_name("tokenless");
    std::fs::write(&anonymous, tokenless).expect("written");
    let out = served.kubectl_with(&anonymous, &["get", "pods", "-o", "json"]);
    assert!(!out.status.success());
    // kubectl prints an empty list of its own making; nothing of the server's objects.
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        !printed.contains(name) && !printed.contains("resourceVersion\": \"1"),
        "{printed}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Unauthorized"), "{err}");
}

/// The writes of a recording's steps, as `verb kind name`.
fn recorded_writes(recording: &Value) -> Vec<String> {
    recording["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| {
            let (verb, body) = s.as_object()?.iter().next()?;
            let kind = body.get("kind")?.as_str()?;
            let name = body
                .get("metadata")
                .map_or(&body["name"], |m| &m["name"])
                .as_str()?;
            matches!(
                verb.as_str(),
                "create" | "update" | "update-status" | "delete"
            )
            .then(|| format!("{verb} {kind} {name}"))
        })
        .collect()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn live_writes_should_be_recorded_and_replay_exactly() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("recorded.json");
    let fixtures = manifest("tests/fixtures/serve");
    let served = Served::start(
        &fixtures.join("live.json"),
        &[
            "--live",
            "--scale",
            "10",
            "--record",
            out.to_str().expect("utf-8"),
        ],
    );
    let pod = fixtures.join("pod.json");
    let pod = pod.to_str().expect("utf-8");
    assert!(
        served
            .ok(&["apply", "--server-side", "-f", pod])
            .contains("serverside-applied")
    );
    served.ok(&[
        "patch",
        "pod",
        "pod-2",
        "--type",
        "merge",
        "-p",
        r#"{"metadata":{"labels":{"patched":"yes"}}}"#,
    ]);
    let current = served.json(&["get", "pod", "pod-2", "-o", "json"]);
    assert_eq!(current["metadata"]["labels"]["patched"], "yes");
    let mut edited = current.clone();
    edited["metadata"]["labels"]["replaced"] = "yes".into();
    let edited_file = dir.path().join("pod-2.json");
    std::fs::write(&edited_file, edited.to_string()).expect("written");
    let edited_file = edited_file.to_str().expect("utf-8");
    served.ok(&["replace", "-f", edited_file]);
    // The same resourceVersion again is stale now: 409, and nothing changes.
    let stale = served.fails(&["replace", "-f", edited_file]);
    assert!(
        stale.contains("Conflict") && stale.contains("the object has been modified"),
        "{stale}"
    );
    let after = served.json(&["get", "pod", "pod-2", "-o", "json"]);
    assert_eq!(after["metadata"]["labels"]["replaced"], "yes");
    // An invalid write (422) and a missing object (404) change nothing and record nothing.
    let invalid = served.fails(&[
        "patch",
        "pod",
        "pod-2",
        "--type",
        "json",
        "-p",
        r#"[{"op":"replace","path":"/spec/containers/0/name","value":"Not_A_Label"}]"#,
    ]);
    assert!(
        invalid.contains("is invalid") && invalid.contains("spec.containers[0].name"),
        "{invalid}"
    );
    let missing = served.fails(&["delete", "pod", "no-such-pod"]);
    assert!(
        missing.contains("NotFound") || missing.contains("not found"),
        "{missing}"
    );
    assert_eq!(served.json(&["get", "pod", "pod-2", "-o", "json"]), after);

    // Tainting the slice makes the controller evict my-pod.
    let slice = fixtures.join("tainted-slice.json");
    served.ok(&["apply", "-f", slice.to_str().expect("utf-8")]);
    wait_until("my-pod is evicted", || {
        !served
            .kubectl(&["get", "pod", "my-pod", "-o", "name"])
            .status
            .success()
    });
    let deleted = served.ok(&["delete", "pod", "pod-2", "--wait", "--timeout", "30s"]);
    assert!(deleted.contains("deleted"), "{deleted}");

    let finished = served.raw_post("/taintsim/v1/finish");
    assert!(finished["error"].is_null(), "{finished}");
    let live_hash = finished["trace_hash"].as_str().expect("a hash").to_owned();
    let live_state = served.json(&["get", ALL, "-o", "json"]);
    drop(served);

    let recording: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("recorded")).expect("JSON");
    assert_eq!(
        recorded_writes(&recording),
        [
            "create Pod pod-2",
            "update Pod pod-2",
            "update Pod pod-2",
            "update ResourceSlice worker-some-driver",
            "delete Pod pod-2",
        ],
        "the successful writes, and only those, in order"
    );
    let run = Command::new(env!("CARGO_BIN_EXE_taintsim"))
        .args(["run", out.to_str().expect("utf-8")])
        .env("CI", "1")
        .output()
        .expect("taintsim run runs");
    assert!(
        run.status.success(),
        "taintsim run: {}",
        String::from_utf8_lossy(&run.stdout)
    );
    let replay = Command::new(env!("CARGO_BIN_EXE_taintsim"))
        .args(["replay", out.to_str().expect("utf-8"), "--json"])
        .env("CI", "1")
        .output()
        .expect("taintsim replay runs");
    let replay: Value = serde_json::from_slice(&replay.stdout).expect("JSON");
    assert_eq!(replay["trace_hash"], live_hash.as_str(), "same trace hash");

    let replayed = Served::start(&out, &["--at", "end"]);
    assert_eq!(
        replayed.json(&["get", ALL, "-o", "json"]),
        live_state,
        "same final objects"
    );
}
