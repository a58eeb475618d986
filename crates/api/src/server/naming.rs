//! Deterministic stand-ins for the server's random names: UIDs and `generateName` suffixes.

/// The alphabet of Kubernetes' `utilrand.String` (no vowels, no confusable digits).
const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// The `n`th UID: `uid-<n>`.
pub(crate) fn uid(n: u64) -> String {
    format!("uid-{n}")
}

/// The `n`th `generateName` suffix: five characters, like the real server's, but counted
/// instead of random (`bbbbb`, `cbbbb`, ...).
pub(crate) fn generated_suffix(n: u64) -> String {
    let base = ALPHANUMS.len() as u64;
    let mut rest = n;
    (0..5)
        .map(|_| {
            let digit = (rest % base) as usize;
            rest /= base;
            char::from(ALPHANUMS[digit])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_suffix_should_be_five_distinct_characters_per_counter() {
        assert_eq!(generated_suffix(0), "bbbbb");
        assert_eq!(generated_suffix(1), "cbbbb");
        assert_ne!(generated_suffix(27), generated_suffix(0));
        assert_eq!(generated_suffix(12345).len(), 5);
    }
}
