//! `mim schema [FILE] [-o DIR]`: the JSON Schemas of the files people edit, for editors.

use std::path::PathBuf;

use anyhow::Context;
use serde_json::json;

use crate::cli::{Global, SchemaArgs};
use crate::schema;
use crate::store;

pub fn run(global: &Global, args: &SchemaArgs) -> anyhow::Result<()> {
    let Some(dir) = &args.output else {
        let name = args.name.expect("clap requires FILE without -o").as_str();
        print!(
            "{}",
            schema::text(name).expect("every SchemaName has a schema")
        );
        return Ok(());
    };
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let base = global.dir.as_ref().map_or(cwd.clone(), |d| cwd.join(d));
    let dir = base.join(dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written: Vec<PathBuf> = Vec::new();
    for (name, file, _) in schema::FILES {
        if args.name.is_some_and(|n| n.as_str() != *name) {
            continue;
        }
        let path = dir.join(file);
        store::write_atomic(&path, schema::text(name).expect("listed").as_bytes())?;
        written.push(path);
    }
    if global.json {
        let files: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "files": files }))?
        );
    } else {
        for path in &written {
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(())
}
