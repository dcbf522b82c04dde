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
            "Dear {{ incident.client }} team,",
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

/// A PIR report override written before the e-mails and the report shared one model.
const OLD_PIR_REPORT: &str = "\
# Post incident review: {{ incident.title }}

Organisation {{ organization }}, times in {{ timezone }}.
{% if incident.closure %}Closure: {{ incident.closure }}{% endif %}
{% for e in timeline %}
- **{{ e.when }}** {{ e.text }}
{% endfor %}
";

#[test]
fn an_old_pir_report_override_is_told_what_to_write_instead() {
    let repo = TestRepo::new();
    repo.write("templates/pir-report.md", OLD_PIR_REPORT);
    let run = repo.run(&["validate"]).fails(1);
    insta::assert_snapshot!(run.stdout, @r"
    templates/pir-report.md:3:17: `organization` was renamed: write `{{ org.name }}`
        3 | Organisation {{ organization }}, times in {{ timezone }}.
          |                 ^
    templates/pir-report.md:3:46: `timezone` was renamed: write `{{ tz }}`
        3 | Organisation {{ organization }}, times in {{ timezone }}.
          |                                              ^
    templates/pir-report.md:4:7: `incident.closure` was renamed: write `{{ resolution.closure }}`; `resolution` is none until the incident is resolved, so test `{% if resolution %}` first
        4 | {% if incident.closure %}Closure: {{ incident.closure }}{% endif %}
          |       ^
    templates/pir-report.md:6:8: `e.when` was renamed: write `{{ e.at | datetime }}`
        6 | - **{{ e.when }}** {{ e.text }}
          |        ^
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
        run.stderr.contains(
            "line 3: undefined value: `organization` is undefined; `organization` was renamed: write `{{ org.name }}`"
        ),
        "{}",
        run.stderr
    );
}
