//! Templates: the embedded defaults, the repository's overrides and our filters, plus
//! Markdown to HTML and e-mail assembly.

pub mod brand;
pub mod compat;
pub mod email;
mod filters;
pub mod markdown;
pub mod plain;
pub mod view;

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Serde, Value};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior};
use serde::Serialize;

/// The built-in templates, embedded in the binary: `(file name, source)`.
///
/// One line per template: `("internal-update.md", include_str!("../../templates/internal-update.md"))`.
static DEFAULTS: &[(&str, &str)] = &[
    (
        "update-internal.md",
        include_str!("../../templates/update-internal.md"),
    ),
    (
        "update-management.md",
        include_str!("../../templates/update-management.md"),
    ),
    (
        "update-client.md",
        include_str!("../../templates/update-client.md"),
    ),
    (
        "update-client-management.md",
        include_str!("../../templates/update-client-management.md"),
    ),
    (
        "restoral-internal.md",
        include_str!("../../templates/restoral-internal.md"),
    ),
    (
        "restoral-management.md",
        include_str!("../../templates/restoral-management.md"),
    ),
    (
        "restoral-client.md",
        include_str!("../../templates/restoral-client.md"),
    ),
    (
        "restoral-client-management.md",
        include_str!("../../templates/restoral-client-management.md"),
    ),
    (
        "restoral-end-users.md",
        include_str!("../../templates/restoral-end-users.md"),
    ),
    // The post incident review report (`mim pir report`).
    (
        "pir-report.md",
        include_str!("../../templates/pir-report.md"),
    ),
    // The client's incident report (`mim pir report ID --client C`).
    ("rfo.md", include_str!("../../templates/rfo.md")),
    // The drafts of regulatory reports (`mim notify --draft`), one per standard form.
    (
        "notify-nis2-early-warning.md",
        include_str!("../../templates/notify-nis2-early-warning.md"),
    ),
    (
        "notify-nis2-notification.md",
        include_str!("../../templates/notify-nis2-notification.md"),
    ),
    (
        "notify-nis2-final-report.md",
        include_str!("../../templates/notify-nis2-final-report.md"),
    ),
    (
        "notify-dora-initial.md",
        include_str!("../../templates/notify-dora-initial.md"),
    ),
    (
        "notify-dora-intermediate.md",
        include_str!("../../templates/notify-dora-intermediate.md"),
    ),
    (
        "notify-dora-final.md",
        include_str!("../../templates/notify-dora-final.md"),
    ),
    (
        "notify-generic.md",
        include_str!("../../templates/notify-generic.md"),
    ),
];

/// Where a template's source comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file in the repository's `templates/` directory, which wins over the built-in one.
    Override(PathBuf),
    /// The default embedded in the binary.
    BuiltIn,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Override(path) => write!(f, "repository override {}", path.display()),
            Origin::BuiltIn => f.write_str("built-in"),
        }
    }
}

pub use crate::limits::Budget;

/// The template engine: one loader (repository `templates/` first, then the built-in
/// defaults), strict about undefined values, HTML escaping only for `.html` templates,
/// every render on a [`Budget`].
///
/// Whitespace follows `trim_blocks` and `lstrip_blocks`, so `{% if %}` lines leave no
/// blank lines behind, and a template's final newline is kept.
pub struct Templates {
    env: Environment<'static>,
    overrides: Option<PathBuf>,
    defaults: &'static [(&'static str, &'static str)],
    max_output: u64,
    /// The organisation's look, for the documents made around rendered text.
    pub brand: brand::Brand,
}

/// The names of the built-in templates, in table order.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    DEFAULTS.iter().map(|(name, _)| *name)
}

impl Templates {
    /// The built-in templates, overridden by files in `overrides` (the repository's
    /// `templates/` directory) when given, on the default [`Budget`].
    pub fn new(overrides: Option<PathBuf>) -> Self {
        Self::with_defaults(overrides, DEFAULTS)
    }

    /// The templates of `repo`: its overrides, on the budget its `mim.yaml` sets
    /// (`templates.fuel`, `templates.max_output`).
    pub fn for_repo(repo: &crate::repo::Repo) -> Self {
        let mut templates =
            Self::new(Some(repo.templates_dir())).with_budget(repo.config.templates.budget());
        // A logo that cannot be read is a `validate` problem; the documents go without it.
        templates.brand = brand::Brand::load(&repo.config, &repo.root)
            .unwrap_or_else(|_| brand::Brand::plain(&repo.config));
        templates
    }

