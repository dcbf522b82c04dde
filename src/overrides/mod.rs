//! The repository's template overrides, tried before an incident needs them: every file
//! in `templates/` must be a template mim renders (or one that such a template
//! includes), must parse, must use only variables its context has, and must render
//! against the [`sample`] incident. `mim validate` and `mim check` report
//! what fails, with the file and line, so a broken override fails in CI and not in
//! `mim update` at 3 a.m. An e-mail variable that was renamed gets the replacement to
//! write ([`compat`](crate::render::compat)).

pub mod sample;

use std::collections::BTreeSet;
use std::path::Path;

use minijinja::Error;

use crate::diag::Diagnostic;
use crate::pir::report;
use crate::render::compat;
use crate::render::{self, Templates};
use crate::repo::{Repo, TEMPLATES_DIR};

/// The file in `templates/` that explains overrides; not a template.
const README: &str = "README.md";

/// Every template mim renders: the built-in ones and the optional HTML reports (the PIR
/// report and the client's incident report).
pub fn known_names() -> Vec<&'static str> {
    let mut names = Templates::new(None).names();
    names.push(report::TEMPLATE_HTML);
    names.push(crate::pir::rfo::TEMPLATE_HTML);
    names
}

/// Problems with the repository's template overrides (`templates/`), each rendered on
/// the budget `mim.yaml` sets.
pub fn overrides(repo: &Repo) -> Vec<Diagnostic> {
    problems_with(
        &Templates::for_repo(repo),
        &repo.templates_dir(),
        Path::new(TEMPLATES_DIR),
    )
}

/// Problems with the override files in `dir`, each named `shown/NAME`, on the default
/// budget. No directory, no problems.
#[cfg(test)]
pub fn problems(dir: &Path, shown: &Path) -> Vec<Diagnostic> {
    problems_with(&Templates::new(Some(dir.to_path_buf())), dir, shown)
}

/// [`problems`] with `templates` (whose overrides are `dir`). The directory is listed
/// and each file read as every repository file is: never through a symbolic link (those
/// are reported by `validate`), never more than a file's limit.
fn problems_with(templates: &Templates, dir: &Path, shown: &Path) -> Vec<Diagnostic> {
    let Ok(entries) = crate::safe_fs::list_dir(dir, dir) else {
        return Vec::new();
    };
    let files: Vec<String> = entries
        .into_iter()
        .filter(|(_, kind)| *kind == crate::safe_fs::Kind::File)
        .map(|(name, _)| name)
        .filter(|n| !n.starts_with('.') && n != README)
        .collect();
    let known = known_names();
    let mut out = Vec::new();
    // A regulatory draft's template may take any `notify-<name>.md` (a stage's `template`).
    let known_name =
        |n: &str| known.contains(&n) || crate::config::regulation::is_draft_template(n);
    for name in files.iter().filter(|n| known_name(n)) {
        out.extend(check_one(templates, dir, shown, name));
    }
    // Files the known templates include (partials) are used; any other file is not.
    let loaded = templates.loaded();
    for name in files
        .iter()
        .filter(|n| !known_name(n) && !loaded.contains(*n))
    {
        out.push(Diagnostic::new(
            &shown.join(name),
            format!(
                "mim renders no template of this name, so it is never used (a misspelt name?); the templates are {}",
                known.join(", ")
            ),
        ));
    }
    out
}

