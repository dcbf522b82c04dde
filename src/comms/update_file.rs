//! `updates/<timestamp>-<audience>.md`: one status update as recorded — YAML front
//! matter (who, when, which number, the optional status line, ETA and next update)
//! and the Markdown body as written.

use serde::{Deserialize, Serialize};

use crate::time::{self, Timestamp};

/// The directory inside an incident that holds status updates.
pub const UPDATES_DIR: &str = "updates";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateFront {
    pub incident: String,
    pub number: u32,
    pub audience: String,
    /// The one client it was written to, of several the incident affects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    #[schemars(with = "crate::time::Timestamp")]
    #[serde(with = "time::rfc3339")]
    pub at: Timestamp,
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_line: Option<String>,
    #[schemars(with = "Option<crate::time::Timestamp>")]
    #[serde(
        default,
        with = "time::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub eta: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The file's text: front matter, then the body.
pub fn to_text(front: &UpdateFront, body: &str) -> String {
    let yaml = serde_yaml::to_string(front).expect("update front matter serializes");
    format!("---\n{yaml}---\n{}\n", body.trim_end())
}

/// `(front matter, body)` when `text` starts with a `---` line and has a closing one.
pub fn split_front_matter(text: &str) -> Option<(&str, &str)> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some((&rest[..offset], &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    None
}

/// The update a timeline `mark` records, read from the incident directory `dir` in the
/// repository at `root` (never through a symbolic link): its front matter and body.
pub fn read(
    root: &std::path::Path,
    dir: &std::path::Path,
    mark: &crate::state::UpdateMark,
) -> anyhow::Result<(UpdateFront, String)> {
    use anyhow::Context as _;
    if !mark.file.starts_with("updates/") || mark.file.contains("..") {
        anyhow::bail!(
            "update {} names `{}`, which is not a file under updates/ (see `mim validate`)",
            mark.number,
            mark.file
        );
    }
    let path = dir.join(&mark.file);
    let text = crate::safe_fs::read_to_string(root, &path)
        .with_context(|| format!("reading {}", path.display()))?;
    let (front, body) = split_front_matter(&text)
        .with_context(|| format!("{}: no front matter (see `mim validate`)", path.display()))?;
    let front = parse_front(front)
        .with_context(|| format!("{}: bad front matter (see `mim validate`)", path.display()))?;
    Ok((front, body.to_string()))
}

/// The front matter as [`UpdateFront`]. The lines mim writes (`key: value`, plain or
/// single-quoted scalars) are read directly; anything else — comments, other quoting,
/// a value YAML could read as something other than text — goes to the YAML parser,
/// which gives the same result, or the error with its line and column.
pub fn parse_front(front: &str) -> Result<UpdateFront, serde_yaml::Error> {
    match plain_front(front) {
        Some(f) => Ok(f),
        None => serde_yaml::from_str(front),
    }
}

/// [`parse_front`]'s direct reading; `None` where it leaves the text to the YAML parser.
fn plain_front(front: &str) -> Option<UpdateFront> {
    let mut values: [Option<(String, bool)>; 9] = Default::default();
    const KEYS: [&str; 9] = [
        "incident",
        "number",
        "audience",
        "client",
        "at",
        "by",
        "status_line",
        "eta",
        "next",
    ];
    for line in front.lines() {
        let (key, value) = line.split_once(": ")?;
        let slot = KEYS.iter().position(|k| *k == key)?;
        if values[slot].is_some() {
            return None;
        }
        values[slot] = Some(scalar(value)?);
    }
    let [
        incident,
        number,
        audience,
        client,
        at,
        by,
        status_line,
        eta,
        next,
    ] = values;
    // A time outside mim's range (year 0) is left to the YAML parser, which refuses it
    // with its line and column, as every reader of the file does.
    let time = |t: Option<(String, bool)>| {
        chrono::DateTime::parse_from_rfc3339(&t?.0)
            .ok()
            .filter(|t| time::check_range(*t, "").is_ok())
    };
    let (number, _) = number?;
    if (number.len() > 1 && number.starts_with('0')) || !number.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    // A quoted value is text; a plain one only when YAML could not read it otherwise.
    let text = |v: Option<(String, bool)>| {
        v.filter(|(v, quoted)| *quoted || (!v.contains(':') && !yaml_would_type(v)))
            .map(|(v, _)| v)
    };
    Some(UpdateFront {
        incident: text(incident)?,
        number: number.parse().ok()?,
        audience: text(audience)?,
        client: optional(client, text)?,
        at: time(at)?,
        by: text(by)?,
        status_line: optional(status_line, text)?,
        eta: optional(eta, time)?,
        next: optional(next, text)?,
    })
}

/// `Some(None)` for an absent key, `Some(Some(v))` when `read` takes its value, `None`
/// (the YAML parser decides) when it does not.
fn optional<V, T>(value: Option<V>, read: impl Fn(Option<V>) -> Option<T>) -> Option<Option<T>> {
    match value {
        None => Some(None),
        Some(v) => read(Some(v)).map(Some),
    }
}

/// A plain scalar mim writes, or a single-quoted one unquoted (and whether it was
/// quoted); `None` for anything else (block, flow, double-quoted, anchors, tags,
/// comments, trailing spaces).
fn scalar(value: &str) -> Option<(String, bool)> {
    if let Some(inner) = value.strip_prefix('\'') {
        let inner = inner.strip_suffix('\'')?;
        if inner.replace("''", "").contains('\'') {
            return None;
        }
        return Some((inner.replace("''", "'"), true));
    }
    let first = value.chars().next()?;
    let special = "-?:,[]{}#&*!|>'\"%@`".contains(first) || first.is_whitespace();
    if special
        || value.ends_with([' ', '\t', ':'])
        || value.contains(": ")
        || value.contains(" #")
        || value.contains('\t')
    {
        return None;
    }
    Some((value.to_string(), false))
}

/// Whether YAML could read a plain scalar as something other than a string (null, a
/// boolean, a number), where the YAML parser has the last word.
fn yaml_would_type(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let word = matches!(
        lower.as_str(),
        "~" | "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
    );
    let numeric = lower.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c))
        && (lower.parse::<f64>().is_ok()
            || lower.starts_with("0x")
            || lower.starts_with("0o")
            || lower.trim_start_matches(['+', '-']).starts_with(".inf")
            || lower.starts_with(".nan"));
    word || numeric
}

