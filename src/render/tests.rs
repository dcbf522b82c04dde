use std::fs;

use serde_json::json;

use super::*;

static DEFAULTS: &[(&str, &str)] = &[
    ("update.md", "# {{ incident.title }}\n\n{{ message }}\n"),
    ("update.html", "<p>{{ message }}</p>\n"),
    ("update.txt", "{{ message }}\n"),
    ("update.yaml", "message: {{ message }}\n"),
    (
        "list.md",
        "Workstreams:\n{% for w in workstreams %}\n- {{ w }}\n{% endfor %}\nEnd\n",
    ),
    ("when.txt", "{{ t | datetime(\"Europe/London\") }}"),
    ("broken.txt", "one\ntwo\n{{ incident.titel }}\n"),
];

fn ctx() -> serde_json::Value {
    json!({"incident": {"title": "Payments API outage"}, "message": "<b>Restored</b> & checking"})
}

fn templates_with(files: &[(&str, &str)]) -> (tempfile::TempDir, Templates) {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, source) in files {
        fs::write(dir.path().join(name), source).expect("write override");
    }
    let templates = Templates::with_defaults(Some(dir.path().to_path_buf()), DEFAULTS);
    (dir, templates)
}

#[test]
fn built_in_default_renders() {
    let templates = Templates::with_defaults(None, DEFAULTS);
    let out = templates.render("update.md", ctx()).expect("render");
    assert_eq!(out, "# Payments API outage\n\n<b>Restored</b> & checking\n");
}

#[test]
fn repository_override_wins() {
    let (_dir, templates) = templates_with(&[("update.md", "Override: {{ incident.title }}\n")]);
    let out = templates.render("update.md", ctx()).expect("render");
    assert_eq!(out, "Override: Payments API outage\n");
    let other = templates.render("update.txt", ctx()).expect("render");
    assert_eq!(other, "<b>Restored</b> & checking\n");
}

#[test]
fn misspelt_variable_in_override_names_template_origin_and_line() {
    let (dir, templates) = templates_with(&[("update.md", "# Update\n\n{{ incident.titel }}\n")]);
    let err = templates.render("update.md", ctx()).expect_err("strict");
    let msg = err.to_string();
    assert!(msg.contains("template `update.md`"), "{msg}");
    assert!(msg.contains("repository override"), "{msg}");
    let path = dir.path().join("update.md");
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("line 3"), "{msg}");
    assert!(msg.contains("undefined value"), "{msg}");
    assert!(msg.contains("incident.titel"), "{msg}");
}

#[test]
fn error_in_built_in_says_so() {
    let templates = Templates::with_defaults(None, DEFAULTS);
    let msg = templates
        .render("broken.txt", ctx())
        .expect_err("strict")
        .to_string();
    assert!(
        msg.starts_with("template `broken.txt` (built-in), line 3: "),
        "{msg}"
    );
}

#[test]
fn syntax_error_has_line() {
    let (_dir, templates) = templates_with(&[("update.md", "a\n{% if %}\n")]);
    let msg = templates
        .render("update.md", ctx())
        .expect_err("syntax")
        .to_string();
    assert!(msg.contains("line 2"), "{msg}");
    assert!(msg.contains("syntax error"), "{msg}");
}

#[test]
fn unknown_template_is_an_error() {
    let templates = Templates::with_defaults(None, DEFAULTS);
    let msg = templates
        .render("nope.md", ctx())
        .expect_err("missing")
        .to_string();
    assert!(msg.contains("nope.md"), "{msg}");
}

#[test]
fn template_names_must_be_plain_file_names() {
    let (_dir, templates) = templates_with(&[]);
    for name in [
        "../secret.md",
        "sub/update.md",
        "..",
        ".hidden",
        "a\\b.md",
        "",
    ] {
        let err = templates.render(name, ctx()).expect_err(name);
        assert!(err.to_string().contains("plain file name"), "{name}: {err}");
        assert!(templates.source(name).is_err(), "{name}");
    }
}

#[test]
fn include_goes_through_the_same_checks() {
    let (_dir, templates) = templates_with(&[("update.md", "{% include \"../x.md\" %}")]);
    let msg = templates
        .render("update.md", ctx())
        .expect_err("include")
        .to_string();
    assert!(msg.contains("plain file name"), "{msg}");
}

#[test]
fn only_html_templates_are_escaped() {
    let templates = Templates::with_defaults(None, DEFAULTS);
    let html = templates.render("update.html", ctx()).expect("html");
    assert_eq!(
        html,
        "<p>&lt;b&gt;Restored&lt;&#x2f;b&gt; &amp; checking</p>\n"
    );
    for name in ["update.md", "update.txt"] {
        let out = templates.render(name, ctx()).expect(name);
        assert!(out.contains("<b>Restored</b> & checking"), "{name}: {out}");
    }
    let yaml = templates.render("update.yaml", ctx()).expect("yaml");
    assert_eq!(yaml, "message: <b>Restored</b> & checking\n");
}