    /// The same templates on another budget.
    pub fn with_budget(mut self, budget: Budget) -> Self {
        self.env.set_fuel(Some(budget.fuel));
        self.max_output = budget.max_output;
        self
    }

    /// Like [`Templates::new`] with another table of built-in templates (for tests).
    pub fn with_defaults(
        overrides: Option<PathBuf>,
        defaults: &'static [(&'static str, &'static str)],
    ) -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(auto_escape);
        if let Ok(syntax) = SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
        {
            env.set_syntax(syntax);
        }
        filters::register(&mut env);
        let dir = overrides.clone();
        env.set_loader(move |name| load(dir.as_deref(), defaults, name));
        Templates {
            env,
            overrides,
            defaults,
            max_output: 0,
            brand: brand::Brand::default(),
        }
        .with_budget(Budget::default())
    }

    /// Renders template `name` with `ctx`; errors name the template, its origin, the
    /// line and the problem.
    pub fn render(&self, name: &str, ctx: impl Serialize) -> anyhow::Result<String> {
        self.render_raw(name, ctx)
            .map_err(|err| anyhow!(self.describe(name, &err)))
    }

    /// Like [`Templates::render`], with minijinja's own error (its line and range), for
    /// diagnostics. The render stops as soon as it has used up its fuel or written more
    /// than its output bound.
    pub fn render_raw(&self, name: &str, ctx: impl Serialize) -> Result<String, Error> {
        let ctx = Value::from(Serde(ctx));
        let template = self.env.get_template(name)?;
        let mut out = Capped {
            bytes: Vec::new(),
            max: self.max_output,
            over: false,
        };
        let rendered = template.render_captured_to(ctx, &mut out);
        if out.over {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "the output is larger than {}, the most one render may write \
                     (templates.max_output in mim.yaml, docs/templates.md): the template writes too much",
                    crate::limits::Size(self.max_output)
                ),
            )
            .with_source(OutputTooLarge));
        }
        rendered?;
        String::from_utf8(out.bytes).map_err(|_| {
            Error::new(
                ErrorKind::InvalidOperation,
                "the template wrote text that is not UTF-8",
            )
        })
    }

    /// Parses template `name` and returns the variables it reads from its context, with
    /// attribute paths (`incident.title`) and without the engine's globals (`range`).
    /// Found by reading the source, whichever branch would be taken; includes are not
    /// followed.
    pub fn variables(&self, name: &str) -> Result<BTreeSet<String>, Error> {
        let template = self.env.get_template(name)?;
        let globals: HashSet<&str> = self.env.globals().map(|(n, _)| n).collect();
        Ok(template
            .undeclared_variables(true)
            .into_iter()
            .filter(|v| !globals.contains(v.split('.').next().unwrap_or_default()))
            .collect())
    }

    /// The templates loaded so far: rendered, included, imported or extended.
    pub fn loaded(&self) -> BTreeSet<String> {
        self.env
            .templates()
            .map(|(name, _)| name.to_string())
            .collect()
    }

    /// The names of all built-in templates, in table order.
    pub fn names(&self) -> Vec<&'static str> {
        self.defaults.iter().map(|(name, _)| *name).collect()
    }

    /// The source that `render` would use for `name`, and where it comes from;
    /// `None` when there is no such template.
    pub fn source(&self, name: &str) -> anyhow::Result<Option<(String, Origin)>> {
        lookup(self.overrides.as_deref(), self.defaults, name).map_err(|err| anyhow!(err))
    }

    fn origin(&self, name: &str) -> Origin {
        match &self.overrides {
            Some(dir)
                if check_name(name).is_ok() && crate::safe_fs::is_file(dir, &dir.join(name)) =>
            {
                Origin::Override(dir.join(name))
            }
            _ => Origin::BuiltIn,
        }
    }

    fn describe(&self, requested: &str, err: &Error) -> String {
        let name = err.name().unwrap_or(requested);
        let mut msg = format!("template `{name}`");
        if err.kind() != ErrorKind::TemplateNotFound {
            msg.push_str(&format!(" ({})", self.origin(name)));
        }
        if let Some(line) = err.line() {
            msg.push_str(&format!(", line {line}"));
        }
        msg.push_str(&format!(": {}", problem(err)));
        if let Some(change) = renamed(name, err) {
            msg.push_str(&format!(
                "; {}",
                change.renamed_message(offending(err).unwrap_or_default())
            ));
        }
        msg
    }
}

