//! The scenarios of upstream's `rate_limiting_queue_test.go` (@04791b49) and
//! `default_rate_limiters_test.go` (@78fc8e44), plus the token bucket, which upstream's tests
//! do not cover.

mod support;

use std::time::Duration;

use taintsim_workqueue::rate_limiter::{
    Bucket, ItemExponentialFailure, ItemFastSlow, MaxOf, RateLimiter, WithMaxWait,
    default_controller_rate_limiter,
};

use support::{later, ms, queue, s, start};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Upstream `TestRateLimitingQueue`: the ready time of each `AddRateLimited`, `NumRequeues`
/// and `Forget`.
#[test]
fn test_rate_limiting_queue() {
    let (rt, q) = queue();
    let in_step = q.in_step();
    in_step.add_rate_limited(s("one"));
    assert_eq!(later(&rt, &q), vec![(s("one"), ms(1))]);
    in_step.add_rate_limited(s("one"));
    // Still waiting for 1 ms: the earlier ready time wins, but the failure was counted.
    assert_eq!(later(&rt, &q), vec![(s("one"), ms(1))]);
    assert_eq!(in_step.num_requeues(&s("one")), 2);
    rt.advance(ms(1));
    in_step.add_rate_limited(s("two"));
    in_step.add_rate_limited(s("two"));
    assert_eq!(later(&rt, &q), vec![(s("two"), ms(1))]);
    assert_eq!(in_step.num_requeues(&s("two")), 2);
    in_step.forget(&s("one"));
    assert_eq!(in_step.num_requeues(&s("one")), 0);
    rt.advance(ms(5));
    in_step.add_rate_limited(s("one"));
    assert_eq!(later(&rt, &q), vec![(s("one"), ms(1))]);
}

/// Upstream `TestItemExponentialFailureRateLimiter`.
#[test]
fn test_item_exponential_failure_rate_limiter() {
    let mut limiter = ItemExponentialFailure::new(ms(1), secs(1));
    let (one, two) = (s("one"), s("two"));
    let now = start();
    for want in [1, 2, 4, 8, 16] {
        assert_eq!(limiter.when(&one, now), ms(want));
    }
    assert_eq!(limiter.num_requeues(&one), 5);
    assert_eq!(limiter.when(&two, now), ms(1));
    assert_eq!(limiter.when(&two, now), ms(2));
    assert_eq!(limiter.num_requeues(&two), 2);
    limiter.forget(&one);
    assert_eq!(limiter.num_requeues(&one), 0);
    assert_eq!(limiter.when(&one, now), ms(1));
}

/// Upstream `TestItemExponentialFailureRateLimiterOverFlow`.
#[test]
fn test_item_exponential_failure_rate_limiter_overflow() {
    let now = start();
    let one = s("one");
    let mut limiter = ItemExponentialFailure::new(ms(1), secs(1000));
    for _ in 0..5 {
        limiter.when(&one, now);
    }
    assert_eq!(limiter.when(&one, now), ms(32));
    for _ in 0..1000 {
        limiter.when(&one, now);
    }
    assert_eq!(limiter.when(&one, now), secs(1000));

    let mut limiter = ItemExponentialFailure::new(secs(60), secs(1000 * 3600));
    for _ in 0..2 {
        limiter.when(&one, now);
    }
    assert_eq!(limiter.when(&one, now), secs(240));
    for _ in 0..1000 {
        limiter.when(&one, now);
    }
    assert_eq!(limiter.when(&one, now), secs(1000 * 3600));
}

/// Upstream `TestItemFastSlowRateLimiter`.
#[test]
fn test_item_fast_slow_rate_limiter() {
    let now = start();
    let mut limiter = ItemFastSlow::new(ms(5), secs(10), 3);
    let (one, two) = (s("one"), s("two"));
    for want in [ms(5), ms(5), ms(5), secs(10), secs(10)] {
        assert_eq!(limiter.when(&one, now), want);
    }
    assert_eq!(limiter.num_requeues(&one), 5);
    assert_eq!(limiter.when(&two, now), ms(5));
    assert_eq!(limiter.when(&two, now), ms(5));
    assert_eq!(limiter.num_requeues(&two), 2);
    limiter.forget(&one);
    assert_eq!(limiter.num_requeues(&one), 0);
    assert_eq!(limiter.when(&one, now), ms(5));
}

