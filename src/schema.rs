//! JSON Schemas (draft-07, which yaml-language-server reads) of the files people edit,
//! generated from the types that parse them, so the editor and mim cannot disagree.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};

use crate::comms::update_file::UpdateFront;
use crate::config::Config;
use crate::model::plan::Front as PlanFront;
use crate::model::{Entry, Record};

/// Where `mim init` writes the schemas, relative to the repository.
pub const DIR: &str = ".mim/schemas";

/// The files with a schema: `(name for mim schema, schema file name, what it describes)`.
pub const FILES: &[(&str, &str, &str)] = &[
    ("mim.yaml", "mim.yaml.json", "the procedure: mim.yaml"),
    (
        "incident.yaml",
        "incident.yaml.json",
        "an incident's record: incidents/*/incident.yaml",
    ),
    (
        "timeline",
        "timeline.json",
        "an incident's timeline: incidents/*/timeline.yaml, a list of entries",
    ),
    (
        "plan",
        "plan.json",
        "the front matter of incidents/*/plan.md",
    ),
    (
        "update",
        "update.json",
        "the front matter of incidents/*/updates/*.md",
    ),
];

/// The schema called `name` (a name of [`FILES`]).
pub fn schema(name: &str) -> Option<Schema> {
    let (schema, title) = match name {
        "mim.yaml" => (root::<Config>(), "mim.yaml"),
        "incident.yaml" => (root::<Record>(), "incident.yaml"),
        // An empty timeline (only comments) is null: nothing happened yet.
        "timeline" => (root::<Option<Vec<Entry>>>(), "timeline.yaml"),
        "plan" => (root::<PlanFront>(), "plan.md front matter"),
        "update" => (root::<UpdateFront>(), "status update front matter"),
        _ => return None,
    };
    let mut schema = schema;
    schema.insert("title".into(), format!("mim: {title}").into());
    Some(schema)
}

/// The schema as written to a file: pretty JSON with a final newline.
pub fn text(name: &str) -> Option<String> {
    schema(name).map(|s| {
        let mut text = serde_json::to_string_pretty(&s).expect("a schema serializes");
        text.push('\n');
        text
    })
}

/// The first line of a YAML file whose schema is `file` (a file name of [`FILES`]),
/// for a file `depth` directories below the repository root.
pub fn modeline(file: &str, depth: usize) -> String {
    format!(
        "# yaml-language-server: $schema={}{DIR}/{file}\n",
        "../".repeat(depth)
    )
}

fn root<T: JsonSchema>() -> Schema {
    SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<T>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_has_a_draft_07_schema() {
        for (name, _, _) in FILES {
            let schema = schema(name).unwrap();
            assert_eq!(
                schema.get("$schema").and_then(|v| v.as_str()),
                Some("http://json-schema.org/draft-07/schema#"),
                "{name}"
            );
        }
        assert!(schema("nope").is_none());
    }
}
