//! `--jobs` and `--shard` never change a result: for every bundled scenario, a random or PCT
//! search on 1, 2 and 4 threads, and split into 1, 3 and 7 shards whose result files are merged,
//! gives what one thread gives (the same schedules, failures, outcome counts and first failure,
//! with and without stop-on-failure), and so does a split exhaustive search, cut by its bound
//! or complete. The seed ranges and bounds are small, to keep this quick in a debug build.

use std::path::{Path, PathBuf};

use taintsim_check::merge::{MergedSearch, merge};
use taintsim_check::shard_file::{ScenarioId, content_hash};
use taintsim_check::{
    ExhaustiveOptions, ExhaustiveSummary, ExploreOptions, ExploreSummary, Layout, Reduction, Shard,
    exhaustive_shard, explore, explore_exhaustive, explore_exhaustive_jobs, explore_jobs,
    explore_shard,
};
use taintsim_scenario::format::{Scenario, SeedRange, StrategyName};
use taintsim_scenario::load::{find_scenarios, load_file};

fn bundled() -> Vec<(PathBuf, Scenario)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let files = find_scenarios(&root).expect("the bundled scenarios are listed");
    assert!(files.len() > 20, "{files:?}");
    files
        .into_iter()
        .map(|f| {
            let s = load_file(&f, &taintsim::controllers()).expect("a bundled scenario loads");
            (f, s)
        })
        .collect()
}

/// Everything a search reports but its wall-clock time.
fn explore_key(s: &ExploreSummary) -> String {
    let first = s.first_failure.as_ref().map(|f| {
        let r = &f.result;
        (
            f.seed,
            r.observed.message(),
            r.report.steps,
            r.report.trace.hash(),
            r.report.decisions.to_json().ok(),
        )
    });
    format!(
        "schedules {} failures {} ok {} outcomes {:?} first {first:?}",
        s.schedules, s.failures, s.ok, s.outcomes
    )
}

fn exhaustive_key(s: &ExhaustiveSummary) -> String {
    let first = s.first_failure.as_ref().map(|f| {
        let r = &f.result;
        (
            r.observed.message(),
            r.report.trace.hash(),
            r.report.decisions.to_json().ok(),
        )
    });
    format!(
        "schedules {} complete {} failures {} ok {} pruned {} blocked {} bounded {} depth {} \
         outcomes {:?} first {first:?}",
        s.schedules,
        s.complete,
        s.failures,
        s.ok,
        s.pruned,
        s.blocked,
        s.bounded,
        s.max_depth,
        s.outcomes
    )
}

/// The file's random or PCT settings on a small seed range (random for exhaustive files).
fn seed_options(scenario: &Scenario, stop_on_failure: bool) -> ExploreOptions {
    let mut options = ExploreOptions::from(&scenario.explore);
    if options.strategy == StrategyName::Exhaustive {
        options.strategy = StrategyName::Random;
    }
    options.seeds = SeedRange { start: 3, end: 17 };
    options.stop_on_failure = stop_on_failure;
    options
}

fn id(file: &Path, scenario: &Scenario) -> ScenarioId {
    ScenarioId {
        file: file.display().to_string(),
        name: scenario.name.clone(),
        content_hash: content_hash(file).expect("the file reads"),
    }
}

/// Writes each shard's file into `dir` and merges them.
fn merged(dir: &Path, shards: Vec<taintsim_check::shard_file::ShardFile>) -> MergedSearch {
    let paths: Vec<PathBuf> = shards
        .iter()
        .map(|f| {
            let path = dir.join(format!("shard-{}.json", f.shard.index));
            std::fs::write(&path, f.to_json()).expect("the shard file is written");
            path
        })
        .collect();
    merge(&taintsim::controllers(), &paths)
        .expect("the shards merge")
        .search
}

#[test]
fn jobs_and_shards_should_not_change_a_seed_search_of_any_bundled_scenario() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut failing = 0;
    for (file, scenario) in bundled() {
        for stop in [true, false] {
            let options = seed_options(&scenario, stop);
            let want = explore(&scenario, &options, &mut |_| {}).expect("runs");
            failing += u64::from(want.failures > 0);
            let want = explore_key(&want);
            let what = format!("{}, stop-on-failure {stop}", file.display());
            for jobs in [1, 2, 4] {
                let got = explore_jobs(&scenario, &options, jobs, &mut |_| {}).expect("runs");
                assert_eq!(explore_key(&got), want, "{what}, --jobs {jobs}");
            }
            for (count, layout) in [
                (1, Layout::Interleaved),
                (3, Layout::Blocks),
                (3, Layout::Interleaved),
                (7, Layout::Interleaved),
            ] {
                let shards = (0..count)
                    .map(|index| {
                        let shard = Shard { index, count };
                        let jobs = 1 + (index % 2) as usize;
                        explore_shard(
                            id(&file, &scenario),
                            &scenario,
                            &options,
                            layout,
                            shard,
                            &[],
                            jobs,
                            &mut |_| {},
                        )
                        .expect("the shard runs")
                    })
                    .collect();
                let MergedSearch::Explore { summary, .. } = merged(dir.path(), shards) else {
                    panic!("{what}: a seed search merges into a seed search");
                };
                assert_eq!(
                    explore_key(&summary),
                    want,
                    "{what}, {count} shards {layout:?}"
                );
            }
        }
    }
    // The check means something only if failures (and so stops) happen.
    assert!(failing > 5, "{failing}");
}