/// The start of an update file: its lines up to and including the closing `---` of
/// the front matter (or the whole file when there is none). The body is not read.
fn head_from(file: impl std::io::Read) -> std::io::Result<String> {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::with_capacity(1024, file);
    let mut head = String::new();
    let mut line = String::new();
    let mut first = true;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(head);
        }
        head.push_str(&line);
        if first && line.trim_end() != "---" {
            return Ok(head);
        }
        if !first && line.trim_end() == "---" {
            return Ok(head);
        }
        first = false;
    }
}

/// The start of an update (see [`head_from`]) in a checked `updates/`, with the errors a check of the
/// file itself gives: missing, or not a regular file (a symbolic link, a FIFO).
fn head_of(path: &std::path::Path) -> std::io::Result<String> {
    let file = match crate::safe_fs::open_regular(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(std::io::Error::from(std::io::ErrorKind::NotFound));
        }
        // Refused by mim (a symbolic link, a FIFO), not by the system.
        Err(e) if e.raw_os_error().is_none() => {
            return Err(std::io::Error::other(
                "is not a regular file: mim never follows symbolic links",
            ));
        }
        Err(e) => return Err(e),
    };
    head_from(file)
}

/// What `mim validate` finds wrong with an incident's status updates: an update the
/// state records (`state`: with every recorded event) whose file is missing,
/// unreadable, or disagrees with it. Only the front matter is
/// read, unless `deep`: then the body must be readable text without merge conflict
/// markers, and not empty. `shown_dir` is the incident directory as shown in messages
/// (relative to the repository).
pub fn problems(
    incident: &crate::model::Incident,
    state: &crate::state::State,
    shown_dir: &std::path::Path,
    deep: bool,
) -> Vec<crate::diag::Diagnostic> {
    let mut out = Vec::new();
    let mut reader = UpdateReader {
        incident,
        deep,
        updates_dir: None,
    };
    // In the order they were recorded.
    let mut marks: Vec<&crate::state::UpdateMark> = state.updates.iter().collect();
    marks.sort_by_key(|u| u.entry);
    for mark in marks {
        out.extend(update_problems(&mut reader, mark, shown_dir));
    }
    out
}

