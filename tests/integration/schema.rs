//! `mim schema`: JSON Schemas an editor can use, checked against the example repository
//! with a JSON Schema validator, and `mim init` writing them.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::TestRepo;

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/acme-msp")
}

fn schema(repo: &TestRepo, name: &str) -> Value {
    repo.run(&["schema", name]).ok().json()
}

fn validator(schema: &Value) -> jsonschema::Validator {
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    jsonschema::draft7::new(schema).unwrap_or_else(|e| panic!("not a valid schema: {e}"))
}

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap()
}

/// The YAML between the first two `---` lines of a Markdown file.
fn front_matter(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let rest = text.strip_prefix("---\n").expect("front matter");
    let end = rest.find("\n---\n").expect("closing ---");
    yaml(&rest[..end])
}

#[track_caller]
fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

#[test]
fn every_yaml_file_of_the_example_validates_against_its_schema() {
    let repo = TestRepo::new();
    let validators: Vec<(&str, jsonschema::Validator)> =
        ["mim.yaml", "incident.yaml", "timeline", "plan", "update"]
            .into_iter()
            .map(|n| (n, validator(&schema(&repo, n))))
            .collect();
    let get = |n: &str| &validators.iter().find(|(name, _)| *name == n).unwrap().1;
    let root = example();
    assert_valid(
        get("mim.yaml"),
        &yaml(&std::fs::read_to_string(root.join("mim.yaml")).unwrap()),
        "mim.yaml",
    );
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(root.join("incidents")) {
        let path = entry.unwrap().into_path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let shown = path.strip_prefix(&root).unwrap().display().to_string();
        let (which, doc) = match name.as_str() {
            "incident.yaml" => (
                "incident.yaml",
                yaml(&std::fs::read_to_string(&path).unwrap()),
            ),
            "timeline.yaml" => ("timeline", yaml(&std::fs::read_to_string(&path).unwrap())),
            "plan.md" => ("plan", front_matter(&path)),
            _ if path.parent().unwrap().ends_with("updates") => ("update", front_matter(&path)),
            _ => continue,
        };
        assert_valid(get(which), &doc, &shown);
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} files checked");
}

#[test]
fn a_misspelt_key_or_a_bad_value_in_mim_yaml_fails_the_schema() {
    let repo = TestRepo::new();
    let v = validator(&schema(&repo, "mim.yaml"));
    let good = std::fs::read_to_string(example().join("mim.yaml")).unwrap();
    assert_valid(&v, &yaml(&good), "example");
    for (from, to) in [
        ("at_risk: 75%", "at_rsik: 75%"),
        ("  start_within: 2d", "  start_witin: 2d"),
        ("respond: 15m", "respond: 15x"),
        ("hours: \"08:00-18:00\"", "hours: \"8 till 6\""),
        ("days: [mon, tue", "days: [monday, tue"),
    ] {
        let bad = good.replacen(from, to, 1);
        assert_ne!(bad, good, "{from}");
        assert!(!v.is_valid(&yaml(&bad)), "{to} passes the schema");
        // mim itself refuses it too: the schema says what the parser says.
        repo.write("bad/mim.yaml", &bad);
        repo.run(&["-C", "bad", "validate"]).fails(2);
    }
}

#[test]
fn init_writes_the_schemas_and_mim_writes_modelines() {
    let repo = TestRepo::new();
    for file in [
        "mim.yaml.json",
        "incident.yaml.json",
        "timeline.json",
        "plan.json",
        "update.json",
    ] {
        let written: Value =
            serde_json::from_str(&repo.read(&format!(".mim/schemas/{file}"))).unwrap();
        let name = match file {
            "mim.yaml.json" => "mim.yaml",
            "incident.yaml.json" => "incident.yaml",
            other => other.trim_end_matches(".json"),
        };
        assert_eq!(written, schema(&repo, name), "{file}");
        // The example's copies are current too.
        let example: Value = serde_json::from_str(
            &std::fs::read_to_string(example().join(".mim/schemas").join(file)).unwrap(),
        )
        .unwrap();
        assert_eq!(
            example, written,
            "examples/acme-msp/.mim/schemas/{file} is stale: run `mim schema -o .mim/schemas` there"
        );
    }
    assert!(
        repo.read("mim.yaml")
            .starts_with("# yaml-language-server: $schema=.mim/schemas/mim.yaml.json\n")
    );
    let id = repo.declare("2026-11-24T09:00:00Z", "Payments down", "high", "high", &[]);
    let dir = format!("incidents/{id}");
    assert!(
        repo.read(&format!("{dir}/incident.yaml"))
            .starts_with("# yaml-language-server: $schema=../../.mim/schemas/incident.yaml.json\n")
    );
    assert!(
        repo.read(&format!("{dir}/timeline.yaml"))
            .starts_with("# yaml-language-server: $schema=../../.mim/schemas/timeline.json\n")
    );
    // Files mim writes validate against the schemas the modelines name.
    let v = validator(&schema(&repo, "incident.yaml"));
    assert_valid(
        &v,
        &yaml(&repo.read(&format!("{dir}/incident.yaml"))),
        "incident.yaml",
    );
    let out = tempfile::tempdir().unwrap();
    repo.run(&["schema", "-o", out.path().to_str().unwrap()])
        .ok();
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 5);
}