#[test]
fn user_text_is_data_not_template() {
    let templates = Templates::with_defaults(None, DEFAULTS);
    let hostile = json!({
        "incident": {"title": "{{ 7*7 }} {% include 'update.md' %}"},
        "message": "{# comment #} {{ incident }}",
    });
    let out = templates.render("update.md", hostile).expect("render");
    assert_eq!(
        out,
        "# {{ 7*7 }} {% include 'update.md' %}\n\n{# comment #} {{ incident }}\n"
    );
}

#[test]
fn block_lines_leave_no_blank_lines() {
    let templates = Templates::with_defaults(None, DEFAULTS);
    let out = templates
        .render("list.md", json!({"workstreams": ["Network", "Database"]}))
        .expect("render");
    assert_eq!(out, "Workstreams:\n- Network\n- Database\nEnd\n");
}

#[test]
fn datetime_filter_uses_the_time_zone() {
    let templates = Templates::with_defaults(None, DEFAULTS);
    let winter = templates.render("when.txt", json!({"t": "2026-11-24T09:00:00Z"}));
    assert_eq!(winter.expect("winter"), "2026-11-24 09:00 GMT");
    let summer = templates.render("when.txt", json!({"t": "2026-07-01T09:00:00+00:00"}));
    assert_eq!(summer.expect("summer"), "2026-07-01 10:00 BST");
}

#[test]
fn datetime_filter_errors_say_what_is_right() {
    assert_eq!(
        filters::datetime("2026-11-24T09:00:00+01:00", None).expect("utc"),
        "2026-11-24 08:00 UTC"
    );
    let zone = filters::datetime("2026-11-24T09:00:00Z", Some("Mars/Olympus")).expect_err("zone");
    assert!(
        zone.to_string()
            .contains("unknown time zone `Mars/Olympus`"),
        "{zone}"
    );
    let time = filters::datetime("yesterday", Some("UTC")).expect_err("time");
    assert!(time.to_string().contains("RFC 3339"), "{time}");
}

#[test]
fn duration_filter_formats_seconds_and_durations() {
    let templates = Templates::with_defaults(None, DEFAULTS);
    let env = &templates.env;
    let render = |src: &str, ctx| env.render_str(src, ctx).expect(src);
    assert_eq!(render("{{ 5400 | duration }}", Value::UNDEFINED), "1h30m");
    assert_eq!(
        render(
            "{{ d | duration }}",
            Value::from(Serde(json!({"d": "90m"})))
        ),
        "1h30m"
    );
    assert_eq!(render("{{ 0 | duration }}", Value::UNDEFINED), "0m");
    let err = env
        .render_str("{{ 'soon' | duration }}", Value::UNDEFINED)
        .expect_err("bad");
    assert!(err.to_string().contains("1h30m"), "{err}");
}

#[test]
fn names_and_sources_report_origin() {
    let (dir, templates) = templates_with(&[("update.md", "mine\n")]);
    assert_eq!(templates.names().len(), DEFAULTS.len());
    assert_eq!(templates.names()[0], "update.md");
    let (source, origin) = templates.source("update.md").expect("ok").expect("some");
    assert_eq!(source, "mine\n");
    assert_eq!(origin, Origin::Override(dir.path().join("update.md")));
    let (source, origin) = templates.source("update.txt").expect("ok").expect("some");
    assert_eq!(
        (source.as_str(), origin),
        ("{{ message }}\n", Origin::BuiltIn)
    );
    assert!(templates.source("nope.md").expect("ok").is_none());
}

#[test]
fn production_table_is_consistent() {
    let templates = Templates::new(None);
    for name in templates.names() {
        assert!(check_name(name).is_ok(), "{name}");
        assert!(templates.source(name).expect("ok").is_some(), "{name}");
    }
}

#[test]
fn a_render_stops_at_its_fuel_and_its_output_bound() {
    let (_dir, templates) = templates_with(&[
        (
            "update.md",
            "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}",
        ),
        (
            "update.txt",
            "{% set s = \"x\" * 100000000 %}{{ s | length }}",
        ),
        ("list.md", "{% set s = \"x\" * 3000000 %}{{ s }}{{ s }}"),
    ]);
    let err = templates
        .render("update.md", ctx())
        .unwrap_err()
        .to_string();
    assert!(err.contains("template `update.md`"), "{err}");
    assert!(
        err.contains("out of fuel") && err.contains("templates.fuel"),
        "{err}"
    );
    let err = templates
        .render("update.txt", ctx())
        .unwrap_err()
        .to_string();
    assert!(err.contains("out of fuel"), "{err}");
    let err = templates.render("list.md", ctx()).unwrap_err().to_string();
    assert!(
        err.contains("larger than 4MiB") && err.contains("templates.max_output"),
        "{err}"
    );
    // A budget of its own: more output allowed, less fuel.
    let small = templates.with_budget(Budget {
        fuel: 50,
        max_output: 16 * 1024 * 1024,
    });
    let err = small.render("update.md", ctx()).unwrap_err().to_string();
    assert!(err.contains("out of fuel"), "{err}");
    assert!(small.render("update.yaml", ctx()).is_ok());
}