fn split(scenario: &Scenario, split_depth: usize, max_schedules: u64) -> ExhaustiveOptions {
    ExhaustiveOptions {
        max_schedules,
        max_steps: scenario.explore.max_steps,
        reduction: Reduction::Dpor,
        split_depth,
    }
}

/// A split search on 1, 2 and 4 threads and in 1, 3 and 7 merged shards: all the same.
fn assert_split_search_is_stable(
    dir: &Path,
    file: &Path,
    scenario: &Scenario,
    options: &ExhaustiveOptions,
) -> ExhaustiveSummary {
    let what = format!("{} with {options:?}", file.display());
    let want = explore_exhaustive(scenario, options, &mut |_| {}).expect("runs");
    for jobs in [1, 2, 4] {
        let got = explore_exhaustive_jobs(scenario, options, jobs, &mut |_| {}).expect("runs");
        assert_eq!(
            exhaustive_key(&got),
            exhaustive_key(&want),
            "{what}, --jobs {jobs}"
        );
    }
    for count in [1, 3, 7] {
        let shards = (0..count)
            .map(|index| {
                let shard = Shard { index, count };
                exhaustive_shard(
                    id(file, scenario),
                    scenario,
                    options,
                    shard,
                    &[],
                    2,
                    &mut |_| {},
                )
                .expect("the shard runs")
            })
            .collect();
        let MergedSearch::Exhaustive { summary, .. } = merged(dir, shards) else {
            panic!("{what}: an exhaustive search merges into an exhaustive search");
        };
        assert_eq!(
            exhaustive_key(&summary),
            exhaustive_key(&want),
            "{what}, {count} shards"
        );
    }
    want
}

#[test]
fn jobs_and_shards_should_not_change_a_split_exhaustive_search_of_any_bundled_scenario() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (mut cut, mut split_searches) = (0, 0);
    for (file, scenario) in bundled() {
        // A small bound, so that most searches are cut by it: the cut must fall in the same
        // place whoever searches which subtree.
        let options = split(&scenario, 3, 20);
        let got = assert_split_search_is_stable(dir.path(), &file, &scenario, &options);
        cut += u64::from(!got.complete);
        split_searches += 1;
    }
    assert!(cut > 5 && cut < split_searches, "{cut} of {split_searches}");
}

#[test]
fn a_complete_split_search_should_find_what_the_unsplit_one_finds() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/updatework-panic.json");
    let scenario = load_file(&file, &taintsim::controllers()).expect("loads");
    let unsplit =
        explore_exhaustive(&scenario, &split(&scenario, 0, 100_000), &mut |_| {}).expect("runs");
    assert!(unsplit.complete && unsplit.ok);
    // Split depth 0 on several threads is the unsplit search itself.
    let zero = explore_exhaustive_jobs(&scenario, &split(&scenario, 0, 100_000), 4, &mut |_| {})
        .expect("runs");
    assert_eq!(exhaustive_key(&zero), exhaustive_key(&unsplit));
    let got =
        assert_split_search_is_stable(dir.path(), &file, &scenario, &split(&scenario, 4, 100_000));
    assert!(got.complete && got.ok, "{got:?}");
    assert_eq!(
        got.outcomes.keys().collect::<Vec<_>>(),
        unsplit.outcomes.keys().collect::<Vec<_>>()
    );
    let first = got.first_failure.expect("the panic is found");
    let unsplit_first = unsplit.first_failure.expect("the panic is found");
    assert_eq!(
        first.result.observed.short(),
        unsplit_first.result.observed.short()
    );
}

#[test]
fn the_library_api_should_judge_alike_on_any_number_of_jobs() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/never-evicted.json");
    let verdict = |jobs| {
        let v = taintsim::Scenario::load(&file)
            .expect("loads")
            .jobs(jobs)
            .explore(taintsim::Strategy::Random, 0..120)
            .expect("runs");
        let first = v.first_failure.as_ref().map(|f| (f.seed(), f.message()));
        (
            v.ok,
            v.schedules,
            v.failures,
            v.outcomes.clone(),
            first,
            v.replay.clone(),
        )
    };
    let one = verdict(1);
    assert!(one.4.is_some(), "the search finds the violation: {one:?}");
    assert_eq!(verdict(3), one);
}
