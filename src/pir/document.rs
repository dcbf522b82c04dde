//! `pir.md`: what people write for the PIR, and only that. mim writes the skeleton once
//! (`mim pir start`) and never rewrites it; the facts come from the timeline and are
//! rendered around this text by `mim pir report`. HTML comments on their own lines are
//! guidance for the writer and are left out of the report; everything else is verbatim.

/// The file name inside the incident directory.
pub const FILE: &str = "pir.md";

/// The sections people write, in order, with the guidance shown under each.
pub const SECTIONS: &[(&str, &str)] = &[
    (
        "Root cause",
        "The technical root cause, as far as it is known. The investigation belongs to problem management{problem}.",
    ),
    (
        "Contributing process deficiencies",
        "The aim of this review: what in how we worked caused the outage or made it longer (detection, acceptance, escalation, communication, change control, staffing, tooling, vendors).",
    ),
    (
        "What went well",
        "What helped restore service, and should be kept.",
    ),
    (
        "Lessons learned",
        "What we know now that we did not know before.",
    ),
    (
        "Recommendations",
        "What should change to avoid a recurrence. Track each one as an action item: `mim pir action add {id} TEXT --owner WHO`.",
    ),
];

/// The section the client's incident report takes the cause and the fix from, and its
/// two subsections, as headings in `pir.md`.
pub const CLIENT_SUMMARY: &str = "Client summary";
pub const CLIENT_CAUSE: &str = "Cause";
pub const CLIENT_FIX: &str = "Fix";

/// The skeleton of the client summary: what `mim pir start` writes and what the error of
/// `mim pir report --client` tells the writer to add.
pub fn client_summary_skeleton(guidance: bool) -> String {
    let note = |text: &str| {
        if guidance {
            format!("\n<!-- {text} -->\n")
        } else {
            format!("\n{text}\n")
        }
    };
    format!(
        "## {CLIENT_SUMMARY}\n{}\n### {CLIENT_CAUSE}\n{}\n### {CLIENT_FIX}\n{}",
        if guidance {
            note(
                "What each affected client reads in its own incident report (`mim pir report ID --client C`), in the client's words. Every affected client's report shows it: name no client, none of our people, no vendor case, ticket or internal system.",
            )
        } else {
            String::new()
        },
        note("What failed, and why, as the client should understand it."),
        note("What we did to restore the service, and what prevents a recurrence."),
    )
}

/// The cause and the fix in the client's words: `pir.md`'s client summary.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientSummary {
    pub cause: String,
    pub fix: String,
}

/// `pir.md`'s client summary (`## Client summary` with `### Cause` and `### Fix`
/// written under it); `Err` names what is missing or still empty.
pub fn client_summary(text: &str) -> Result<ClientSummary, Vec<String>> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(summary) = section(&lines, 2, CLIENT_SUMMARY) else {
        return Err(vec![format!("a `## {CLIENT_SUMMARY}` section")]);
    };
    let body = &lines[summary];
    let sub = |name: &str| -> Option<String> {
        let kept = without_comments(&body[section(body, 3, name)?]);
        let text = kept.join("\n").trim().to_string();
        (!text.is_empty()).then_some(text)
    };
    let (cause, fix) = (sub(CLIENT_CAUSE), sub(CLIENT_FIX));
    match (cause, fix) {
        (Some(cause), Some(fix)) => Ok(ClientSummary { cause, fix }),
        (cause, fix) => Err([(cause, CLIENT_CAUSE), (fix, CLIENT_FIX)]
            .into_iter()
            .filter(|(text, _)| text.is_none())
            .map(|(_, name)| format!("the text under `### {name}` in `## {CLIENT_SUMMARY}`"))
            .collect()),
    }
}

/// Where the section under the heading of `level` (`## ` is 2) named `name` (in any
/// case) is in `lines`: from the line after it to the next heading of its level or
/// above. Headings in fenced code do not count.
fn section(lines: &[&str], level: usize, name: &str) -> Option<std::ops::Range<usize>> {
    let mut fence = false;
    let mut from = None;
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = !fence;
        }
        if fence {
            continue;
        }
        let Some((hashes, title)) = heading(line) else {
            continue;
        };
        match from {
            Some(from) if hashes <= level => return Some(from..i),
            None if hashes == level && title.trim().eq_ignore_ascii_case(name) => {
                from = Some(i + 1)
            }
            _ => {}
        }
    }
    from.map(|from| from..lines.len())
}

