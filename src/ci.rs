//! `mim check`'s report and the shapes CI systems read: text, JSON (the stable
//! contract), GitHub workflow commands, JUnit XML and GitLab Code Quality.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::json;

use crate::sla::{Clock, Level, Rule};
use crate::text::plural;
use crate::time::{self, Timestamp};

/// Everything `mim check` found, in the shape of `--format json`.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    #[serde(with = "time::rfc3339")]
    pub now: Timestamp,
    /// How many incidents were checked.
    pub incidents: usize,
    pub findings: Vec<Finding>,
    /// Every checked incident's clocks, by ID.
    pub clocks: BTreeMap<String, Vec<Clock>>,
    /// `--strict`: warnings fail the check too.
    #[serde(skip)]
    pub strict: bool,
    /// What the text output heads each incident's findings with.
    #[serde(skip)]
    pub about: BTreeMap<String, About>,
    /// The zone the text output shows times in.
    #[serde(skip)]
    pub tz: Option<chrono_tz::Tz>,
}

/// An incident as the text output names it: `P1  accepted  ACME Corp · Payments down`.
#[derive(Clone, Debug, Default)]
pub struct About {
    pub priority: String,
    pub status: String,
    /// Proposed, accepted or on hold: listed before the others.
    pub active: bool,
    pub clients: String,
    pub title: String,
}

/// One finding, placed in a file of the repository.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// The incident's ID (for a stray directory, its name); `null` when none applies.
    pub incident: Option<String>,
    pub rule: Rule,
    pub level: Level,
    pub message: String,
    /// Relative to the repository root, with `/` separators.
    pub file: String,
    /// 1-based; `null` when unknown.
    pub line: Option<usize>,
    #[serde(with = "time::rfc3339::option")]
    pub due: Option<Timestamp>,
    #[serde(with = "time::rfc3339::option")]
    pub actual: Option<Timestamp>,
    pub overdue_by_s: Option<i64>,
    /// The escalation level or action item, where a rule has several clocks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The affected client whose clock it is, on an incident affecting several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// The offending line with a caret, for validation problems in text output.
    #[serde(skip)]
    pub excerpt: Option<String>,
}

impl Finding {
    /// `2026-11-24-payments-api-outage: ` before a message about an incident, else nothing.
    pub fn incident_prefix(&self) -> String {
        self.incident
            .as_deref()
            .map(|i| format!("{i}: "))
            .unwrap_or_default()
    }

    /// Whether this finding fails the check.
    pub fn fails(&self, strict: bool) -> bool {
        strict || self.level.is_error()
    }

    /// `path:line`.
    pub fn position(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.file),
            None => self.file.clone(),
        }
    }

    fn title(&self) -> String {
        format!("mim {} {}", self.level, self.what())
    }

    /// `restore`, `escalation (sdm)`, `restore (client acme)`.
    fn what(&self) -> String {
        let about: Vec<String> = [
            self.name.clone(),
            self.client.as_ref().map(|c| format!("client {c}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if about.is_empty() {
            self.rule.to_string()
        } else {
            format!("{} ({})", self.rule, about.join(", "))
        }
    }

    /// A fingerprint that stays the same while the finding does (GitLab tracks findings by it).
    fn fingerprint(&self) -> String {
        // A clock can breach more than once (each late update of a cadence): its due
        // time tells the breaches apart, and does not move while "now" does.
        let mut name = self.name.clone().unwrap_or_default();
        if let Some(client) = &self.client {
            name.push_str("\0client\0");
            name.push_str(client);
        }
        let key = format!(
            "{}\0{}\0{}\0{}\0{}\0{}\0{}",
            self.incident.as_deref().unwrap_or_default(),
            self.rule,
            name,
            self.level,
            self.file,
            self.due.as_ref().map(time::format).unwrap_or_default(),
            if self.rule == Rule::Validation {
                self.message.as_str()
            } else {
                ""
            }
        );
        fnv(&key)
    }
}

/// FNV-1a, 64 bits, as hex: stable across runs, platforms and Rust versions.
fn fnv(key: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Each finding's fingerprint, unique within the report: findings that would still share
/// one (the same problem twice) get their occurrence number mixed in, in report order.
fn fingerprints(findings: &[Finding]) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    findings
        .iter()
        .map(|f| {
            let base = f.fingerprint();
            let n = seen.entry(base.clone()).or_default();
            *n += 1;
            if *n == 1 {
                base
            } else {
                fnv(&format!("{base}\0{n}"))
            }
        })
        .collect()
}

impl Report {
    /// Whether `mim check` exits 1.
    pub fn fails(&self) -> bool {
        self.findings.iter().any(|f| f.fails(self.strict))
    }

    /// `N incidents: 1 breach, 2 at risk, 1 error` (for stderr).
    pub fn summary(&self) -> String {
        let count = |level| self.findings.iter().filter(|f| f.level == level).count();
        let incidents = plural(self.incidents, "incident");
        if self.findings.is_empty() {
            return format!("{incidents}, no findings");
        }
        format!(
            "{incidents}: {}, {} at risk, {}",
            plural(count(Level::Breach), "breach"),
            count(Level::AtRisk),
            plural(count(Level::Error), "error")
        )
    }
}

/// One line per finding, `path:line: level: incident: rule: message`; validation problems
/// keep their source excerpt.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let incident = f.incident_prefix();
        let _ = writeln!(
            out,
            "{}: {}: {incident}{}: {}",
            f.position(),
            f.level,
            f.rule,
            f.message
        );
        if let Some(excerpt) = &f.excerpt {
            let _ = writeln!(out, "{excerpt}");
        }
    }
    out
}

