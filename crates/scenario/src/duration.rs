//! Durations in scenario files: `"30s"`, `"10ms"`, `"1h30m"` (jiff's friendly format, which
//! accepts Go's `time.ParseDuration` spellings), never negative.

use std::fmt;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A non-negative duration written as a string such as `"30s"` or `"1h30m"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ScenarioDuration(pub Duration);

impl ScenarioDuration {
    /// Parses `"30s"`, `"250ms"`, `"1h30m"`, ...
    pub fn parse(text: &str) -> Result<Self, String> {
        let d: jiff::SignedDuration = text.parse().map_err(|e| {
            format!("invalid duration {text:?}: expected a duration such as \"30s\", \"250ms\" or \"1h30m\" ({e})")
        })?;
        if d.is_negative() {
            return Err(format!("invalid duration {text:?}: must not be negative"));
        }
        Ok(Self(d.unsigned_abs()))
    }
}

impl fmt::Display for ScenarioDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match jiff::SignedDuration::try_from(self.0) {
            Ok(d) => write!(f, "{d:#}"),
            Err(_) => write!(f, "{:?}", self.0),
        }
    }
}

impl Serialize for ScenarioDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ScenarioDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for ScenarioDuration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A non-negative duration such as \"30s\", \"250ms\" or \"1h30m\".",
            "pattern": "^[0-9]"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_should_accept_go_spellings_and_reject_garbage() {
        assert_eq!(
            ScenarioDuration::parse("30s"),
            Ok(ScenarioDuration(Duration::from_secs(30)))
        );
        assert_eq!(
            ScenarioDuration::parse("1h30m"),
            Ok(ScenarioDuration(Duration::from_secs(5400)))
        );
        assert_eq!(
            ScenarioDuration::parse("10ms"),
            Ok(ScenarioDuration(Duration::from_millis(10)))
        );
        assert!(ScenarioDuration::parse("-5s").is_err());
        assert!(ScenarioDuration::parse("soon").is_err());
        assert_eq!(
            ScenarioDuration::parse("90s").map(|d| d.to_string()),
            Ok("1m 30s".into())
        );
    }
}
