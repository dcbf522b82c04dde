//! Template overrides: `mim validate` and `mim check` render every file in `templates/`
//! against the built-in sample incident; old variable names get their replacement.

use crate::common::TestRepo;

#[test]
fn check_fails_on_an_override_with_an_undefined_variable_naming_the_file_and_line() {
    let repo = TestRepo::new();
    repo.write(
        "templates/update-client.md",
        "# {{ incident.title }}\n\nDear {{ incident.nope }} team,\n",
    );
    let run = repo.now("2026-11-24T12:00:00Z", &["check"]).fails(1);
    insta::assert_snapshot!(run.stdout, @r"
    templates/update-client.md:3: error: validation: `incident.nope` is undefined: update-client.md has no such variable (docs/templates.md lists them)
        3 | Dear {{ incident.nope }} team,
          |         ^
    ");
    let run = repo.run(&["validate"]).fails(1);
    assert!(
        run.stdout
            .starts_with("templates/update-client.md:3:9: `incident.nope` is undefined"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("0 incidents, 1 problem"),
        "{}",
        run.stderr
    );
    let json = repo.run(&["check", "--format", "json"]).fails(1).json();
    let finding = &json["findings"][0];
    assert_eq!(finding["file"], "templates/update-client.md");
    assert_eq!(finding["line"], 3);
}

#[test]
fn check_fails_on_an_override_with_a_syntax_error_naming_the_file_and_line() {
    let repo = TestRepo::new();
    repo.write(
        "templates/update-client.md",
        "# Update\n{% if %}\nx\n{% endif %}\n",
    );
    let run = repo.now("2026-11-24T12:00:00Z", &["check"]).fails(1);
    assert!(
        run.stdout.starts_with(
            "templates/update-client.md:2: error: validation: syntax error: unexpected end of block"
        ),
        "{}",
        run.stdout
    );
    let github = repo
        .now("2026-11-24T12:00:00Z", &["check", "--format", "github"])
        .fails(1);
    assert!(
        github
            .stdout
            .contains("::error file=templates/update-client.md,line=2,"),
        "{}",
        github.stdout
    );
}

#[test]
fn correct_overrides_pass_check_and_validate() {
    let repo = TestRepo::new();
    repo.run(&["templates", "export"]).ok();
    let exported = repo.read("templates/update-client.md");
    repo.write(
        "templates/update-client.md",
        &exported.replace(
            "Dear {{ reader.client_name }} team,",
            "Hello {{ incident.client }} ({{ incident.client_key }}), at {{ now | datetime(\"%H:%M\") }},",
        ),
    );
    repo.write(
        "templates/pir-report.html",
        "<h1>{{ incident.title }}</h1>\n{% if resolution %}<p>{{ resolution.summary }}, {{ resolution.at | datetime }}</p>{% endif %}\n",
    );
    repo.now("2026-11-24T12:00:00Z", &["check"]).ok();
    let run = repo.run(&["validate"]).ok();
    assert!(run.stderr.contains("no problems"), "{}", run.stderr);
    let list = repo.run(&["templates", "list"]).ok();
    assert!(
        list.stderr.is_empty(),
        "pir-report.html is used: {}",
        list.stderr
    );
}

#[test]
fn a_file_that_overrides_nothing_is_a_problem() {
    let repo = TestRepo::new();
    repo.write("templates/update-clients.md", "{{ incident.title }}\n");
    let run = repo.run(&["validate"]).fails(1);
    assert!(
        run.stdout.starts_with(
            "templates/update-clients.md: mim renders no template of this name, so it is never used"
        ),
        "{}",
        run.stdout
    );
}

/// A PIR report override written against variable names no release had: each unknown
/// one is a problem at its line (no table of replacements: mim keeps none for formats
/// never released).
const OLD_PIR_REPORT: &str = "\
# Post incident review: {{ incident.title }}

Organisation {{ organization }}, times in {{ timezone }}.
{% if incident.closure %}Closure: {{ incident.closure }}{% endif %}
{% for e in timeline %}
- **{{ e.when }}** {{ e.text }}
{% endfor %}
";

#[test]
fn an_old_pir_report_override_is_pointed_at_each_unknown_variable() {
    let repo = TestRepo::new();
    repo.write("templates/pir-report.md", OLD_PIR_REPORT);
    let run = repo.run(&["validate"]).fails(1);
    insta::assert_snapshot!(run.stdout, @r"
    templates/pir-report.md:3:17: `organization` is undefined: pir-report.md has no such variable (docs/templates.md lists them)
        3 | Organisation {{ organization }}, times in {{ timezone }}.
          |                 ^
    templates/pir-report.md:3:46: `timezone` is undefined: pir-report.md has no such variable (docs/templates.md lists them)
        3 | Organisation {{ organization }}, times in {{ timezone }}.
          |                                              ^
    templates/pir-report.md:4:7: `incident.closure` is undefined: pir-report.md has no such variable (docs/templates.md lists them)
        4 | {% if incident.closure %}Closure: {{ incident.closure }}{% endif %}
          |       ^
    ");

    // Where the report is rendered, the error says it too.
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    repo.at(
        "2026-11-24T11:00:00Z",
        &[
            "resolve",
            &id,
            "-m",
            "Restarted.",
            "--closure",
            "permanent-fix",
        ],
    )
    .ok();
    let before = repo.snapshot();
    let run = repo
        .at(
            "2026-11-25T09:00:00Z",
            &[
                "pir",
                "start",
                &id,
                "--reason",
                "required",
                "--facilitator",
                "Dana",
            ],
        )
        .fails(1);
    assert_eq!(repo.snapshot(), before, "nothing is written");
    assert!(
        run.stderr
            .contains("line 3: undefined value: `organization` is undefined"),
        "{}",
        run.stderr
    );
}

/// The built-in `update-client.md` before every figure became a reader's fact.
const OLD_UPDATE_CLIENT: &str = r#"# {{ incident.title }} — Update {{ update.number }}

Dear {{ incident.client }} team,

{% if update.monitoring %}
**Monitoring update:** service has been restored, and we are monitoring it to make sure it stays stable.

{% endif %}
{% if update.status_line %}
**Current status:** {{ update.status_line }}
{% endif %}

**Impact:** {{ incident.service }} is affected ({{ incident.impact }} impact). We are treating this as a priority {{ incident.priority }} incident.

## What we are doing

{{ update.body }}

{% if update.eta %}
We expect service to be restored by {{ update.eta | datetime }}.

{% endif %}
## Next update

{% if update.next %}
{{ update.next }}
{% elif update.next_at %}
We will send the next update by {{ update.next_at | datetime }}, or sooner if there is news.
{% else %}
We will update you as soon as there is news.
{% endif %}

Reference: {{ incident.id }}

{{ org.name }}
"#;

/// The built-in `update-management.md` before every figure became a reader's fact.
const OLD_UPDATE_MANAGEMENT: &str = r#"# {{ incident.title }} — Update {{ update.number }}

{% if update.monitoring %}
**Monitoring update:** service is restored; the incident stays open while we monitor it.

{% endif %}
{{ incident.id }}{{ " · " ~ incident.client if incident.client else "" }} · {{ incident.service }}

- **Priority:** {{ incident.priority }} (impact {{ incident.impact }}, urgency {{ incident.urgency }})
- **Status:** {{ incident.status }}{{ " — " ~ update.status_line if update.status_line else "" }}
- **Reported:** {{ incident.reported | datetime }}
{% if restore %}
- **Restore target:** {{ restore.used }} used of {{ restore.target }} ({{ restore.percent }}%, {{ restore.calendar }} calendar){{ " — BREACHED" if restore.breached else "" }}
{% if restore.due %}
- **Restore due:** {{ restore.due | datetime }}
{% else %}
- **Restore due:** clock stopped while on hold
{% endif %}
{% endif %}
{% if update.eta %}
- **Estimated restoration:** {{ update.eta | datetime }}
{% endif %}
- **Incident manager:** {{ incident.manager or "not assigned" }}

## Summary

{{ update.body }}

## Escalations

{% for e in escalations %}
- {{ e.at | datetime }} {{ "hierarchic" if e.hierarchic else e.kind }} → {{ e.to }}{{ " (level " ~ e.level ~ ")" if e.level else "" }}{{ " [" ~ e.reference ~ "]" if e.reference else "" }}{{ ": " ~ e.reason if e.reason else "" }}
{% else %}
- None so far.
{% endfor %}

## Next update

{% if update.next %}
{{ update.next }}
{% elif update.next_at %}
By {{ update.next_at | datetime }}.
{% else %}
When there is news.
{% endif %}

— {{ update.by }}, {{ org.name }}
"#;

/// The built-in `restoral-client-management.md` before every figure became a reader's fact.
const OLD_RESTORAL_CLIENT_MANAGEMENT: &str = r#"# {{ incident.title }} — Resolved

Dear {{ incident.client }} management,

{{ incident.service }} was restored at {{ resolution.at | datetime }}, {{ resolution.outage }} after the incident was reported. We treated it as a priority {{ incident.priority }} incident.

{% if restore %}
- **Restore target:** {{ restore.target }}, {{ "missed" if restore.breached else "met" }} ({{ restore.used }} used)
{% endif %}
- **Reported:** {{ incident.reported | datetime }}
- **Restored:** {{ resolution.at | datetime }}
- **Escalations:** {{ escalations | length }}

## What we did

{% if resolution.summary %}
{{ resolution.summary }}
{% else %}
Our engineers restored {{ incident.service }} and checked that it works normally.
{% endif %}

{% if resolution.workaround %}
Service is running on a temporary workaround. We continue to work on the underlying cause and will keep you informed.

{% endif %}
Reference: {{ incident.id }}

{{ org.name }}
"#;

/// The built-in `restoral-internal.md` before every figure became a reader's fact.
const OLD_RESTORAL_INTERNAL: &str = r#"# {{ incident.title }} — Resolved

{{ incident.id }} · {{ incident.priority }} · {{ incident.service }}{{ " · " ~ incident.client if incident.client else "" }}

- **Restored:** {{ resolution.at | datetime }} (outage {{ resolution.outage }})
- **Closure:** {{ resolution.closure }} — {{ resolution.closure_text }}
{% if resolution.workaround %}
- **Workaround in place:** root cause tracked in problem {{ resolution.problem }}
{% elif resolution.problem %}
- **Problem ticket:** {{ resolution.problem }}
{% endif %}
- **Client verification:** {{ {"verified-by-client": "confirmed by the client", "attempted": "attempted, not yet confirmed"}[resolution.verification] if resolution.verification else "not recorded" }}
- **Incident manager:** {{ incident.manager or "not assigned" }}

## How service was restored

{{ resolution.summary }}

## Escalations

{% for e in escalations %}
- {{ e.at | datetime }} {{ e.kind }} → {{ e.to }}{{ " [" ~ e.reference ~ "]" if e.reference else "" }}
{% else %}
- None.
{% endfor %}

— {{ resolution.by }}, {{ org.name }}
"#;

#[test]
fn overrides_written_before_reader_facts_render_or_are_told_what_to_write() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    for (name, text) in [
        ("update-client.md", OLD_UPDATE_CLIENT),
        ("update-management.md", OLD_UPDATE_MANAGEMENT),
    ] {
        repo.write(&format!("templates/{name}"), text);
    }
    // Overrides of the old names of everything still render...
    repo.run(&["validate"]).ok();
    repo.at(
        "2026-11-24T09:30:00Z",
        &["update", &id, "--audience", "all", "-m", "Failing over."],
    )
    .ok();
    // ...and the one variable that went is named, with what to write instead.
    repo.write(
        "templates/restoral-client-management.md",
        OLD_RESTORAL_CLIENT_MANAGEMENT,
    );
    repo.write("templates/restoral-internal.md", OLD_RESTORAL_INTERNAL);
    let run = repo.run(&["validate"]).fails(1);
    for file in ["restoral-client-management.md", "restoral-internal.md"] {
        assert!(
            run.stdout.contains(&format!("templates/{file}:5:")),
            "{}",
            run.stdout
        );
    }
    assert!(
        run.stdout.contains(
            "`resolution.outage` was renamed: write `{{ reader.since_impact }}`; the same figure"
        ),
        "{}",
        run.stdout
    );
    let check = repo.now("2026-11-24T09:40:00Z", &["check"]).fails(1);
    assert!(
        check.stdout.contains("resolution.outage"),
        "{}",
        check.stdout
    );
}