/// The text output people read at a terminal: problems in files first, each at its file
/// and line as [`text`] gives them; then incident by incident, those in progress and the
/// highest priority first, each with its most pressing breach in full, the rest counted
/// by rule, at-risk clocks the same, and its unsent mail in one line. ([`text`] lists
/// every finding on its own line.)
pub fn summary_text(report: &Report) -> String {
    let errors: Vec<Finding> = report
        .findings
        .iter()
        .filter(|f| f.level == Level::Error)
        .cloned()
        .collect();
    let mut out = text(&Report {
        findings: errors,
        clocks: BTreeMap::new(),
        about: BTreeMap::new(),
        ..report.clone()
    });
    let mut by_incident: BTreeMap<Option<&str>, Vec<&Finding>> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.level != Level::Error) {
        by_incident
            .entry(f.incident.as_deref())
            .or_default()
            .push(f);
    }
    let none = About::default();
    let mut order: Vec<(Option<&str>, Vec<&Finding>)> = by_incident.into_iter().collect();
    order.sort_by_key(|(id, findings)| {
        let about = id.and_then(|i| report.about.get(i)).unwrap_or(&none);
        let breaches = findings.iter().filter(|f| f.level != Level::AtRisk).count();
        (
            id.is_some(),
            breaches == 0,
            !about.active,
            rank(&about.priority),
            std::cmp::Reverse(breaches),
            id.map(str::to_string),
        )
    });
    for (id, findings) in order {
        if let Some(id) = id {
            let about = report.about.get(id).unwrap_or(&none);
            let head: Vec<&str> = [&about.priority, &about.status]
                .into_iter()
                .map(String::as_str)
                .filter(|s| !s.is_empty())
                .collect();
            let title = match (about.clients.as_str(), about.title.as_str()) {
                ("", t) => t.to_string(),
                (c, t) => format!("{c} · {t}"),
            };
            let _ = writeln!(out, "{id}  {}  {title}", head.join("  "));
        }
        incident_lines(&mut out, report, &findings);
    }
    out
}

/// A priority's place (`P1` before `P2`; other names after, in their order).
fn rank(priority: &str) -> (u32, String) {
    let n = priority
        .strip_prefix('P')
        .and_then(|n| n.parse().ok())
        .unwrap_or(u32::MAX);
    (n, priority.to_string())
}

