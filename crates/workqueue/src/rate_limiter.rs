//! client-go's `default_rate_limiters.go` on virtual time: how long `AddRateLimited` waits.
//!
//! A limiter is asked [`RateLimiter::when`] each time an item fails; that call counts the
//! failure (it has side effects, as upstream's). [`RateLimiter::forget`] stops tracking an
//! item. Time comes from the caller (the runtime's clock), never from the wall clock.
//!
//! The controller's limiter is [`default_controller_rate_limiter`]: the maximum of a per-item
//! exponential back-off (5 ms doubling to 1000 s) and one token bucket for all items (10 per
//! second, burst 100). The bucket follows `golang.org/x/time/rate`'s `Limiter.Reserve`: it
//! starts full, refills continuously, and a reservation may take the balance below zero, in
//! which case the delay is the time until it is back at zero.

use std::collections::BTreeMap;
use std::time::Duration;

use taintsim_seam::runtime::Timestamp;

/// `TypedRateLimiter[T]`. See the module docs.
pub trait RateLimiter<T>: Send {
    /// `When`: how long to wait before the item is retried; counts one failure.
    fn when(&mut self, item: &T, now: Timestamp) -> Duration;
    /// `Forget`: stop tracking the item (its next failure counts as the first).
    fn forget(&mut self, item: &T);
    /// `NumRequeues`: failures counted for the item.
    fn num_requeues(&self, item: &T) -> u64;
}

/// `DefaultTypedControllerRateLimiter`: `MaxOf(ItemExponentialFailure(5ms, 1000s),
/// Bucket(10 qps, burst 100))`.
pub fn default_controller_rate_limiter<T: Ord + Clone + Send + 'static>() -> MaxOf<T> {
    MaxOf::new(vec![
        Box::new(ItemExponentialFailure::new(
            Duration::from_millis(5),
            Duration::from_secs(1000),
        )),
        Box::new(Bucket::new(10.0, 100)),
    ])
}

/// `ItemExponentialFailureRateLimiter`: `base × 2^failures`, capped at `max` (and at Go's
/// largest `time.Duration`).
#[derive(Debug, Clone)]
pub struct ItemExponentialFailure<T> {
    base: Duration,
    max: Duration,
    failures: BTreeMap<T, u64>,
}

impl<T> ItemExponentialFailure<T> {
    /// Upstream `NewTypedItemExponentialFailureRateLimiter(base, max)`.
    pub fn new(base: Duration, max: Duration) -> Self {
        Self {
            base,
            max,
            failures: BTreeMap::new(),
        }
    }
}

impl<T: Ord + Clone + Send> RateLimiter<T> for ItemExponentialFailure<T> {
    fn when(&mut self, item: &T, _now: Timestamp) -> Duration {
        let count = self.failures.entry(item.clone()).or_insert(0);
        let exp = *count;
        *count += 1;
        // Upstream computes in float64 nanoseconds, so that the shift cannot overflow, and
        // caps at MaxInt64 first; i32::MAX is far beyond where the cap applies.
        let backoff = self.base.as_nanos() as f64 * 2f64.powi(exp.min(i32::MAX as u64) as i32);
        if backoff > i64::MAX as f64 {
            return self.max;
        }
        let calculated = Duration::from_nanos(backoff as u64);
        calculated.min(self.max)
    }

    fn forget(&mut self, item: &T) {
        self.failures.remove(item);
    }

    fn num_requeues(&self, item: &T) -> u64 {
        self.failures.get(item).copied().unwrap_or(0)
    }
}

/// `ItemFastSlowRateLimiter`: `fast` for the first `max_fast_attempts` failures, then `slow`.
#[derive(Debug, Clone)]
pub struct ItemFastSlow<T> {
    fast: Duration,
    slow: Duration,
    max_fast_attempts: u64,
    failures: BTreeMap<T, u64>,
}

impl<T> ItemFastSlow<T> {
    /// Upstream `NewTypedItemFastSlowRateLimiter(fast, slow, maxFastAttempts)`.
    pub fn new(fast: Duration, slow: Duration, max_fast_attempts: u64) -> Self {
        Self {
            fast,
            slow,
            max_fast_attempts,
            failures: BTreeMap::new(),
        }
    }
}