/// A Markdown heading's level and title: `## Title` is `(2, "Title")`.
fn heading(line: &str) -> Option<(usize, &str)> {
    let title = line.trim_start_matches('#');
    let hashes = line.len() - title.len();
    if hashes == 0 {
        return None;
    }
    title.strip_prefix(' ').map(|title| (hashes, title))
}

/// `pir.md` of an incident whose PIR is started, read from `dir` (shown as `shown`); a
/// missing file is an error with a hint.
pub fn read(dir: &std::path::Path, shown: &std::path::Path) -> anyhow::Result<String> {
    let path = dir.join(FILE);
    let shown = shown.join(FILE);
    // Never through a symbolic link (see `safe_fs`).
    match crate::safe_fs::read_optional(dir, &path) {
        Ok(Some(text)) => Ok(text),
        Ok(None) => anyhow::bail!(
            "{} is missing: the PIR's prose lives there; restore it from git (`git checkout -- {}`) or create it",
            shown.display(),
            shown.display()
        ),
        Err(e) => Err(anyhow::Error::new(e).context(format!("reading {}", shown.display()))),
    }
}

/// The skeleton `mim pir start` writes: a title, a note on how the file is used, and
/// one heading per section with its guidance as a comment.
pub fn skeleton(id: &str, title: &str, problem: Option<&str>) -> String {
    let mut out = format!(
        "# Post incident review: {title}\n\n\
         <!--\n\
         What people write for the post incident review of {id}. mim never rewrites this\n\
         file. The facts (summary, impact, timeline, metrics, action items, reviews) come\n\
         from the timeline: `mim pir report {id}` renders them around this text into\n\
         pir-report.md. Write under each heading; comments like this one are left out.\n\
         -->\n"
    );
    let problem = match problem {
        Some(p) => format!(", in problem ticket {p}"),
        None => String::new(),
    };
    for (heading, guidance) in SECTIONS {
        let guidance = guidance.replace("{problem}", &problem).replace("{id}", id);
        out.push_str(&format!("\n## {heading}\n\n<!-- {guidance} -->\n"));
    }
    out.push('\n');
    out.push_str(&client_summary_skeleton(true));
    out
}

/// The text for the report: everything after the title line, with comment-only
/// blocks removed and runs of blank lines left behind joined.
pub fn prose(text: &str) -> String {
    let mut lines = text.lines().peekable();
    while lines.peek().is_some_and(|l| l.trim().is_empty()) {
        lines.next();
    }
    if lines.peek().is_some_and(|l| l.starts_with("# ")) {
        lines.next();
    }
    let body: Vec<&str> = lines.collect();
    let kept = without_comments(&body);
    let mut out = String::new();
    let mut blank = true;
    for line in kept {
        if line.trim().is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
        } else {
            out.push_str(line);
            out.push('\n');
            blank = false;
        }
    }
    if out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// Lines outside HTML comment blocks that start on their own line (fenced code is kept).
fn without_comments<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut in_comment = false;
    let mut fence: Option<&str> = None;
    for line in lines {
        let trimmed = line.trim_start();
        if in_comment {
            if line.contains("-->") {
                in_comment = false;
            }
            continue;
        }
        if let Some(f) = fence {
            if trimmed.starts_with(f) {
                fence = None;
            }
            out.push(*line);
            continue;
        }
        if trimmed.starts_with("```") {
            fence = Some("```");
        } else if trimmed.starts_with("~~~") {
            fence = Some("~~~");
        } else if let Some(rest) = trimmed.strip_prefix("<!--") {
            match rest.find("-->") {
                Some(end) if rest[end + 3..].trim().is_empty() => continue,
                Some(_) => {}
                None => {
                    in_comment = true;
                    continue;
                }
            }
        }
        out.push(*line);
    }
    out
}

/// One `## ` section of the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    pub heading: String,
    /// 1-based line of the heading.
    pub line: usize,
    /// Whether anything but comments and blank lines is under it.
    pub written: bool,
}