fn incident_lines(out: &mut String, report: &Report, findings: &[&Finding]) {
    for level in [Level::Breach, Level::AtRisk] {
        let mut these: Vec<&&Finding> = findings
            .iter()
            .filter(|f| f.level == level && !is_mail(f.rule))
            .collect();
        these.sort_by_key(|f| {
            (
                f.actual.is_some(),
                weight(f.rule),
                std::cmp::Reverse(f.overdue_by_s),
            )
        });
        let Some((first, rest)) = these.split_first() else {
            continue;
        };
        let _ = writeln!(out, "  {level}: {}: {}", first.what(), first.message);
        let mut counts: Vec<(Rule, usize)> = Vec::new();
        for f in rest {
            match counts.iter_mut().find(|(r, _)| *r == f.rule) {
                Some((_, n)) => *n += 1,
                None => counts.push((f.rule, 1)),
            }
        }
        if !counts.is_empty() {
            let also: Vec<String> = counts
                .iter()
                .map(|(rule, n)| match n {
                    1 => rule.to_string(),
                    n => format!("{rule} ×{n}"),
                })
                .collect();
            let _ = writeln!(out, "  also {level}: {}", also.join(", "));
        }
    }
    for rule in [Rule::UncertainMail, Rule::UnsentMail] {
        let mail: Vec<&Finding> = findings
            .iter()
            .copied()
            .filter(|f| f.rule == rule)
            .collect();
        if let Some(line) = mail_line(report, rule, &mail) {
            let _ = writeln!(out, "  {line}");
        }
    }
}

/// How pressing a rule's breach is, most first.
fn weight(rule: Rule) -> u8 {
    match rule {
        Rule::Validation => 0,
        Rule::Restore => 1,
        Rule::Respond => 2,
        Rule::Escalation => 3,
        Rule::UpdateClient => 4,
        Rule::UpdateInternal => 5,
        Rule::Promise => 6,
        Rule::PirStart => 7,
        Rule::PirAction => 8,
        _ => 9,
    }
}

fn is_mail(rule: Rule) -> bool {
    matches!(rule, Rule::UnsentMail | Rule::UncertainMail)
}

/// `3 messages unsent since 2026-11-23 14:45 GMT — mim send ID`: one line for an
/// incident's waiting (or uncertain) messages.
fn mail_line(report: &Report, rule: Rule, mail: &[&Finding]) -> Option<String> {
    let first = mail.first()?;
    let id = first.incident.as_deref().unwrap_or_default();
    let oldest = mail
        .iter()
        .filter_map(|f| {
            let name = f.file.rsplit('/').next()?;
            crate::comms::parse_stem(name).map(|s| s.at)
        })
        .min();
    let since = match (oldest, report.tz) {
        (Some(at), Some(tz)) => format!(" since {}", time::display(&at, tz)),
        _ => String::new(),
    };
    let n = plural(mail.len(), "message");
    Some(match rule {
        Rule::UncertainMail => format!(
            "uncertain: {n} may or may not have gone out: check the mail log, then `mim send {id} --resend-uncertain`"
        ),
        _ => format!("unsent: {n}{since}: `mim send {id}`"),
    })
}

/// `--format json`: the documented, stable contract.
/// Written to `out` as it is serialized (buffered): the clocks of every incident are
/// never held as one string.
pub fn write_json(report: &Report, out: impl std::io::Write) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(out);
    // JSON's own escapes for what could drive a terminal or a log viewer.
    crate::text::write_json_for_terminal(report, &mut out)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// GitHub Actions workflow commands: `::error file=F,line=L,title=T::MESSAGE`, one per
/// finding (`::warning` for at-risk unless `--strict`).
pub fn github(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let command = if f.fails(report.strict) {
            "error"
        } else {
            "warning"
        };
        let mut props = vec![format!("file={}", property(&f.file))];
        if let Some(line) = f.line {
            props.push(format!("line={line}"));
        }
        props.push(format!("title={}", property(&f.title())));
        let incident = f.incident_prefix();
        let _ = writeln!(
            out,
            "::{command} {}::{}",
            props.join(","),
            data(&format!("{incident}{}", f.message))
        );
    }
    out
}

/// The escaper of GitHub workflow commands, for a message: GitHub's own `%25`, `%0D`,
/// `%0A`, then the terminal escaper for what would drive the log viewer (escape
/// sequences, bells, bidirectional overrides), so a directory name or a message cannot.
fn data(text: &str) -> String {
    let github = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    crate::text::for_terminal(&github).into_owned()
}