/// What is wrong with the file of one recorded update (`mark`): at most one problem
/// with where it is, its reading or its front matter, then (with `--deep`) its body's.
fn update_problems(
    reader: &mut UpdateReader,
    mark: &crate::state::UpdateMark,
    shown_dir: &std::path::Path,
) -> Vec<crate::diag::Diagnostic> {
    use crate::diag::Diagnostic;
    let (audience, number, file) = (&mark.audience, &mark.number, &mark.file);
    let shown = shown_dir.join(file);
    if !is_plain_update_path(file) {
        return vec![Diagnostic::new(
            &shown_dir.join(crate::model::TIMELINE_FILE),
            format!("update {number} names `{file}`, which is not a file under updates/"),
        )];
    }
    let path = reader.incident.dir.join(file);
    let text = match reader.read(&path) {
        Ok(text) => text,
        Err(e) => {
            return vec![Diagnostic::new(
                &shown,
                format!(
                    "update {number} to {audience} is in the timeline, but its file cannot be read: {e}"
                ),
            )];
        }
    };
    if let Err(d) = crate::yaml_guard::diagnose(&shown, &text) {
        return vec![d];
    }
    let Some((front, body)) = split_front_matter(&text) else {
        return vec![
            Diagnostic::new(&shown, "no front matter: an update starts with a `---` line, its YAML keys, and another `---` line")
                .at(1, 1),
        ];
    };
    let mut out: Vec<Diagnostic> = front_problem(&shown, &text, front, mark)
        .into_iter()
        .collect();
    if reader.deep {
        out.extend(body_problems(&shown, &text, body));
    }
    out
}

/// An update's path as the timeline must record it: `updates/NAME`, one plain file name
/// (not hidden, no further directories).
fn is_plain_update_path(file: &str) -> bool {
    file.strip_prefix("updates/").is_some_and(|name| {
        !name.is_empty() && !name.contains(['/', '\\']) && !name.starts_with('.')
    })
}

/// Reads the update files of one incident: never through a symbolic link; without
/// `--deep`, only the front matter. `updates/` is checked once; each file is then opened
/// without following one.
struct UpdateReader<'a> {
    incident: &'a crate::model::Incident,
    deep: bool,
    /// What `updates/` is, once checked (or why it could not be).
    updates_dir: Option<Result<crate::safe_fs::Kind, String>>,
}

impl UpdateReader<'_> {
    /// The file at `path` (whole with `--deep`, else its start, see [`head_of`]).
    fn read(&mut self, path: &std::path::Path) -> std::io::Result<String> {
        if self.deep {
            return crate::safe_fs::read_to_string(&self.incident.dir, path);
        }
        let incident = self.incident;
        let dir = self.updates_dir.get_or_insert_with(|| {
            crate::safe_fs::kind(&incident.dir, &incident.dir.join(UPDATES_DIR))
                .map_err(|e| e.to_string())
        });
        match dir {
            Ok(crate::safe_fs::Kind::Dir) => head_of(path),
            Ok(crate::safe_fs::Kind::Missing) => {
                Err(std::io::Error::from(std::io::ErrorKind::NotFound))
            }
            Ok(_) => Err(std::io::Error::other(
                "updates/ is not a directory: mim never follows symbolic links",
            )),
            Err(e) => Err(std::io::Error::other(e.clone())),
        }
    }
}

/// What is wrong with an update's front matter `front` (of the file `text`): not YAML of
/// an update, or another number, audience or client than the timeline records (`mark`).
fn front_problem(
    shown: &std::path::Path,
    text: &str,
    front: &str,
    mark: &crate::state::UpdateMark,
) -> Option<crate::diag::Diagnostic> {
    use crate::diag::Diagnostic;
    let (audience, number, client) = (&mark.audience, &mark.number, &mark.client);
    match parse_front(front) {
        Err(e) => {
            // The front matter starts on line 2 of the file.
            let mut d = Diagnostic::from_yaml(shown, front, &e);
            d.excerpt = None;
            if d.line > 0 {
                d.line += 1;
            }
            Some(d.with_source(text))
        }
        Ok(f) if f.number != *number || f.audience != *audience => Some(Diagnostic::new(
            shown,
            format!(
                "says update {} to {}, but the timeline records update {number} to {audience}",
                f.number, f.audience
            ),
        )),
        Ok(f) if f.client != *client => {
            let whose = |c: &Option<String>| match c {
                Some(c) => format!("client `{c}`'s own"),
                None => "every client's".to_string(),
            };
            Some(Diagnostic::new(
                shown,
                format!(
                    "says it is {} update, but the timeline records {}",
                    whose(&f.client),
                    whose(client)
                ),
            ))
        }
        Ok(_) => None,
    }
}

