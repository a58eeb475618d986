//! Where a field is in a scenario file's text, for the errors found after decoding (the
//! behaviour, atomic groups, fault scope, API validation), which know the field's path
//! (`steps[3].set-fault.stale-lister.informer`) but not its position. The text has decoded
//! already, so it is valid JSON; a path that is not in it gives `None`.

/// The byte offset where the value at `path` starts in `text`: the deepest part of the path
/// that exists, so an error about a field the file left out points at its parent.
pub fn offset_of(text: &str, path: &str) -> Option<usize> {
    let mut at = skip_ws(text, 0);
    for segment in segments(path) {
        match segment {
            Segment::Key(key) => match value_of_key(text, at, key) {
                Some(next) => at = next,
                None => break,
            },
            Segment::Index(i) => match element(text, at, i) {
                Some(next) => at = next,
                None => break,
            },
        }
    }
    Some(at)
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// `a.b[2].c` as `a`, `b`, 2, `c`.
fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, indices) = part
            .split_once('[')
            .map_or((part, ""), |(k, rest)| (k, rest));
        if !key.is_empty() {
            out.push(Segment::Key(key));
        }
        for index in indices.split('[') {
            if let Ok(i) = index.trim_end_matches(']').parse() {
                out.push(Segment::Index(i));
            }
        }
    }
    out
}

fn skip_ws(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    while at < bytes.len() && bytes[at].is_ascii_whitespace() {
        at += 1;
    }
    at
}

/// The end of the string that starts at `at` (just after its closing quote).
fn skip_string(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The end of the value that starts at `at`.
fn skip_value(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    match bytes.get(at) {
        Some(b'"') => skip_string(text, at),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut i = at;
            while i < bytes.len() {
                match bytes[i] {
                    b'"' => {
                        i = skip_string(text, i);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            bytes.len()
        }
        _ => {
            let mut i = at;
            while i < bytes.len() && !matches!(bytes[i], b',' | b'}' | b']') {
                i += 1;
            }
            i
        }
    }
}

/// The start of the value of `key` in the object at `at`.
fn value_of_key(text: &str, at: usize, key: &str) -> Option<usize> {
    if text.as_bytes().get(at) != Some(&b'{') {
        return None;
    }
    let mut i = skip_ws(text, at + 1);
    while text.as_bytes().get(i) == Some(&b'"') {
        let end = skip_string(text, i);
        let name: Option<String> = serde_json::from_str(&text[i..end]).ok();
        let colon = skip_ws(text, end);
        let value = skip_ws(text, colon + 1);
        if name.as_deref() == Some(key) {
            return Some(value);
        }
        let after = skip_ws(text, skip_value(text, value));
        if text.as_bytes().get(after) != Some(&b',') {
            return None;
        }
        i = skip_ws(text, after + 1);
    }
    None
}

/// The start of element `index` of the array at `at`.
fn element(text: &str, at: usize, index: usize) -> Option<usize> {
    if text.as_bytes().get(at) != Some(&b'[') {
        return None;
    }
    let mut i = skip_ws(text, at + 1);
    for _ in 0..index {
        let after = skip_ws(text, skip_value(text, i));
        if text.as_bytes().get(after) != Some(&b',') {
            return None;
        }
        i = skip_ws(text, after + 1);
    }
    (text.as_bytes().get(i) != Some(&b']')).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"{
  "name": "x",
  "steps": [
    "wait-for-sync",
    {"atomic": [{"clear-fault": "a\"]"}, {"advance": "1s"}]}
  ]
}"#;

    fn at(path: &str) -> &str {
        let offset = offset_of(TEXT, path).expect("found");
        &TEXT[offset..offset + 12.min(TEXT.len() - offset)]
    }

    #[test]
    fn a_path_should_lead_to_its_value_past_strings_that_look_like_json() {
        assert_eq!(at("name"), "\"x\",\n  \"step");
        assert_eq!(at("steps[0]"), "\"wait-for-sy");
        assert_eq!(at("steps[1].atomic[1]"), "{\"advance\": ");
        assert_eq!(at("steps[1].atomic[1].advance"), "\"1s\"}]}\n  ]\n");
    }

    #[test]
    fn a_missing_field_should_point_at_the_deepest_part_that_exists() {
        assert_eq!(at("steps[1].atomic[5]"), "[{\"clear-fau");
        assert_eq!(at("steps[7]"), "[\n    \"wait-");
        assert_eq!(at("faults[0]"), "{\n  \"name\": ");
    }
}
