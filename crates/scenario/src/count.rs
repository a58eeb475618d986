//! How many of something a check wants: an exact number, or bounds.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An exact number (`3`), or bounds (`{"at-least": 1}`, `{"at-most": 2}`, or both for a
/// range). A count without either bound is refused when the file loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Count {
    /// Exactly this many.
    Exactly(u64),
    /// Within these bounds (inclusive).
    Bounds(Bounds),
}

/// The inclusive bounds of a [`Count`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", try_from = "RawBounds")]
pub struct Bounds {
    /// The smallest acceptable number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<u64>,
    /// The largest acceptable number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<u64>,
}

/// [`Bounds`] as written, before the check that it bounds anything (the schema is the same).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawBounds {
    #[serde(default)]
    at_least: Option<u64>,
    #[serde(default)]
    at_most: Option<u64>,
}

impl TryFrom<RawBounds> for Bounds {
    type Error = String;

    fn try_from(raw: RawBounds) -> Result<Self, String> {
        match (raw.at_least, raw.at_most) {
            (None, None) => Err("a count needs `at-least`, `at-most` or both".to_owned()),
            (Some(low), Some(high)) if low > high => Err(format!(
                "an empty range: at-least {low} is above at-most {high}"
            )),
            (at_least, at_most) => Ok(Self { at_least, at_most }),
        }
    }
}

/// What a count may be, for error messages.
const EXPECTED: &str = "a whole number, or {\"at-least\": N}, {\"at-most\": N} or both";

impl<'de> Deserialize<'de> for Count {
    // By hand rather than `untagged`, whose error names no alternative.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Count, E> {
                Ok(Count::Exactly(n))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Count, A::Error> {
                let bounds =
                    Bounds::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(Count::Bounds(bounds))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Count {
    /// Whether `n` is acceptable.
    pub fn admits(self, n: u64) -> bool {
        match self {
            Self::Exactly(want) => n == want,
            Self::Bounds(b) => {
                b.at_least.is_none_or(|l| n >= l) && b.at_most.is_none_or(|h| n <= h)
            }
        }
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Exactly(n) => write!(f, "{n}"),
            Self::Bounds(Bounds {
                at_least: Some(l),
                at_most: Some(h),
            }) => write!(f, "{l} to {h}"),
            Self::Bounds(Bounds {
                at_least: Some(l), ..
            }) => write!(f, "at least {l}"),
            Self::Bounds(Bounds {
                at_most: Some(h), ..
            }) => write!(f, "at most {h}"),
            Self::Bounds(_) => write!(f, "any number"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Count, serde_json::Error> {
        serde_json::from_str(text)
    }

    #[test]
    fn counts_should_admit_exactly_what_they_say() {
        let cases = [
            ("2", [false, false, true, false]),
            (r#"{"at-least": 1}"#, [false, true, true, true]),
            (r#"{"at-most": 1}"#, [true, true, false, false]),
            (
                r#"{"at-least": 1, "at-most": 2}"#,
                [false, true, true, false],
            ),
        ];
        for (text, admits) in cases {
            let count = parse(text).expect(text);
            for (n, want) in admits.iter().enumerate() {
                assert_eq!(count.admits(n as u64), *want, "{text} admits {n}");
            }
        }
    }

    #[test]
    fn a_count_without_bounds_or_with_an_empty_range_should_be_refused() {
        for text in [
            "{}",
            r#"{"at-least": 3, "at-most": 2}"#,
            r#"{"exactly": 2}"#,
            "-1",
        ] {
            assert!(parse(text).is_err(), "{text}");
        }
    }
}
