use std::fs;
use std::path::Path;

use super::*;

/// The problems of a `templates/` directory holding `files`, as `path:line:col: message`.
fn problems_with(files: &[(&str, &str)]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, source) in files {
        fs::write(dir.path().join(name), source).expect("write override");
    }
    problems(dir.path(), Path::new("templates"))
        .iter()
        .map(|d| format!("{}: {}", d.position(), d.message))
        .collect()
}

fn builtin(name: &str) -> String {
    Templates::new(None)
        .source(name)
        .expect("a name")
        .expect("a built-in")
        .0
}

#[test]
fn the_built_in_templates_pass_as_overrides() {
    let names = known_names();
    let files: Vec<(&str, String)> = Templates::new(None)
        .names()
        .into_iter()
        .map(|n| (n, builtin(n)))
        .collect();
    let files: Vec<(&str, &str)> = files.iter().map(|(n, s)| (*n, s.as_str())).collect();
    assert_eq!(problems_with(&files), Vec::<String>::new());
    assert!(names.contains(&"pir-report.html"));
    assert!(problems_with(&[]).is_empty());
}

#[test]
fn an_undefined_variable_names_the_file_line_and_column() {
    let found = problems_with(&[("update-client.md", "# Hi\n\nDear {{ incident.nope }}\n")]);
    assert_eq!(
        found,
        [
            "templates/update-client.md:3:9: `incident.nope` is undefined: update-client.md has no such variable (docs/templates.md lists them)"
        ]
    );
}

#[test]
fn a_syntax_error_names_the_line() {
    let found = problems_with(&[("restoral-internal.md", "a\n{% if %}\nb\n")]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("templates/restoral-internal.md:2:7: syntax error: "),
        "{found:?}"
    );
}

#[test]
fn an_error_in_a_branch_only_the_sparse_sample_takes_is_found() {
    let found = problems_with(&[(
        "update-internal.md",
        "{% if update.eta %}\n{{ update.eta | datetime }}\n{% else %}\n{{ update.number | datetime }}\n{% endif %}\n",
    )]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("templates/update-internal.md:4:"),
        "{found:?}"
    );
    assert!(
        found[0].contains("with every optional value none"),
        "{found:?}"
    );
}

#[test]
fn a_misspelt_variable_in_a_branch_not_taken_is_found_too() {
    let found = problems_with(&[(
        "update-management.md",
        "{% if update %}ok{% else %}{{ restore.usde }}{% endif %}\n",
    )]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("templates/update-management.md:1:31: `restore.usde` is undefined"),
        "{found:?}"
    );
}

#[test]
fn tested_names_and_loop_variables_are_not_problems() {
    let source = "{% if incident.extra is defined %}{{ incident.extra }}{% endif %}\
        {{ incident.other | default(\"-\") }}\
        {% for k in plan %}{{ k }}{% endfor %}\
        {% for e in escalations %}{{ e.to }} {{ loop.index }}{% endfor %}\
        {% set x = incident.id %}{{ x }} {{ range(2) | length }}\n";
    assert_eq!(
        problems_with(&[("update-internal.md", source)]),
        Vec::<String>::new()
    );
}

#[test]
fn unknown_files_are_problems_but_included_ones_and_the_readme_are_not() {
    let found = problems_with(&[
        ("update-clinet.md", "x"),
        ("README.md", "notes"),
        ("footer.md", "-- {{ org.name }}\n"),
        (
            "update-client.md",
            "{{ incident.title }}\n{% include \"footer.md\" %}",
        ),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("templates/update-clinet.md: mim renders no template of this name"),
        "{found:?}"
    );
    assert!(found[0].contains("update-client.md"), "{found:?}");
}

#[test]
fn an_error_in_an_included_file_names_that_file() {
    let found = problems_with(&[
        ("footer.md", "line\n{{ org.nmae }}\n"),
        ("restoral-client.md", "{% include \"footer.md\" %}"),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("templates/footer.md:2:4: undefined value"),
        "{found:?}"
    );
}

#[test]
fn the_new_pir_report_variables_pass() {
    let source = "{{ org.name }} {{ tz }} {{ now | datetime }} {{ incident.reported | datetime(\"%d %b\") }}\n\
        {% if resolution %}{{ resolution.closure }} {{ resolution.at | datetime(tz=\"Europe/Paris\") }}{% endif %}\n\
        {% for e in timeline %}{{ e.at | datetime }}{% endfor %}\n";
    assert_eq!(
        problems_with(&[("pir-report.html", source)]),
        Vec::<String>::new()
    );
}

#[test]
fn scanning_helpers() {
    assert_eq!(position("ab\ncd", 4), (2, 2));
    assert_eq!(
        occurrences("incident.client_key incident.client", "incident.client").collect::<Vec<_>>(),
        [20]
    );
}
