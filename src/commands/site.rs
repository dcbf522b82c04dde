//! `mim site -o DIR`: static status pages — `DIR/<client>/index.html` and
//! `DIR/<client>/feed.xml` per client, and the overview `DIR/index.html`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::json;

use crate::cli::SiteArgs;
use crate::comms::update_file::{UpdateFront, parse_front, split_front_matter};
use crate::context::Ctx;
use crate::diag::Diagnostics;
use crate::model::Incident;
use crate::site::{self, ClientUpdate, Input, Options};
use crate::state::State;
use crate::store;

pub fn run(ctx: &Ctx, args: &SiteArgs) -> anyhow::Result<()> {
    let config = &ctx.repo.config;
    let mut loaded: Vec<(Incident, State)> = Vec::new();
    let mut broken = Vec::new();
    for result in store::load_all(&ctx.repo)? {
        match result {
            Ok(incident) => {
                let state = ctx.state_now(&incident);
                loaded.push((incident, state));
            }
            Err(Diagnostics(d)) => broken.extend(d),
        }
    }
    let mut inputs = Vec::new();
    for (incident, state) in &loaded {
        inputs.push(Input {
            incident,
            state,
            client_updates: client_updates(incident, state)?,
        });
    }
    let options = Options {
        days: args.days,
        client: args.client.clone(),
    };
    let brand = crate::render::brand::Brand::load(config, &ctx.repo.root)?;
    let built = site::build(config, brand, &inputs, &options, ctx.now);
    let out = ctx.cwd.join(&args.output);
    let mut written: Vec<PathBuf> = Vec::new();
    write(
        &out.join("index.html"),
        &site::html::overview(&built)?,
        &mut written,
    )?;
    for page in &built.clients {
        let dir = out.join(&page.key);
        write(
            &dir.join("index.html"),
            &site::html::client(&built, page)?,
            &mut written,
        )?;
        for i in page.incidents() {
            write(
                &dir.join(&i.page),
                &site::html::incident(&built, page, i)?,
                &mut written,
            )?;
        }
        let feed = site::atom::feed(&built, page, args.url.as_deref());
        write(&dir.join("feed.xml"), &feed, &mut written)?;
    }
    if ctx.json {
        let files: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
        ctx.print_json(&json!({"output": out.display().to_string(), "files": files}))?;
    } else {
        eprintln!(
            "wrote {} to {}: the overview and {} with their feeds",
            crate::text::plural(written.len(), "file"),
            crate::text::shown_path(&out),
            crate::text::plural(built.clients.len(), "client page")
        );
    }
    crate::error::Error::check_complete(
        broken,
        "some incidents could not be read and are not on the pages",
    )
}

/// The incident's updates to the `client` audience, in time order, from `updates/*.md`.
fn client_updates(incident: &Incident, state: &State) -> anyhow::Result<Vec<ClientUpdate>> {
    let mut out = Vec::new();
    for mark in state.updates.iter().filter(|u| u.audience == "client") {
        let path = incident.dir.join(&mark.file);
        if !mark.file.starts_with("updates/") || mark.file.contains("..") {
            bail!(
                "{}: update {} names `{}`, which is not a file under updates/ (see `mim validate`)",
                incident.id,
                mark.number,
                mark.file
            );
        }
        // Never through a symbolic link, never more than a file's limit: the page is
        // published.
        let text = crate::safe_fs::read_to_string(&incident.dir, &path)
            .with_context(|| format!("reading {}", path.display()))?;
        let (front, body) = split_front_matter(&text)
            .with_context(|| format!("{}: no front matter (see `mim validate`)", path.display()))?;
        let front: UpdateFront = parse_front(front).with_context(|| {
            format!("{}: bad front matter (see `mim validate`)", path.display())
        })?;
        out.push(ClientUpdate {
            entry: mark.entry,
            at: mark.at,
            number: front.number,
            status_line: front.status_line,
            eta: front.eta,
            body: body.trim().to_string(),
        });
    }
    Ok(out)
}

fn write(path: &Path, text: &str, written: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    store::write_atomic(path, text.as_bytes())?;
    written.push(path.to_path_buf());
    Ok(())
}
