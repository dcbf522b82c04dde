//! `mim check`'s CI formats as their consumers read them: GitLab Code Quality (a
//! fingerprint per finding, stable across runs) and JUnit XML as the Jenkins xunit
//! plugin's JUnit schema (junit-10.xsd) accepts it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::common::TestRepo;

/// A P1 whose internal cadence (30m) is breached twice, then left to run.
fn twice_late() -> (TestRepo, String) {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    for at in ["2026-11-24T09:40:00Z", "2026-11-24T10:20:00Z"] {
        repo.at(
            at,
            &[
                "update",
                &id,
                "--audience",
                "internal",
                "-m",
                "Still working on it.",
            ],
        )
        .ok();
    }
    (repo, id)
}

fn gitlab(repo: &TestRepo, now: &str) -> Vec<Value> {
    let run = repo.now(now, &["check", "--format", "gitlab"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.json().as_array().unwrap().clone()
}

#[test]
fn gitlab_fingerprints_are_unique_per_finding_and_stable_across_runs() {
    let (repo, _) = twice_late();
    let first = gitlab(&repo, "2026-11-24T11:00:00Z");
    let late: Vec<&Value> = first
        .iter()
        .filter(|i| i["check_name"] == "mim/update-internal" && i["severity"] == "critical")
        .collect();
    assert!(late.len() >= 2, "two breaches of one clock: {first:#?}");
    let all: BTreeSet<&str> = first
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(
        all.len(),
        first.len(),
        "every finding its own fingerprint: {first:#?}"
    );
    // Later, the same past breaches keep their fingerprints, so GitLab tracks them.
    let later = gitlab(&repo, "2026-11-24T11:30:00Z");
    let by_description = |issues: &[Value]| -> BTreeMap<String, String> {
        issues
            .iter()
            .filter(|i| i["description"].as_str().unwrap().contains(" late, at "))
            .map(|i| {
                (
                    i["description"].as_str().unwrap().to_string(),
                    i["fingerprint"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let before = by_description(&first);
    assert!(before.len() >= 2);
    assert_eq!(before, by_description(&later));
}

/// The attributes and children junit-10.xsd allows on each element, and the attributes
/// it requires.
fn rules(
    element: &str,
) -> Option<(
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
)> {
    Some(match element {
        "testsuites" => (
            &["name", "time", "tests", "failures", "errors"],
            &[],
            &["testsuite"],
        ),
        "testsuite" => (
            &[
                "name",
                "tests",
                "failures",
                "errors",
                "group",
                "time",
                "skipped",
                "timestamp",
                "hostname",
                "id",
                "package",
                "file",
                "log",
                "url",
            ],
            &["name", "tests", "failures", "errors"],
            &[
                "testsuite",
                "properties",
                "testcase",
                "system-out",
                "system-err",
            ],
        ),
        "testcase" => (
            &["name", "time", "classname", "group"],
            &["name"],
            &[
                "skipped",
                "error",
                "failure",
                "rerunFailure",
                "rerunError",
                "flakyFailure",
                "flakyError",
                "system-out",
                "system-err",
            ],
        ),
        "failure" | "error" | "skipped" => (&["type", "message"], &[], &[]),
        "properties" => (&[], &[], &["property"]),
        "property" => (&["name", "value"], &["name", "value"], &[]),
        "system-out" | "system-err" => (&[], &[], &[]),
        _ => return None,
    })
}

/// Every element against [`rules`]; problems as text.
fn xunit_problems(node: roxmltree::Node, out: &mut Vec<String>) {
    let name = node.tag_name().name();
    let Some((allowed, required, children)) = rules(name) else {
        out.push(format!("<{name}> is not in the schema"));
        return;
    };
    for a in node.attributes() {
        if !allowed.contains(&a.name()) {
            out.push(format!(
                "<{name}> has attribute `{}`, which the schema does not allow",
                a.name()
            ));
        }
    }
    for r in required {
        if node.attribute(*r).is_none() {
            out.push(format!("<{name}> lacks the required attribute `{r}`"));
        }
    }
    // SUREFIRE_TIME: digits with optional thousands commas and decimals.
    if let Some(time) = node.attribute("time")
        && !time
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        out.push(format!("<{name}> time `{time}` is not a SUREFIRE_TIME"));
    }
    for child in node.children().filter(|c| c.is_element()) {
        if !children.contains(&child.tag_name().name()) {
            out.push(format!(
                "<{name}> may not contain <{}>",
                child.tag_name().name()
            ));
        } else {
            xunit_problems(child, out);
        }
    }
}

#[test]
fn junit_output_fits_the_jenkins_xunit_junit_schema() {
    let (repo, id) = twice_late();
    let run = repo.now("2026-11-24T11:00:00Z", &["check", "--format", "junit"]);
    assert_eq!(run.code, 1);
    let doc = roxmltree::Document::parse(&run.stdout).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let mut problems = Vec::new();
    xunit_problems(root, &mut problems);
    assert!(problems.is_empty(), "{problems:#?}\n{}", run.stdout);
    let failed: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase") && n.children().any(|c| c.has_tag_name("failure")))
        .filter(|n| n.attribute("classname") == Some(id.as_str()))
        .map(|n| n.attribute("name").unwrap())
        .collect();
    assert!(failed.contains(&"update-internal"), "{failed:?}");
}
