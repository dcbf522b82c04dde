//! Reading `timeline.yaml` as mim writes it, without the YAML parser: every line is a
//! comment or `- {key: value, …}` whose values are JSON (numbers, `true`, `false`,
//! `null`, double-quoted strings, arrays, objects) or plain words and timestamps (see
//! [`super::timeline::to_line`]). Such a line is turned into JSON and read with
//! serde_json, about ten times faster than the YAML parser, which matters to `check`
//! and `report` over thousands of incidents. Anything else — another YAML form, a
//! value YAML could read differently, a merge conflict, an error — gives `None`, and
//! the caller reads the file with the YAML parser, which has the last word and the
//! positioned error messages.

use super::Entry;

/// The entries of a timeline written the way mim writes it, or `None`.
pub fn entries(text: &str) -> Option<Vec<Entry>> {
    let mut out = Vec::new();
    let mut json = String::new();
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        json.clear();
        to_json(line, &mut json)?;
        out.push(serde_json::from_str(&json).ok()?);
    }
    Some(out)
}

/// `- {a: b, c: "d"}` as `{"a":"b","c":"d"}`.
fn to_json(line: &str, json: &mut String) -> Option<()> {
    let body = line.strip_prefix("- {")?.strip_suffix('}')?;
    json.push('{');
    let mut rest = body.trim_start();
    let mut first = true;
    while !rest.is_empty() {
        let (key, after) = rest.split_once(": ")?;
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return None;
        }
        if !first {
            json.push(',');
        }
        first = false;
        json.push('"');
        json.push_str(key);
        json.push_str("\":");
        let (value, after) = value(after)?;
        match value {
            Value::Json(raw) => json.push_str(raw),
            Value::Text(word) => {
                json.push('"');
                json.push_str(word);
                json.push('"');
            }
        }
        let after = after.trim_start();
        rest = match after.strip_prefix(',') {
            Some(more) => more.trim_start(),
            None if after.is_empty() => after,
            None => return None,
        };
    }
    json.push('}');
    Some(())
}

enum Value<'a> {
    /// Written as is: a JSON string, number, literal, array or object.
    Json(&'a str),
    /// A plain word or timestamp, to be quoted.
    Text(&'a str),
}

/// The value at the start of `text`, and what follows it.
fn value(text: &str) -> Option<(Value<'_>, &str)> {
    match text.as_bytes().first()? {
        b'"' => {
            let end = string_end(text)?;
            let raw = &text[..end];
            // Escapes JSON and YAML read alike; a surrogate escape is left to YAML.
            if raw.contains("\\ud") || raw.contains("\\uD") {
                return None;
            }
            Some((Value::Json(raw), &text[end..]))
        }
        b'[' | b'{' => {
            let end = nested_end(text)?;
            Some((Value::Json(&text[..end]), &text[end..]))
        }
        _ => {
            let end = text.find([',', '}']).unwrap_or(text.len());
            let plain = text[..end].trim_end();
            Some((plain_value(plain)?, &text[end..]))
        }
    }
}

/// A plain scalar YAML reads as this JSON value, or `None` when it might read it
/// otherwise (`~`, `yes`, `0x1F`, `1e3`, `.inf`, a colon or a comment in a word…).
fn plain_value(plain: &str) -> Option<Value<'_>> {
    let first = plain.bytes().next()?;
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-.:+_".contains(&b);
    if !plain.bytes().all(allowed) {
        return None;
    }
    if matches!(plain, "true" | "false" | "null") {
        return Some(Value::Json(plain));
    }
    let digits = plain.strip_prefix('-').unwrap_or(plain);
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
    {
        return Some(Value::Json(plain));
    }
    if first.is_ascii_digit() {
        // A timestamp: 2026-11-24T09:30:00Z, 2026-11-24T10:30:00+01:00.
        let timestamp = plain.len() >= 20
            && plain.as_bytes()[4] == b'-'
            && plain.as_bytes()[10] == b'T'
            && plain.bytes().filter(|b| *b == b':').count() >= 2;
        return timestamp.then_some(Value::Text(plain));
    }
    let word = first.is_ascii_alphabetic()
        && !plain.contains(':')
        && !matches!(
            plain.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    word.then_some(Value::Text(plain))
}

/// The length of the double-quoted string at the start of `text`, quotes included.
fn string_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The length of the JSON array or object at the start of `text`.
fn nested_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i += string_end(&text[i..])? - 1,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::timeline;

    fn yaml(text: &str) -> Result<Vec<Entry>, String> {
        serde_yaml::from_str::<Option<Vec<Entry>>>(text)
            .map(Option::unwrap_or_default)
            .map_err(|e| e.to_string())
    }

    /// The direct reading either agrees with the YAML parser or leaves the text to it.
    fn agrees(text: &str) -> bool {
        match entries(text) {
            Some(direct) => {
                assert_eq!(Ok(direct), yaml(text), "{text}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn what_mim_writes_is_read_directly_and_the_same() {
        let example =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme-msp/incidents");
        let mut read = 0;
        for dir in std::fs::read_dir(example).unwrap() {
            let path = dir.unwrap().path().join(crate::model::TIMELINE_FILE);
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(agrees(&text), "{}", path.display());
            read += 1;
        }
        assert!(read >= 5);
        // Every entry written again reads back the same.
        let written = yaml(
            &std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
                "examples/acme-msp/incidents/2026-11-02-leeds-office-network-down/timeline.yaml",
            ))
            .unwrap(),
        )
        .unwrap();
        let text: String = std::iter::once(timeline::HEADER.to_string())
            .chain(written.iter().map(timeline::to_line))
            .collect();
        assert!(agrees(&text));
        assert_eq!(entries(&text).unwrap(), written);
    }

    #[test]
    fn other_yaml_is_left_to_the_yaml_parser() {
        let line =
            |rest: &str| format!("- {{at: 2026-11-24T09:00:00Z, by: X, event: note, {rest}}}\n");
        for rest in [
            "text: ~",
            "text: yes",
            "text: 0x1F",
            "text: 1e3",
            "text: .inf",
            "text: a:b",
            "text: a #c",
            "text: [a, b]",
            "text: \"\\x41\"",
            "text: 'single'",
            "text: \"\\ud83d\\ude00\"",
            "text: True",
            "text: 007",
        ] {
            let text = line(rest);
            assert!(!agrees(&text), "{text}");
        }
        for text in [
            "<<<<<<< HEAD\n- {at: 2026-11-24T09:00:00Z, by: X, event: note, text: a}\n",
            "- at: 2026-11-24T09:00:00Z\n  by: X\n",
            "[]\n",
            "- {at: 2026-11-24T09:00:00Z, by: X, event: note, text: a} # c\n",
        ] {
            assert!(entries(text).is_none(), "{text}");
        }
        // Errors are the YAML parser's to report, with their line.
        assert!(entries(&line("text: \"a\", bogus: 1")).is_none());
        assert!(entries(&line("time: 3")).is_none());
        assert_eq!(entries("# only comments\n\n"), Some(Vec::new()));
        assert!(agrees(&line(
            "text: \"a, b: {c} [d]\\n\\u2028\", time: \"1h\""
        )));
        assert!(agrees(&line("text: plain-word")));
    }
}
