//! `mim declare`: propose a major incident.

use anyhow::bail;

use crate::cli::DeclareArgs;
use crate::commands::Ctx;
use crate::model::{RECORD_FILE, Record, TIMELINE_FILE, timeline};
use crate::store::Change;
use crate::text;

pub fn run(ctx: &Ctx, args: &DeclareArgs) -> anyhow::Result<()> {
    let config = &ctx.repo.config;
    let title = text::required("--title", &args.title)?;
    let service = text::required("--service", &args.service)?;
    let impact = one_of("impact", &args.impact, &config.impact)?;
    let urgency = one_of("urgency", &args.urgency, &config.urgency)?;
    if let Some(client) = &args.client
        && !config.clients.contains_key(client)
    {
        bail!(
            "unknown client `{}`: clients in mim.yaml are {}",
            client.escape_debug(),
            list_or_none(config.clients.keys())
        );
    }
    if let Some(category) = &args.category
        && !config.categories.is_empty()
    {
        one_of("category", category, &config.categories)?;
    }
    let priority = config
        .priority_for(&impact, &urgency)
        .expect("the configuration has a priority for every impact and urgency")
        .to_string();
    let record = Record {
        title,
        service,
        client: args.client.clone(),
        ci: args
            .ci
            .as_deref()
            .map(text::one_line)
            .filter(|s| !s.is_empty()),
        category: args.category.clone(),
        impact,
        urgency,
        priority: priority.clone(),
        reporter: ctx.actor()?,
        reported: ctx.now,
        tickets: args
            .tickets
            .iter()
            .map(|t| text::one_line(t))
            .filter(|t| !t.is_empty())
            .collect(),
        description: args
            .message
            .as_deref()
            .map(text::multi_line)
            .filter(|s| !s.is_empty()),
    };
    let date = ctx.now.with_timezone(&config.tz()).date_naive();
    let id = ctx.repo.new_id(date, &record.title);
    let dir = ctx.repo.incident_dir(&id);
    // Editors check the files against the schemas where the repository has them.
    let modeline = |file: &str| {
        let schemas = ctx.repo.root.join(crate::schema::DIR);
        if schemas.join(file).is_file() {
            crate::schema::modeline(file, 2)
        } else {
            String::new()
        }
    };
    let mut change = Change::new();
    change
        .put(
            dir.join(RECORD_FILE),
            format!(
                "{}{}",
                modeline("incident.yaml.json"),
                serde_yaml::to_string(&record)?
            ),
        )
        .put(
            dir.join(TIMELINE_FILE),
            format!("{}{}", modeline("timeline.json"), timeline::HEADER),
        );
    let major = config.targets(&priority).is_some_and(|t| t.major);
    let summary = format!("declared {priority} {}", record.title);
    ctx.record(&id, "declare", &summary, &change)?;
    if !major && !args.force {
        let majors: Vec<&str> = config
            .priorities
            .iter()
            .filter(|(_, t)| t.major)
            .map(|(p, _)| p.as_str())
            .collect();
        eprintln!(
            "warning: {priority} does not meet the major-incident criteria (major priorities: {}); \
             declared anyway as a proposal for the incident manager. Use --force to silence this.",
            majors.join(", ")
        );
    }
    if ctx.json {
        ctx.print_json(&serde_json::json!({"id": id, "priority": priority}))?;
    } else {
        println!("{id}");
    }
    Ok(())
}

/// `value` if it is one of `choices`, else an error listing them.
pub fn one_of(what: &str, value: &str, choices: &[String]) -> anyhow::Result<String> {
    if choices.iter().any(|c| c == value) {
        return Ok(value.to_string());
    }
    bail!(
        "unknown {what} `{}`: use one of {}",
        value.escape_debug(),
        choices.join(", ")
    )
}

fn list_or_none<'a>(items: impl Iterator<Item = &'a String>) -> String {
    let items: Vec<&str> = items.map(String::as_str).collect();
    if items.is_empty() {
        "none (add one under `clients`)".into()
    } else {
        items.join(", ")
    }
}
