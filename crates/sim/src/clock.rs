//! Virtual time arithmetic. Time is kept as nanoseconds since the run's start time.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

/// `delay` in nanoseconds, saturating at `u64::MAX` (about 584 years).
pub(crate) fn nanos(delay: Duration) -> u64 {
    u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX)
}

/// The timestamp `elapsed` nanoseconds after `start`, saturating at jiff's maximum.
pub(crate) fn timestamp(start: Timestamp, elapsed: u64) -> Timestamp {
    let nanos = i64::try_from(elapsed).unwrap_or(i64::MAX);
    start
        .checked_add(SignedDuration::from_nanos(nanos))
        .unwrap_or(Timestamp::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_should_saturate_instead_of_failing() {
        assert_eq!(timestamp(Timestamp::MAX, 5), Timestamp::MAX);
        assert_eq!(nanos(Duration::MAX), u64::MAX);
        assert_eq!(
            timestamp(Timestamp::UNIX_EPOCH, 1_500_000_000).to_string(),
            "1970-01-01T00:00:01.5Z"
        );
    }
}
