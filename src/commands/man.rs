//! `mim man [-o DIR]`: the man pages (the front door of [`crate::manual`]).

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::cli::Global;
use crate::manual;

/// `mim man` prints mim.1; `mim man -o DIR` writes it and one page per subcommand.
pub fn run(global: &Global, output: Option<&Path>) -> anyhow::Result<()> {
    let Some(dir) = output else {
        std::io::stdout().write_all(&manual::main_page()?)?;
        return Ok(());
    };
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let dir = global
        .dir
        .as_ref()
        .map_or(cwd.clone(), |d| cwd.join(d))
        .join(dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let written = manual::write(&dir)?;
    if global.json {
        let files: Vec<String> = written
            .iter()
            .map(|p: &std::path::PathBuf| p.display().to_string())
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "files": files }))?
        );
    } else {
        eprintln!("wrote {} man pages to {}", written.len(), dir.display());
    }
    Ok(())
}