/// Escape a workflow command's property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// JUnit XML: one test suite, one test case per incident and rule (classname the incident,
/// name the rule), a failure for each case with a finding that fails the check.
pub fn junit(report: &Report) -> String {
    use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

    // One case per incident, rule and (on an incident of several clients) client.
    type Case = (String, Rule, Option<String>);
    let mut cases: BTreeMap<Case, Vec<&Finding>> = BTreeMap::new();
    for (id, clocks) in &report.clocks {
        cases
            .entry((id.clone(), Rule::Validation, None))
            .or_default();
        for c in clocks {
            cases
                .entry((id.clone(), c.rule, c.client.clone()))
                .or_default();
        }
    }
    for f in &report.findings {
        let id = f.incident.clone().unwrap_or_else(|| f.file.clone());
        cases
            .entry((id, f.rule, f.client.clone()))
            .or_default()
            .push(f);
    }
    let mut suite = TestSuite::new("mim check");
    suite.set_timestamp(report.now);
    for ((id, rule, client), findings) in cases {
        let lines: Vec<String> = findings
            .iter()
            .map(|f| xml(&format!("{}: {}: {}", f.position(), f.level, f.message)))
            .collect();
        let failing: Vec<&&Finding> = findings.iter().filter(|f| f.fails(report.strict)).collect();
        let status = if let Some(first) = failing.first() {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(xml(&first.message))
                .set_type(first.level.as_str())
                .set_description(lines.join("\n"));
            s
        } else {
            TestCaseStatus::success()
        };
        let name = match &client {
            Some(c) => format!("{rule} (client {c})"),
            None => rule.to_string(),
        };
        let mut case = TestCase::new(xml(&name), status);
        case.set_classname(xml(&id));
        if failing.is_empty() && !lines.is_empty() {
            case.set_system_out(lines.join("\n"));
        }
        suite.add_test_case(case);
    }
    let mut xml = quick_junit::Report::new("mim");
    xml.add_test_suite(suite);
    let mut text = without_testsuites_skipped(xml.to_string().expect("a JUnit report serializes"));
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// The escaper of JUnit XML text (quick-junit escapes `<`, `&` and quotes): what XML
/// 1.0 cannot hold and what would drive a terminal showing the report (escape
/// sequences, bells, bidirectional overrides) is written escaped, as on a terminal.
fn xml(text: &str) -> String {
    crate::text::for_terminal(text).into_owned()
}

/// quick-junit writes `skipped` on `<testsuites>`, which the Jenkins xunit plugin's
/// JUnit schema does not allow there (only on `<testsuite>`): drop it.
fn without_testsuites_skipped(xml: String) -> String {
    let Some(start) = xml.find("<testsuites") else {
        return xml;
    };
    let end = start + xml[start..].find('>').unwrap_or(0);
    let tag = &xml[start..end];
    let Some(at) = tag.find(" skipped=\"") else {
        return xml;
    };
    let value_end = tag[at + 10..]
        .find('"')
        .map_or(tag.len(), |i| at + 10 + i + 1);
    format!("{}{}{}", &xml[..start + at], &tag[value_end..], &xml[end..])
}

/// GitLab Code Quality report (a JSON array of issues), so merge requests show the findings.
pub fn gitlab(report: &Report) -> String {
    let fingerprints = fingerprints(&report.findings);
    let issues: Vec<serde_json::Value> = report
        .findings
        .iter()
        .zip(fingerprints)
        .map(|(f, fingerprint)| {
            let severity = match f.level {
                Level::Error => "major",
                Level::Breach => "critical",
                Level::AtRisk if report.strict => "major",
                Level::AtRisk => "minor",
            };
            let incident = f
                .incident
                .as_deref()
                .map(|i| format!("{i}: "))
                .unwrap_or_default();
            json!({
                "description": format!("{incident}{}: {}", f.rule, f.message),
                "check_name": format!("mim/{}", f.rule),
                "fingerprint": fingerprint,
                "severity": severity,
                "location": {"path": f.file, "lines": {"begin": f.line.unwrap_or(1)}},
            })
        })
        .collect();
    // JSON's own escapes for what could drive a terminal or reorder a web page's text.
    let mut text = crate::text::json_for_terminal(&issues).expect("issues serialize");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(strict: bool) -> Report {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-24T10:50:00Z").unwrap();
        let finding = |rule, level, message: &str, line| Finding {
            incident: Some("2026-11-24-payments".into()),
            rule,
            level,
            message: message.into(),
            file: "incidents/2026-11-24-payments/timeline.yaml".into(),
            line,
            due: Some(now),
            actual: None,
            overdue_by_s: Some(600),
            name: None,
            client: None,
            excerpt: None,
        };
        Report {
            now,
            incidents: 1,
            findings: vec![
                finding(
                    Rule::Respond,
                    Level::Breach,
                    "late: 10m, at 09:25\nsecond line 100%",
                    Some(3),
                ),
                finding(Rule::Restore, Level::AtRisk, "due soon, really", None),
            ],
            clocks: BTreeMap::from([("2026-11-24-payments".to_string(), vec![])]),
            strict,
            about: BTreeMap::new(),
            tz: None,
        }
    }

    #[test]
    fn github_lines_escape_data_and_properties() {
        let out = github(&report(false));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "::error file=incidents/2026-11-24-payments/timeline.yaml,line=3,title=mim breach respond::2026-11-24-payments: late: 10m, at 09:25%0Asecond line 100%25"
        );
        assert_eq!(
            lines[1],
            "::warning file=incidents/2026-11-24-payments/timeline.yaml,title=mim at-risk restore::2026-11-24-payments: due soon, really"
        );
        assert!(
            github(&report(true))
                .lines()
                .all(|l| l.starts_with("::error "))
        );
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn every_format_escapes_what_would_drive_a_terminal() {
        let mut r = report(false);
        let hostile = "x\u{1b}]0;pwned\u{7}\u{202e}\u{9b}y";
        r.findings[0].file = format!("incidents/{hostile}/incident.yaml");
        r.findings[0].message = format!("not an incident: {hostile}");
        r.findings[0].incident = Some(hostile.to_string());
        for (format, out) in [
            ("github", github(&r)),
            ("junit", junit(&r)),
            ("gitlab", gitlab(&r)),
        ] {
            for raw in ['\u{1b}', '\u{7}', '\u{202e}', '\u{9b}'] {
                assert!(!out.contains(raw), "{format} printed {raw:?}: {out:?}");
            }
        }
        assert!(
            github(&r).contains("file=incidents/x\\u{1b}]0;pwned"),
            "{}",
            github(&r)
        );
        let issues: serde_json::Value = serde_json::from_str(&gitlab(&r)).unwrap();
        assert_eq!(
            issues[0]["location"]["path"],
            format!("incidents/{hostile}/incident.yaml")
        );
        assert!(is_xml_text(&junit(&r)));
    }

    /// The JUnit text is XML 1.0: no control characters but tab, CR and LF.
    fn is_xml_text(xml: &str) -> bool {
        xml.chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
    }

    #[test]
    fn junit_fails_only_error_cases() {
        let xml = junit(&report(false));
        assert!(
            xml.contains("<testsuite name=\"mim check\" tests=\"3\""),
            "{xml}"
        );
        assert!(xml.contains("failures=\"1\""), "{xml}");
        let strict = junit(&report(true));
        assert!(strict.contains("failures=\"2\""), "{strict}");
    }

    #[test]
    fn gitlab_issues_have_the_code_quality_keys() {
        let v: serde_json::Value = serde_json::from_str(&gitlab(&report(false))).unwrap();
        let first = &v[0];
        for key in [
            "description",
            "check_name",
            "fingerprint",
            "severity",
            "location",
        ] {
            assert!(first.get(key).is_some(), "{key}");
        }
        assert_eq!(first["severity"], "critical");
        assert_eq!(first["location"]["lines"]["begin"], 3);
        assert_eq!(v[1]["severity"], "minor");
        assert_ne!(v[0]["fingerprint"], v[1]["fingerprint"]);
        assert_eq!(
            gitlab(&report(false)),
            gitlab(&report(false)),
            "fingerprints are stable"
        );
    }

    #[test]
    fn the_summary_counts_levels() {
        assert_eq!(
            report(false).summary(),
            "1 incident: 1 breach, 1 at risk, 0 errors"
        );
        assert!(report(false).fails());
        let mut warnings_only = report(false);
        warnings_only.findings.remove(0);
        assert!(!warnings_only.fails());
        warnings_only.strict = true;
        assert!(warnings_only.fails());
    }
}
