//! Name formats, as in apimachinery's `pkg/util/validation` (`IsDNS1123Subdomain`,
//! `IsDNS1123Label`, `IsQualifiedName`, `IsValidLabelValue`), with upstream's messages.

/// The longest DNS-1123 subdomain.
pub(crate) const SUBDOMAIN_MAX: usize = 253;
/// The longest DNS-1123 label, and the longest name part of a qualified name.
pub(crate) const LABEL_MAX: usize = 63;

const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric \
    characters, '-' or '.', and must start and end with an alphanumeric character (e.g. \
    'example.com', regex used for validation is \
    '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric \
    characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  \
    or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const NAME_PART_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', \
    and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or \
    '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric \
    characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. \
    'MyValue',  or 'my_value',  or '12345', regex used for validation is \
    '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

fn lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?` without the length bound.
fn is_label_shape(s: &str) -> bool {
    let starts_ends =
        s.chars().next().is_some_and(lower_alnum) && s.chars().next_back().is_some_and(lower_alnum);
    starts_ends && s.chars().all(|c| lower_alnum(c) || c == '-')
}

/// Problems of `s` as a DNS-1123 subdomain (object names, drivers, node names).
pub(crate) fn subdomain(s: &str) -> Vec<String> {
    let mut why = Vec::new();
    if s.len() > SUBDOMAIN_MAX {
        why.push(format!("must be no more than {SUBDOMAIN_MAX} characters"));
    }
    if !s.split('.').all(is_label_shape) {
        why.push(SUBDOMAIN_MSG.to_owned());
    }
    why
}

/// Problems of `s` as a DNS-1123 label (namespaces, container and request names).
pub(crate) fn label(s: &str) -> Vec<String> {
    let mut why = Vec::new();
    if s.len() > LABEL_MAX {
        why.push(format!("must be no more than {LABEL_MAX} characters"));
    }
    if !is_label_shape(s) {
        why.push(LABEL_MSG.to_owned());
    }
    why
}

fn name_part_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`.
fn is_name_part(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && s.chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && s.chars().all(name_part_char)
}

/// Problems of `s` as a qualified name, `[prefix/]name` (label keys, taint keys).
pub(crate) fn qualified_name(s: &str) -> Vec<String> {
    let mut why = Vec::new();
    let name = match s.split_once('/') {
        Some((prefix, name)) => {
            if prefix.is_empty() {
                why.push("prefix part must be non-empty".to_owned());
            } else {
                why.extend(
                    subdomain(prefix)
                        .into_iter()
                        .map(|w| format!("prefix part {w}")),
                );
            }
            name
        }
        None => s,
    };
    if name.is_empty() {
        why.push("name part must be non-empty".to_owned());
    } else {
        if name.len() > LABEL_MAX {
            why.push(format!(
                "name part must be no more than {LABEL_MAX} characters"
            ));
        }
        if !is_name_part(name) {
            why.push(NAME_PART_MSG.to_owned());
        }
    }
    why
}

/// Problems of `s` as a label value (also taint values).
pub(crate) fn label_value(s: &str) -> Vec<String> {
    let mut why = Vec::new();
    if s.len() > LABEL_MAX {
        why.push(format!("must be no more than {LABEL_MAX} characters"));
    }
    if !s.is_empty() && !is_name_part(s) {
        why.push(LABEL_VALUE_MSG.to_owned());
    }
    why
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_should_follow_the_rfc_1123_shapes() {
        assert!(subdomain("worker-some-driver").is_empty());
        assert!(subdomain("example.com").is_empty());
        assert!(!subdomain("Upper").is_empty());
        assert!(!subdomain("a..b").is_empty());
        assert!(!subdomain("-a").is_empty());
        assert!(!subdomain(&"a".repeat(254)).is_empty());
        assert!(label("my-pod").is_empty());
        assert!(!label("my.pod").is_empty());
        assert!(!label("").is_empty());
    }

    #[test]
    fn qualified_names_and_label_values_should_allow_upper_case_and_prefixes() {
        assert!(qualified_name("example.com/taint").is_empty());
        assert!(qualified_name("MyKey").is_empty());
        assert!(!qualified_name("/x").is_empty());
        assert!(!qualified_name("a/b/c").is_empty());
        assert!(!qualified_name("bad key").is_empty());
        assert!(label_value("").is_empty());
        assert!(label_value("something").is_empty());
        assert!(!label_value("-x").is_empty());
    }
}