/// The `## ` sections of `text`, in order.
pub fn sections(text: &str) -> Vec<Section> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<Section> = Vec::new();
    let mut body: Vec<&str> = Vec::new();
    let mut fence = false;
    let finish = |out: &mut Vec<Section>, body: &mut Vec<&str>| {
        if let Some(last) = out.last_mut() {
            last.written = without_comments(body).iter().any(|l| !l.trim().is_empty());
        }
        body.clear();
    };
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = !fence;
        }
        if !fence && (line.starts_with("## ") || line.starts_with("# ")) {
            finish(&mut out, &mut body);
            if let Some(heading) = line.strip_prefix("## ") {
                out.push(Section {
                    heading: heading.trim().to_string(),
                    line: i + 1,
                    written: false,
                });
            }
            continue;
        }
        if !out.is_empty() {
            body.push(line);
        }
    }
    finish(&mut out, &mut body);
    out
}

/// The people's sections (of [`SECTIONS`]) that are missing or still empty.
pub fn unwritten(text: &str) -> Vec<&'static str> {
    let found = sections(text);
    SECTIONS
        .iter()
        .map(|(heading, _)| *heading)
        .filter(|heading| {
            !found
                .iter()
                .any(|s| s.heading.eq_ignore_ascii_case(heading) && s.written)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_skeleton_has_every_section_and_no_prose() {
        let text = skeleton("2026-11-24-payments", "Payments <down>", Some("PRB-7"));
        assert!(text.starts_with("# Post incident review: Payments <down>\n"));
        for (heading, _) in SECTIONS {
            assert!(text.contains(&format!("\n## {heading}\n")), "{heading}");
        }
        assert!(text.contains("in problem ticket PRB-7."), "{text}");
        assert_eq!(unwritten(&text).len(), SECTIONS.len());
        let prose = prose(&text);
        assert!(!prose.contains("<!--"), "{prose}");
        assert!(
            prose.starts_with("## Root cause\n\n## Contributing"),
            "{prose}"
        );
    }

    #[test]
    fn written_text_is_kept_verbatim_and_comments_dropped() {
        let mut text = skeleton("x", "T", None);
        text = text.replace(
            "## What went well\n",
            "## What went well\n\nThe carrier  answered in *5 minutes*.\n<!-- inline --> kept\n\n```\n<!-- in code -->\n```\n",
        );
        assert_eq!(
            unwritten(&text),
            [
                "Root cause",
                "Contributing process deficiencies",
                "Lessons learned",
                "Recommendations"
            ]
        );
        let prose = prose(&text);
        assert!(
            prose.contains("## What went well\n\nThe carrier  answered in *5 minutes*.\n<!-- inline --> kept\n\n```\n<!-- in code -->\n```\n"),
            "{prose}"
        );
    }

    #[test]
    fn the_client_summary_is_its_cause_and_fix_without_guidance() {
        let text = skeleton("x", "T", None);
        assert_eq!(
            client_summary(&text),
            Err(vec![
                "the text under `### Cause` in `## Client summary`".to_string(),
                "the text under `### Fix` in `## Client summary`".to_string(),
            ])
        );
        assert_eq!(
            client_summary("# T\n\n## Root cause\nDisk.\n"),
            Err(vec!["a `## Client summary` section".to_string()])
        );
        let written =
            text.replace(
                "### Cause\n",
                "### Cause\n\nA storage controller *stopped* responding.\n",
            )
            .replace(
                "### Fix\n",
                "### Fix\n\nWe replaced it.\n\n```\n### not a heading\n```\n",
            ) + "\n## Notes\n\nInternal.\n";
        let summary = client_summary(&written).unwrap();
        assert_eq!(summary.cause, "A storage controller *stopped* responding.");
        assert_eq!(
            summary.fix,
            "We replaced it.\n\n```\n### not a heading\n```"
        );
        // Its guidance is not among the people's sections `close` asks about.
        assert_eq!(unwritten(&written).len(), SECTIONS.len());
    }

    #[test]
    fn a_file_without_a_title_keeps_its_first_line() {
        assert_eq!(
            prose("Intro.\n\n## Root cause\nDisk.\n"),
            "Intro.\n\n## Root cause\nDisk.\n"
        );
        let s = sections("## Root cause\n```\n## not a heading\n```\n## Lessons learned\n");
        assert_eq!(s.len(), 2);
        assert!(s[0].written);
        assert!(!s[1].written);
        assert_eq!(s[1].line, 5);
    }
}
