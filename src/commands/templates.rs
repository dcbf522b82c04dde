//! `mim templates list | show NAME | export [NAME]`: the built-in e-mail templates and
//! this repository's overrides of them (`templates/NAME`).

use anyhow::bail;

use crate::cli::TemplatesAction;
use crate::context::Ctx;
use crate::git;
use crate::render::{Origin, Templates};
use crate::store::Change;

pub fn run(ctx: &Ctx, action: &TemplatesAction) -> anyhow::Result<()> {
    match action {
        TemplatesAction::List => list(ctx),
        TemplatesAction::Show { name } => show(ctx, name),
        TemplatesAction::Export { name, force } => export(ctx, name.as_deref(), *force),
    }
}

fn list(ctx: &Ctx) -> anyhow::Result<()> {
    let templates = Templates::for_repo(&ctx.repo);
    let mut rows = Vec::new();
    for name in templates.names() {
        let origin = match templates.source(name)? {
            Some((_, Origin::Override(path))) => {
                format!("overridden by {}", ctx.repo.relative(&path).display())
            }
            _ => "built-in".to_string(),
        };
        rows.push((name.to_string(), origin));
    }
    let strays = stray_overrides(ctx, &crate::overrides::known_names());
    if ctx.json {
        let list: Vec<_> = rows
            .iter()
            .map(|(n, o)| serde_json::json!({"name": n, "origin": o}))
            .collect();
        return ctx.print_json(&serde_json::json!({"templates": list, "unused": strays}));
    }
    let width = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, origin) in &rows {
        println!("{}  {origin}", crate::text::pad(name, width));
    }
    for stray in &strays {
        eprintln!(
            "warning: templates/{} is not the name of a built-in template, so mim never uses it",
            crate::text::for_terminal(stray)
        );
    }
    Ok(())
}

/// Files in `templates/` that override nothing (a misspelt name, say). `pir-report.html`
/// is used when present, though it has no built-in version.
fn stray_overrides(ctx: &Ctx, names: &[&str]) -> Vec<String> {
    let Ok(entries) = crate::safe_fs::list_dir(&ctx.repo.root, &ctx.repo.templates_dir()) else {
        return Vec::new();
    };
    entries
        .into_iter()
        .filter(|(_, kind)| *kind == crate::safe_fs::Kind::File)
        .map(|(name, _)| name)
        .filter(|n| !n.starts_with('.') && n != "README.md" && !names.contains(&n.as_str()))
        .collect()
}

fn show(ctx: &Ctx, name: &str) -> anyhow::Result<()> {
    let templates = Templates::for_repo(&ctx.repo);
    match templates.source(name)? {
        Some((source, origin)) => {
            eprintln!("# {name}: {}", describe(ctx, &origin));
            // An override is the repository's text: a terminal shows it, never obeys it.
            print!("{}", crate::text::for_terminal(&source));
            Ok(())
        }
        None => Err(crate::error::Error::usage(unknown(name, &templates.names())).into()),
    }
}

fn describe(ctx: &Ctx, origin: &Origin) -> String {
    match origin {
        Origin::Override(path) => format!("override {}", ctx.repo.relative(path).display()),
        Origin::BuiltIn => "built-in".to_string(),
    }
}

fn unknown(name: &str, names: &[&str]) -> String {
    format!(
        "no built-in template `{}`; the templates are: {}",
        name.escape_debug(),
        names.join(", ")
    )
}

fn export(ctx: &Ctx, name: Option<&str>, force: bool) -> anyhow::Result<()> {
    let builtin = Templates::new(None);
    let names: Vec<&str> = match name {
        // A built-in template's, as the command line checks.
        Some(n) => vec![n],
        None => builtin.names(),
    };
    let dir = ctx.repo.templates_dir();
    let mut change = Change::new();
    let mut written = Vec::new();
    for n in names {
        let path = dir.join(n);
        if crate::safe_fs::exists(&ctx.repo.root, &path) && !force {
            if name.is_some() {
                bail!(
                    "{} exists already: edit it, or pass --force to replace it with the built-in one",
                    ctx.repo.relative(&path).display()
                );
            }
            eprintln!(
                "kept {} (exists; --force replaces it)",
                ctx.repo.relative(&path).display()
            );
            continue;
        }
        if let Some((source, _)) = builtin.source(n)? {
            change.put(&path, source);
            written.push(n.to_string());
        }
    }
    if written.is_empty() {
        return Ok(());
    }
    let commit = ctx.commit(git::Message {
        subject: format!("templates: export {}", written.join(", ")),
        trailers: vec![
            ("Event", "templates-export".into()),
            ("Actor", ctx.actor()?),
        ],
        author: None,
    });
    ctx.apply(&change, &commit)?;
    for n in &written {
        println!("templates/{n}");
    }
    Ok(())
}