/// Where a render's output goes: at most `max` bytes, then every write fails, so a
/// template that would write gigabytes stops at the bound.
struct Capped {
    bytes: Vec<u8>,
    max: u64,
    over: bool,
}

impl io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.over || (self.bytes.len() + buf.len()) as u64 > self.max {
            self.over = true;
            return Err(io::Error::other(OutputTooLarge));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A render wrote more than its output bound.
#[derive(Debug)]
struct OutputTooLarge;

impl fmt::Display for OutputTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the render's output bound was reached")
    }
}

impl std::error::Error for OutputTooLarge {}

/// The error without minijinja's own `(in name:line)` suffix, plus the offending
/// expression when the error points at one, and what to do when the template ran out
/// of its budget.
pub fn problem(err: &Error) -> String {
    let mut text = match err.detail() {
        Some(detail) => format!("{}: {detail}", err.kind()),
        None if err.kind() == ErrorKind::OutOfFuel => format!(
            "{}: the template does more work than one render may (templates.fuel in mim.yaml, \
             docs/templates.md); simplify it",
            err.kind()
        ),
        None => err.kind().to_string(),
    };
    if let Some(snippet) = offending(err).filter(|s| !s.contains('\n') && !text.contains(*s)) {
        text.push_str(&format!(" at `{snippet}`"));
    }
    text
}

/// The source text the error points at (`incident.titel`), when it points at some.
pub fn offending(err: &Error) -> Option<&str> {
    err.template_source()
        .zip(err.range())
        .and_then(|(source, range)| source.get(range))
}

/// The old variable an undefined-value error is about, when it is one that was renamed
/// (see [`compat`]).
pub fn renamed(template: &str, err: &Error) -> Option<&'static compat::Change> {
    if err.kind() != ErrorKind::UndefinedError {
        return None;
    }
    compat::renamed(err.name().unwrap_or(template), offending(err)?)
}

fn auto_escape(name: &str) -> AutoEscape {
    if name.ends_with(".html") {
        AutoEscape::Html
    } else {
        AutoEscape::None
    }
}

fn load(
    dir: Option<&Path>,
    defaults: &[(&str, &str)],
    name: &str,
) -> Result<Option<String>, Error> {
    lookup(dir, defaults, name)
        .map(|found| found.map(|(source, _)| source))
        .map_err(|err| Error::new(ErrorKind::InvalidOperation, err))
}

/// The override file `dir/name` if there is one, else the built-in default.
fn lookup(
    dir: Option<&Path>,
    defaults: &[(&str, &str)],
    name: &str,
) -> Result<Option<(String, Origin)>, String> {
    check_name(name)?;
    if let Some(dir) = dir {
        if crate::safe_fs::kind(dir, dir).is_ok_and(|k| k == crate::safe_fs::Kind::Symlink) {
            return Err(format!(
                "{} is a symbolic link: mim never follows symbolic links in a repository",
                dir.display()
            ));
        }
        let path = dir.join(name);
        // Never through a symbolic link: an override is the repository's own file.
        match crate::safe_fs::read_to_string(dir, &path) {
            Ok(source) => return Ok(Some((source, Origin::Override(path)))),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(format!("reading {}: {err}", path.display())),
        }
    }
    let builtin = defaults.iter().find(|(n, _)| *n == name);
    Ok(builtin.map(|(_, source)| (source.to_string(), Origin::BuiltIn)))
}

/// Template names are plain file names: no directories, no `..`, no hidden files.
fn check_name(name: &str) -> Result<(), String> {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', ':'])
        && !name.chars().any(char::is_control);
    if plain {
        Ok(())
    } else {
        Err(format!(
            "invalid template name `{}`: expected a plain file name like `internal-update.md`",
            name.escape_debug()
        ))
    }
}

#[cfg(test)]
mod tests;