fn check_one(templates: &Templates, dir: &Path, shown: &Path, name: &str) -> Vec<Diagnostic> {
    let file = shown.join(name);
    let source = match crate::safe_fs::read_to_string(dir, &dir.join(name)) {
        Ok(source) => source,
        Err(err) => return vec![Diagnostic::new(&file, format!("cannot read it: {err}"))],
    };
    let variables = match templates.variables(name) {
        Ok(variables) => variables,
        Err(err) => return vec![from_error(shown, name, &err, "", &source)],
    };
    let Some(contexts) = sample::contexts(name) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // What was reported already, as written (`incident.nope`, `e.when`).
    let mut reported = BTreeSet::new();
    let at = |offset: Option<usize>, message: String| match offset {
        Some(offset) => {
            let (line, column) = position(&source, offset);
            Diagnostic::new(&file, message)
                .at(line, column)
                .with_source(&source)
        }
        None => Diagnostic::new(&file, message),
    };
    for var in &variables {
        if defined(&contexts[0], var) || guarded(&source, var) {
            continue;
        }
        let message = match compat::renamed(name, var) {
            Some(change) => change.renamed_message(var),
            None => format!(
                "`{var}` is undefined: {name} has no such variable (docs/templates.md lists them)"
            ),
        };
        out.push(at(occurrences(&source, var).next(), message));
        reported.insert(var.clone());
    }
    out.sort_by_key(|d| (d.line, d.column));
    for (i, context) in contexts.iter().enumerate() {
        match templates.render_raw(name, context) {
            Ok(_) => {}
            Err(err) => {
                let expr = render::offending(&err).map(|e| e.trim().to_string());
                if expr.as_ref().is_some_and(|e| reported.contains(e)) {
                    continue;
                }
                let with = if i == 0 {
                    " (rendering the sample incident)"
                } else {
                    " (rendering the sample incident with every optional value none)"
                };
                let d = from_error(shown, name, &err, with, &source);
                if !out.contains(&d) {
                    out.push(d);
                }
                reported.extend(expr);
            }
        }
    }
    out
}

/// A diagnostic from a minijinja error, at its line and column in the template it
/// happened in (an included one, maybe). `source` is `name`'s text, for an error that
/// gives its line without the template's text (minijinja outside debug mode).
fn from_error(shown: &Path, name: &str, err: &Error, context: &str, source: &str) -> Diagnostic {
    // An error in an included template comes wrapped: report the one inside.
    let mut err = err;
    while let Some(inner) = std::error::Error::source(err).and_then(|e| e.downcast_ref::<Error>()) {
        err = inner;
    }
    let origin = err.name().unwrap_or(name);
    let message = match render::renamed(name, err) {
        Some(change) => change.renamed_message(render::offending(err).unwrap_or_default()),
        None if err.kind() == minijinja::ErrorKind::UndefinedError => format!(
            "{}{context}; docs/templates.md lists the variables",
            render::problem(err)
        ),
        None => format!("{}{context}", render::problem(err)),
    };
    let d = Diagnostic::new(&shown.join(origin), message);
    let source = match err.template_source() {
        Some(source) => source,
        None if origin == name => source,
        None => return d,
    };
    let Some(line) = err.line() else {
        return d;
    };
    let column = err
        .range()
        .map(|r| position(source, r.start).1)
        .unwrap_or(0);
    d.at(line, column).with_source(source)
}

/// Whether `path` (`incident.title`) names something in `context`. Past a value that is
/// not a map (a list, a string, none) rendering is the judge.
fn defined(context: &serde_json::Value, path: &str) -> bool {
    let mut value = context;
    for key in path.split('.') {
        let serde_json::Value::Object(map) = value else {
            return true;
        };
        match map.get(key) {
            Some(v) => value = v,
            None => return false,
        }
    }
    true
}

/// Whether the template tests `var` before using it (`is defined`, `| default`).
fn guarded(source: &str, var: &str) -> bool {
    occurrences(source, var).any(|at| {
        let rest = source[at + var.len()..].trim_start();
        if let Some(filter) = rest.strip_prefix('|') {
            return filter.trim_start().starts_with("default");
        }
        let Some(test) = rest.strip_prefix("is ") else {
            return false;
        };
        let test = test.trim_start();
        let test = test.strip_prefix("not ").map_or(test, str::trim_start);
        test.starts_with("defined") || test.starts_with("undefined")
    })
}

/// Byte offsets where `var` is written as a whole name (not part of a longer one).
fn occurrences<'a>(source: &'a str, var: &'a str) -> impl Iterator<Item = usize> + 'a {
    source
        .match_indices(var)
        .map(|(at, _)| at)
        .filter(move |&at| {
            let before = source[..at].chars().next_back();
            let after = source[at + var.len()..].chars().next();
            !before.is_some_and(|c| is_name_char(c) || c == '.') && !after.is_some_and(is_name_char)
        })
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The 1-based line and column (in characters) of byte `offset` in `source`.
fn position(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .chars()
        .count()
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests;