/// Upstream `TestMaxOfRateLimiter`.
#[test]
fn test_max_of_rate_limiter() {
    let now = start();
    let mut limiter: MaxOf<String> = MaxOf::new(vec![
        Box::new(ItemFastSlow::new(ms(5), secs(3), 3)),
        Box::new(ItemExponentialFailure::new(ms(1), secs(1))),
    ]);
    let (one, two) = (s("one"), s("two"));
    for want in [ms(5), ms(5), ms(5), secs(3), secs(3)] {
        assert_eq!(limiter.when(&one, now), want);
    }
    assert_eq!(limiter.num_requeues(&one), 5);
    assert_eq!(limiter.when(&two, now), ms(5));
    assert_eq!(limiter.when(&two, now), ms(5));
    assert_eq!(limiter.num_requeues(&two), 2);
    limiter.forget(&one);
    assert_eq!(limiter.num_requeues(&one), 0);
    assert_eq!(limiter.when(&one, now), ms(5));
}

/// A limiter that answers 5 ms for the first 100 calls and 1000 s afterwards (upstream's
/// `stepRateLimiter` in `TestWithMaxWaitRateLimiter`).
struct Step(u64);

impl RateLimiter<String> for Step {
    fn when(&mut self, _: &String, _: jiff::Timestamp) -> Duration {
        self.0 += 1;
        if self.0 <= 100 { ms(5) } else { secs(1000) }
    }
    fn forget(&mut self, _: &String) {}
    fn num_requeues(&self, _: &String) -> u64 {
        0
    }
}

/// Upstream `TestWithMaxWaitRateLimiter`.
#[test]
fn test_with_max_wait_rate_limiter() {
    let now = start();
    let mut limiter = WithMaxWait::new(Box::new(Step(0)), secs(500));
    for i in 0..100 {
        assert_eq!(limiter.when(&i.to_string(), now), ms(5), "item {i}");
    }
    for i in 100..200 {
        assert_eq!(limiter.when(&i.to_string(), now), secs(500), "item {i}");
    }
}

/// The controller's limiter: the per-item back-off of `DefaultTypedControllerRateLimiter`,
/// 5 ms doubling up to 1000 s from the 19th failure on.
#[test]
fn default_controller_rate_limiter_should_back_off_per_item_from_5ms_to_1000s() {
    let now = start();
    let mut limiter = default_controller_rate_limiter::<String>();
    let item = s("pod");
    let mut got = Vec::new();
    for _ in 0..20 {
        got.push(limiter.when(&item, now));
    }
    assert_eq!(got[0], ms(5));
    assert_eq!(got[1], ms(10));
    assert_eq!(got[8], Duration::from_millis(1280));
    assert_eq!(got[17], Duration::from_millis(655_360));
    assert_eq!(got[18], secs(1000));
    assert_eq!(got[19], secs(1000));
    assert_eq!(limiter.num_requeues(&item), 20);
}

/// The token bucket of `DefaultTypedControllerRateLimiter` (golang.org/x/time/rate, 10 qps,
/// burst 100): the first 100 reservations at one instant are free, then they come 100 ms
/// apart, and the bucket refills with virtual time.
#[test]
fn bucket_should_allow_a_burst_of_100_then_10_per_second() {
    let now = start();
    let mut bucket = Bucket::new(10.0, 100);
    for i in 0..100 {
        assert_eq!(bucket.reserve(now), Duration::ZERO, "reservation {i}");
    }
    assert_eq!(bucket.reserve(now), ms(100));
    assert_eq!(bucket.reserve(now), ms(200));
    // 1 s later ten tokens came back: the balance is -2 + 10 = 8.
    let later = now + secs(1);
    for i in 0..8 {
        assert_eq!(
            bucket.reserve(later),
            Duration::ZERO,
            "reservation {i} after 1 s"
        );
    }
    assert_eq!(bucket.reserve(later), ms(100));
}

/// Many items failing at once: beyond the burst the bucket, not the per-item back-off,
/// decides.
#[test]
fn default_controller_rate_limiter_should_wait_for_the_bucket_beyond_the_burst() {
    let now = start();
    let mut limiter = default_controller_rate_limiter::<String>();
    for i in 0..100 {
        assert_eq!(limiter.when(&format!("pod-{i}"), now), ms(5));
    }
    assert_eq!(limiter.when(&s("pod-100"), now), ms(100));
}