/// What `validate --deep` finds wrong with an update's body: merge conflict markers, or
/// no text at all.
fn body_problems(
    shown: &std::path::Path,
    text: &str,
    body: &str,
) -> Option<crate::diag::Diagnostic> {
    use crate::diag::Diagnostic;
    let marker = |start: &str| text.lines().position(|l| l.starts_with(start));
    if let (Some(line), Some(_)) = (marker("<<<<<<< "), marker(">>>>>>> ")) {
        return Some(
            Diagnostic::new(
                shown,
                "unresolved git merge conflict: keep the right lines, remove the markers, then `git add` and commit",
            )
            .at(line + 1, 1)
            .with_source(text),
        );
    }
    body.trim().is_empty().then(|| {
        Diagnostic::new(
            shown,
            "the update has no text: write what was sent under the front matter",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn front() -> UpdateFront {
        UpdateFront {
            incident: "2026-11-24-payments-api-outage".into(),
            number: 3,
            audience: "client".into(),
            client: None,
            at: chrono::DateTime::parse_from_rfc3339("2026-11-24T09:30:00Z").unwrap(),
            by: "Alice Moreau".into(),
            status_line: Some("Degraded: failover: in progress".into()),
            eta: None,
            next: Some("10:30 UTC".into()),
        }
    }

    #[test]
    fn round_trips_and_keeps_the_body_as_written() {
        let body = "We failed over.\n\n---\n\n{{ 7*7 }} <b>x</b>";
        let text = to_text(&front(), body);
        assert!(text.starts_with("---\nincident: 2026-11-24-payments-api-outage\nnumber: 3\n"));
        let (yaml, rest) = split_front_matter(&text).unwrap();
        let back: UpdateFront = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(back, front());
        assert_eq!(rest, format!("{body}\n"));
    }

    #[test]
    fn the_direct_reading_agrees_with_the_yaml_parser() {
        let mut fronts = vec![front()];
        for text in [
            "it's 'quoted'",
            "10:30",
            "yes",
            "null",
            "~",
            "12",
            "1e3",
            ".inf",
            "0x1F",
            "-",
            "- item",
            "#hash",
            "a # comment",
            "x: y",
            "[flow]",
            "{map}",
            "\"double\"",
            " leading",
            "trailing ",
            "tab\there",
            "ünïcode — dash",
            "&anchor",
            "*alias",
            "!tag",
            "%percent",
            "@at",
            "`tick`",
            "ends with:",
            "2026-11-24",
        ] {
            let mut f = front();
            f.status_line = Some(text.into());
            f.next = Some(text.into());
            f.by = text.into();
            fronts.push(f);
        }
        let mut f = front();
        f.eta = Some(f.at);
        f.number = 0;
        fronts.push(f);
        for f in &fronts {
            let text = to_text(f, "body");
            let (yaml, _) = split_front_matter(&text).unwrap();
            let direct = parse_front(yaml).unwrap();
            assert_eq!(
                direct,
                serde_yaml::from_str::<UpdateFront>(yaml).unwrap(),
                "{yaml}"
            );
            assert_eq!(&direct, f, "{yaml}");
        }
        // What mim writes is read directly: quoted text with colons, times, numbers.
        let mut usual = front();
        usual.next = None;
        usual.eta = Some(usual.at);
        let text = to_text(&usual, "body");
        assert_eq!(
            plain_front(split_front_matter(&text).unwrap().0),
            Some(usual)
        );
        for yaml in [
            "incident: x\nnumber: [1\naudience: a\nat: 2026-11-24T09:30:00Z\nby: b\n",
            "incident: x\nnumber: 01\naudience: a\nat: 2026-11-24T09:30:00Z\nby: b\n",
            "incident: x\nnumber: 1\naudience: a\nat: 2026-11-24T09:30:00Z\nby: b\nby: c\n",
            "incident: x\nnumber: 1\naudience: a\nat: yesterday\nby: b\n",
            "incident: x\nnumber: 1\naudience: a\nat: 2026-11-24T09:30:00Z\nby: b\nextra: 1\n",
            "incident: x\nnumber: 1\naudience: a\nat: 2026-11-24T09:30:00Z\n",
            "incident: x\nnumber: 1\naudience: a\nat: 2026-11-24T09:30:00Z\nby: b # who\n",
            "incident: x\nnumber: 1\naudience: a\nat: 2026-11-24T09:30:00Z\nby: b\nnext: null\n",
        ] {
            let direct = parse_front(yaml).map_err(|e| e.to_string());
            let parsed = serde_yaml::from_str::<UpdateFront>(yaml).map_err(|e| e.to_string());
            assert_eq!(direct, parsed, "{yaml}");
        }
    }

    #[test]
    fn text_without_front_matter_has_none() {
        assert_eq!(split_front_matter("# Plan\n"), None);
        assert_eq!(split_front_matter("---\nunterminated: yes\n"), None);
    }
}