impl<T: Ord + Clone + Send> RateLimiter<T> for ItemFastSlow<T> {
    fn when(&mut self, item: &T, _now: Timestamp) -> Duration {
        let count = self.failures.entry(item.clone()).or_insert(0);
        *count += 1;
        if *count <= self.max_fast_attempts {
            self.fast
        } else {
            self.slow
        }
    }

    fn forget(&mut self, item: &T) {
        self.failures.remove(item);
    }

    fn num_requeues(&self, item: &T) -> u64 {
        self.failures.get(item).copied().unwrap_or(0)
    }
}

/// `BucketRateLimiter`: one `x/time/rate` token bucket shared by all items. `NumRequeues` is
/// always 0 and `Forget` does nothing, as upstream.
#[derive(Debug, Clone)]
pub struct Bucket {
    /// Tokens per second.
    limit: f64,
    burst: f64,
    tokens: f64,
    last: Option<Timestamp>,
}

impl Bucket {
    /// `rate.NewLimiter(limit, burst)`: starts with `burst` tokens.
    pub fn new(limit: f64, burst: u32) -> Self {
        Self {
            limit,
            burst: f64::from(burst),
            tokens: f64::from(burst),
            last: None,
        }
    }

    /// `Reserve().Delay()` at `now`.
    pub fn reserve(&mut self, now: Timestamp) -> Duration {
        // advance: a clock that went backwards counts as no time passed.
        let last = self.last.map_or(now, |l| l.min(now));
        let elapsed = now.duration_since(last).as_secs_f64();
        let tokens = (self.tokens + elapsed * self.limit).min(self.burst) - 1.0;
        self.tokens = tokens;
        self.last = Some(now);
        if tokens < 0.0 {
            // durationFromTokens: float seconds to whole nanoseconds, truncated like Go's
            // `time.Duration(float64)` conversion.
            Duration::from_nanos((1e9 * (-tokens / self.limit)) as u64)
        } else {
            Duration::ZERO
        }
    }
}

impl<T> RateLimiter<T> for Bucket {
    fn when(&mut self, _item: &T, now: Timestamp) -> Duration {
        self.reserve(now)
    }

    fn forget(&mut self, _item: &T) {}

    fn num_requeues(&self, _item: &T) -> u64 {
        0
    }
}

/// `MaxOfRateLimiter`: asks every limiter (all count the failure) and waits the longest.
pub struct MaxOf<T> {
    limiters: Vec<Box<dyn RateLimiter<T>>>,
}

impl<T> std::fmt::Debug for MaxOf<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaxOf")
            .field("limiters", &self.limiters.len())
            .finish()
    }
}

impl<T> MaxOf<T> {
    /// Upstream `NewTypedMaxOfRateLimiter(limiters...)`.
    pub fn new(limiters: Vec<Box<dyn RateLimiter<T>>>) -> Self {
        Self { limiters }
    }
}

impl<T> RateLimiter<T> for MaxOf<T> {
    fn when(&mut self, item: &T, now: Timestamp) -> Duration {
        self.limiters
            .iter_mut()
            .map(|l| l.when(item, now))
            .fold(Duration::ZERO, Duration::max)
    }

    fn forget(&mut self, item: &T) {
        self.limiters.iter_mut().for_each(|l| l.forget(item));
    }

    fn num_requeues(&self, item: &T) -> u64 {
        self.limiters
            .iter()
            .map(|l| l.num_requeues(item))
            .max()
            .unwrap_or(0)
    }
}

/// `WithMaxWaitRateLimiter`: caps another limiter's delay at `max_wait`.
pub struct WithMaxWait<T> {
    inner: Box<dyn RateLimiter<T>>,
    max_wait: Duration,
}

impl<T> std::fmt::Debug for WithMaxWait<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithMaxWait")
            .field("max_wait", &self.max_wait)
            .finish_non_exhaustive()
    }
}

impl<T> WithMaxWait<T> {
    /// Upstream `NewWithMaxWaitRateLimiter(limiter, maxDelay)`.
    pub fn new(inner: Box<dyn RateLimiter<T>>, max_wait: Duration) -> Self {
        Self { inner, max_wait }
    }
}

impl<T> RateLimiter<T> for WithMaxWait<T> {
    fn when(&mut self, item: &T, now: Timestamp) -> Duration {
        self.inner.when(item, now).min(self.max_wait)
    }

    fn forget(&mut self, item: &T) {
        self.inner.forget(item);
    }

    fn num_requeues(&self, item: &T) -> u64 {
        self.inner.num_requeues(item)
    }
}
