//! Amending `plan.md` as text, line by line, so that whatever a person wrote by hand
//! (comments, extra workstreams, sections of the body, odd formatting) survives: a new
//! workstream is a line inserted after the last one, a changed bridge replaces the
//! `bridge:` line, the approach replaces its own section of the body and nothing else.
//! Where the text is not laid out as mim expects (a flow list, say), only that one key is
//! rewritten. The result is parsed again by the caller before anything is written.

use anyhow::bail;

use super::{Audience, Plan, Stakeholder, Workstream, WorkstreamStatus};
use crate::units::Duration;

/// One change a `mim plan` run asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Amendment {
    Approach(String),
    /// Add a workstream, or give an existing one a new owner or vendor.
    Workstream {
        name: String,
        owner: String,
        vendor: Option<String>,
    },
    WorkstreamDone(String),
    WorkstreamBlocked {
        name: String,
        reason: String,
    },
    /// Back to open: unblocked, or reopened after done.
    WorkstreamOpen(String),
    Bridge(String),
    Cadence(Audience, Duration),
    Stakeholder(Stakeholder),
}

/// The keys of the front matter in the order mim writes them.
const ORDER: [&str; 4] = ["bridge", "cadence", "workstreams", "stakeholders"];

const HEADING: &str = "## Restoration approach";

/// A new, empty plan for incident `id`.
pub fn new_file(id: &str) -> String {
    format!(
        "---\n\
         # Response plan for {id}, kept by `mim plan` and by hand: mim amends it line by line,\n\
         # so comments, workstreams and sections you add here stay as you wrote them.\n\
         ---\n"
    )
}

/// Apply `amendments` to the plan file `text` whose parsed form is `before`. Returns the
/// new text, the plan it should parse to, and one description per amendment that
/// changed something (empty when the plan already said all of it).
pub fn amend(
    text: &str,
    before: &Plan,
    amendments: &[Amendment],
) -> anyhow::Result<(String, Plan, Vec<String>)> {
    let mut doc = Doc::new(text);
    doc.ensure_front();
    let mut plan = before.clone();
    let mut changes = Vec::new();
    for a in amendments {
        let previous = plan.clone();
        let Some(change) = apply(&mut plan, a)? else {
            continue;
        };
        changes.push(change);
        match a {
            Amendment::Approach(text) => doc.set_approach(text),
            Amendment::Bridge(b) => doc.set_key("bridge", vec![format!("bridge: {}", quote(b))]),
            Amendment::Cadence(audience, d) => {
                let child = match audience {
                    Audience::Client => "client",
                    _ => "internal",
                };
                doc.set_child("cadence", child, &d.to_string(), cadence_lines(&plan));
            }
            Amendment::Stakeholder(s) => {
                let line = stakeholder_line(s);
                match previous.stakeholders.iter().position(|o| same_person(o, s)) {
                    Some(i) => doc.replace_item(
                        "stakeholders",
                        i,
                        previous.stakeholders.len(),
                        &line,
                        stakeholder_lines(&plan),
                    ),
                    None => doc.push_item("stakeholders", &line, stakeholder_lines(&plan)),
                }
            }
            Amendment::Workstream { name, .. } => {
                let i = index(&plan, name);
                let line = workstream_line(&plan.workstreams[i]);
                if i < previous.workstreams.len() {
                    doc.replace_item(
                        "workstreams",
                        i,
                        previous.workstreams.len(),
                        &line,
                        workstream_lines(&plan),
                    );
                } else {
                    doc.push_item("workstreams", &line, workstream_lines(&plan));
                }
            }
            Amendment::WorkstreamDone(name)
            | Amendment::WorkstreamBlocked { name, .. }
            | Amendment::WorkstreamOpen(name) => {
                let i = index(&plan, name);
                let line = workstream_line(&plan.workstreams[i]);
                doc.replace_item(
                    "workstreams",
                    i,
                    previous.workstreams.len(),
                    &line,
                    workstream_lines(&plan),
                );
            }
        }
    }
    Ok((doc.text(), plan, changes))
}

/// Apply `amendments` to the model alone: the plan after them, and one description per
/// amendment that changed something.
pub fn apply_all(before: &Plan, amendments: &[Amendment]) -> anyhow::Result<(Plan, Vec<String>)> {
    let mut plan = before.clone();
    let mut changes = Vec::new();
    for a in amendments {
        if let Some(change) = apply(&mut plan, a)? {
            changes.push(change);
        }
    }
    Ok((plan, changes))
}

/// Write the front matter of `text` again so that it says what `recorded` says (bridge,
/// cadence, workstreams, stakeholders): each key whose value differs from `file` (the
/// plan `text` parses to, `None` when it does not) is replaced by mim's rendering of it,
/// or removed when `recorded` has none; the other keys, comments and the body stay as
/// they are. Returns the new text and the keys written again.
pub fn rebuild(text: &str, file: Option<&Plan>, recorded: &Plan) -> (String, Vec<&'static str>) {
    let mut doc = Doc::new(text);
    doc.ensure_front();
    let mut keys = Vec::new();
    let differs = |key: &str| -> bool {
        let Some(file) = file else { return true };
        match key {
            "bridge" => file.bridge != recorded.bridge,
            "cadence" => file.cadence != recorded.cadence,
            "workstreams" => {
                let mut a: Vec<&Workstream> = file.workstreams.iter().collect();
                let mut b: Vec<&Workstream> = recorded.workstreams.iter().collect();
                a.sort_by(|x, y| x.name.cmp(&y.name));
                b.sort_by(|x, y| x.name.cmp(&y.name));
                a != b
            }
            _ => {
                file.stakeholders.len() != recorded.stakeholders.len()
                    || !recorded.stakeholders.iter().all(|s| {
                        file.stakeholders
                            .iter()
                            .any(|o| same_person(o, s) && o.kind == s.kind)
                    })
            }
        }
    };
    for key in ORDER {
        if !differs(key) {
            continue;
        }
        let lines = match key {
            "bridge" => recorded
                .bridge
                .as_ref()
                .map(|b| vec![format!("bridge: {}", quote(b))]),
            "cadence" => (recorded.cadence != Default::default()).then(|| cadence_lines(recorded)),
            "workstreams" => (!recorded.workstreams.is_empty()).then(|| workstream_lines(recorded)),
            _ => (!recorded.stakeholders.is_empty()).then(|| stakeholder_lines(recorded)),
        };
        match lines {
            Some(lines) => doc.set_key(key, lines),
            None => doc.remove_key(key),
        }
        keys.push(key);
    }
    (doc.text(), keys)
}

/// The two sides of a file with git's conflict markers, (ours, theirs), each with the
/// lines both sides share; `None` when it has no complete conflict.
pub fn conflict_sides(text: &str) -> Option<(String, String)> {
    #[derive(PartialEq)]
    enum Part {
        Both,
        Ours,
        Base,
        Theirs,
    }
    let mut part = Part::Both;
    let (mut ours, mut theirs) = (String::new(), String::new());
    let mut conflicts = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare.starts_with("<<<<<<<") && part == Part::Both {
            part = Part::Ours;
            conflicts += 1;
        } else if bare.starts_with("|||||||") && part == Part::Ours {
            part = Part::Base;
        } else if bare == "=======" && matches!(part, Part::Ours | Part::Base) {
            part = Part::Theirs;
        } else if bare.starts_with(">>>>>>>") && part == Part::Theirs {
            part = Part::Both;
        } else {
            match part {
                Part::Both => {
                    ours.push_str(line);
                    theirs.push_str(line);
                }
                Part::Ours => ours.push_str(line),
                Part::Theirs => theirs.push_str(line),
                Part::Base => {}
            }
        }
    }
    (conflicts > 0 && part == Part::Both).then_some((ours, theirs))
}

fn index(plan: &Plan, name: &str) -> usize {
    plan.workstreams
        .iter()
        .position(|w| w.name == name)
        .expect("the amendment was applied to the plan first")
}

/// Apply one amendment to the model; `None` when it changes nothing.
fn apply(plan: &mut Plan, a: &Amendment) -> anyhow::Result<Option<String>> {
    Ok(match a {
        Amendment::Approach(text) => set_approach(plan, text),
        Amendment::Bridge(b) => set_bridge(plan, b),
        Amendment::Cadence(audience, d) => set_cadence(plan, audience, *d),
        Amendment::Stakeholder(s) => set_stakeholder(plan, s),
        Amendment::Workstream {
            name,
            owner,
            vendor,
        } => set_workstream(plan, name, owner, vendor),
        Amendment::WorkstreamDone(name) => workstream_done(plan, name)?,
        Amendment::WorkstreamBlocked { name, reason } => workstream_blocked(plan, name, reason)?,
        Amendment::WorkstreamOpen(name) => workstream_open(plan, name)?,
    })
}

/// Set or change the restoration approach.
fn set_approach(plan: &mut Plan, text: &str) -> Option<String> {
    let verb = set_or_change(&mut plan.approach, text)?;
    Some(format!("approach {verb}: {}", crate::text::clip(text, 160)))
}

/// Set or change the bridge.
fn set_bridge(plan: &mut Plan, b: &str) -> Option<String> {
    let verb = set_or_change(&mut plan.bridge, b)?;
    Some(format!("bridge {verb} to {b}"))
}

/// Put `value` in `slot`: `set` when it was empty, `changed` when it held another
/// value; `None` (nothing done) when it holds `value` already.
fn set_or_change(slot: &mut Option<String>, value: &str) -> Option<&'static str> {
    if slot.as_deref() == Some(value) {
        return None;
    }
    let verb = if slot.is_some() { "changed" } else { "set" };
    *slot = Some(value.to_string());
    Some(verb)
}

/// Set the cadence of the client updates, or (any other audience) of the internal ones.
fn set_cadence(plan: &mut Plan, audience: &Audience, d: Duration) -> Option<String> {
    let (slot, who) = match audience {
        Audience::Client => (&mut plan.cadence.client, "client"),
        _ => (&mut plan.cadence.internal, "internal"),
    };
    if *slot == Some(d) {
        return None;
    }
    *slot = Some(d);
    Some(format!("{who} updates every {d}"))
}

/// Add a stakeholder, or change which messages one receives.
fn set_stakeholder(plan: &mut Plan, s: &Stakeholder) -> Option<String> {
    match plan.stakeholders.iter_mut().find(|o| same_person(o, s)) {
        Some(o) if o.kind == s.kind => None,
        Some(o) => {
            *o = s.clone();
            Some(format!(
                "stakeholder {} now receives {} messages",
                s.who, s.kind
            ))
        }
        None => {
            plan.stakeholders.push(s.clone());
            Some(format!("stakeholder {} added ({} messages)", s.who, s.kind))
        }
    }
}

/// Add a workstream, or give an existing one a new owner or vendor.
fn set_workstream(
    plan: &mut Plan,
    name: &str,
    owner: &str,
    vendor: &Option<String>,
) -> Option<String> {
    let with = match vendor {
        Some(v) => format!("owner {owner}, vendor {v}"),
        None => format!("owner {owner}"),
    };
    match plan.workstreams.iter_mut().find(|w| w.name == name) {
        Some(w) if w.owner == owner && &w.vendor == vendor => None,
        Some(w) => {
            w.owner = owner.to_string();
            w.vendor = vendor.clone();
            Some(format!("workstream {name} reassigned ({with})"))
        }
        None => {
            plan.workstreams.push(Workstream {
                name: name.to_string(),
                owner: owner.to_string(),
                vendor: vendor.clone(),
                status: WorkstreamStatus::Open,
                reason: None,
            });
            Some(format!("workstream {name} added ({with})"))
        }
    }
}

/// Mark workstream `name` done.
fn workstream_done(plan: &mut Plan, name: &str) -> anyhow::Result<Option<String>> {
    let w = find(plan, name)?;
    if w.status == WorkstreamStatus::Done {
        return Ok(None);
    }
    w.status = WorkstreamStatus::Done;
    w.reason = None;
    Ok(Some(format!("workstream {name} done")))
}

/// Mark workstream `name` blocked, for `reason`.
fn workstream_blocked(plan: &mut Plan, name: &str, reason: &str) -> anyhow::Result<Option<String>> {
    let w = find(plan, name)?;
    if w.status == WorkstreamStatus::Blocked && w.reason.as_deref() == Some(reason) {
        return Ok(None);
    }
    w.status = WorkstreamStatus::Blocked;
    w.reason = Some(reason.to_string());
    Ok(Some(format!("workstream {name} blocked: {reason}")))
}

/// Open workstream `name` again: unblocked, or reopened after done.
fn workstream_open(plan: &mut Plan, name: &str) -> anyhow::Result<Option<String>> {
    let w = find(plan, name)?;
    let verb = match w.status {
        WorkstreamStatus::Open => return Ok(None),
        WorkstreamStatus::Blocked => "unblocked",
        WorkstreamStatus::Done => "reopened",
    };
    w.status = WorkstreamStatus::Open;
    w.reason = None;
    Ok(Some(format!("workstream {name} {verb}")))
}

fn find<'a>(plan: &'a mut Plan, name: &str) -> anyhow::Result<&'a mut Workstream> {
    let names: Vec<String> = plan.workstreams.iter().map(|w| w.name.clone()).collect();
    match plan.workstreams.iter_mut().find(|w| w.name == name) {
        Some(w) => Ok(w),
        None if names.is_empty() => bail!(
            "there is no workstream `{}`: the plan has none yet; add one with --workstream \"NAME:OWNER[:VENDOR]\"",
            name.escape_debug()
        ),
        None => bail!(
            "there is no workstream `{}`: the plan's workstreams are {}",
            name.escape_debug(),
            names.join(", ")
        ),
    }
}

// ---- rendering values -------------------------------------------------------------

/// A string as a YAML scalar: plain when it is a simple word, else double-quoted with
/// JSON escapes (valid YAML) and the characters YAML would take as line breaks escaped.
pub fn quote(s: &str) -> String {
    if is_plain_word(s) {
        return s.to_string();
    }
    serde_json::to_string(s)
        .expect("strings serialize")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
        .replace('\u{85}', "\\u0085")
        .replace('\u{feff}', "\\ufeff")
}

fn is_plain_word(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !["true", "false", "yes", "no", "on", "off", "null", "y", "n"].contains(&s)
        && s.len() <= 40
}

/// One workstream as a flow mapping on one line.
pub fn workstream_line(w: &Workstream) -> String {
    let mut parts = vec![
        format!("name: {}", quote(&w.name)),
        format!("owner: {}", quote(&w.owner)),
    ];
    if let Some(v) = &w.vendor {
        parts.push(format!("vendor: {}", quote(v)));
    }
    parts.push(format!("status: {}", w.status.as_str()));
    if let Some(r) = &w.reason {
        parts.push(format!("reason: {}", quote(r)));
    }
    format!("{{{}}}", parts.join(", "))
}

fn workstream_lines(plan: &Plan) -> Vec<String> {
    list_lines("workstreams", &plan.workstreams, workstream_line)
}

/// `key:` and each item of the list on a line of its own, as `item` writes it.
fn list_lines<T>(key: &str, items: &[T], item: fn(&T) -> String) -> Vec<String> {
    let mut lines = vec![format!("{key}:")];
    lines.extend(items.iter().map(|i| format!("  - {}", item(i))));
    lines
}

/// The same stakeholder: the same address (or, for a bare name, the same name).
pub(crate) fn same_person(a: &Stakeholder, b: &Stakeholder) -> bool {
    match (a.mailbox(), b.mailbox()) {
        (Some(x), Some(y)) => x.same_address(&y),
        _ => a.who == b.who,
    }
}

fn stakeholder_line(s: &Stakeholder) -> String {
    if s.mailbox().is_none() {
        return quote(&s.who);
    }
    format!("{{address: {}, kind: {}}}", quote(&s.who), s.kind)
}

fn stakeholder_lines(plan: &Plan) -> Vec<String> {
    list_lines("stakeholders", &plan.stakeholders, stakeholder_line)
}

fn cadence_lines(plan: &Plan) -> Vec<String> {
    let mut lines = vec!["cadence:".to_string()];
    if let Some(d) = plan.cadence.internal {
        lines.push(format!("  internal: {d}"));
    }
    if let Some(d) = plan.cadence.client {
        lines.push(format!("  client: {d}"));
    }
    lines
}

// ---- the text -----------------------------------------------------------------------

/// `plan.md` as lines, with just enough YAML and Markdown structure to edit it in place.
#[derive(Clone, Debug)]
pub struct Doc {
    lines: Vec<String>,
}

impl Doc {
    pub fn new(text: &str) -> Doc {
        let text = text.replace("\r\n", "\n");
        let mut lines: Vec<String> = text.split('\n').map(String::from).collect();
        if lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        Doc { lines }
    }

    pub fn text(&self) -> String {
        let mut text = self.lines.join("\n");
        text.push('\n');
        text
    }

    fn opens_front(&self) -> bool {
        self.lines.first().is_some_and(|l| l.trim_end() == "---")
    }

    /// The index of the line closing the front matter, if the file has front matter.
    fn front_close(&self) -> Option<usize> {
        if !self.opens_front() {
            return None;
        }
        (1..self.lines.len()).find(|&i| matches!(self.lines[i].trim_end(), "---" | "..."))
    }

    /// The front matter's text and the 1-based line it starts on; a file without front
    /// matter has an empty one. Err: (line, message) for an unclosed front matter.
    pub fn front_matter(&self) -> Result<(String, usize), (usize, String)> {
        if !self.opens_front() {
            return Ok((String::new(), 1));
        }
        match self.front_close() {
            Some(close) => Ok((self.lines[1..close].join("\n"), 2)),
            None => Err((
                1,
                "the front matter opened by `---` on line 1 never ends: add a line `---` after it"
                    .into(),
            )),
        }
    }

    fn ensure_front(&mut self) {
        if self.front_close().is_none() {
            self.lines
                .splice(0..0, ["---".to_string(), "---".to_string()]);
        }
    }

    /// The body: every line after the front matter.
    fn body_start(&self) -> usize {
        self.front_close().map_or(0, |c| c + 1)
    }

    /// The lines of the body.
    pub fn body(&self) -> &[String] {
        &self.lines[self.body_start()..]
    }

    /// Remove a top-level key of the front matter and its value.
    fn remove_key(&mut self, key: &str) {
        if let Some(start) = self.top_key(key) {
            let end = self.block_end(start);
            self.lines.splice(start..end, []);
        }
    }

    fn top_key(&self, key: &str) -> Option<usize> {
        let close = self.front_close()?;
        (1..close).find(|&i| top_key_name(&self.lines[i]) == Some(key))
    }

    /// The end (exclusive) of the value of the key on line `start`: after its last
    /// indented line; comments and blank lines after it are not part of it.
    fn block_end(&self, start: usize) -> usize {
        let close = self.front_close().unwrap_or(self.lines.len());
        let mut end = start + 1;
        for i in start + 1..close {
            let line = &self.lines[i];
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if line.starts_with([' ', '\t']) || trimmed == "-" || line.starts_with("- ") {
                end = i + 1;
            } else {
                break;
            }
        }
        end
    }

    /// The value written on the key's own line (`[]`, `{internal: 30m}`), if any.
    fn inline_value(&self, start: usize) -> Option<String> {
        let line = &self.lines[start];
        let value = line.split_once(':').map(|x| x.1).unwrap_or_default().trim();
        (!value.is_empty() && !value.starts_with('#')).then(|| value.to_string())
    }

    /// Line ranges of the items of a block sequence under `key`; `None` when the key is
    /// missing or its value is not a block sequence laid out one item after the other.
    fn item_ranges(&self, key: &str) -> Option<Vec<(usize, usize)>> {
        let start = self.top_key(key)?;
        if self.inline_value(start).is_some() {
            return None;
        }
        let end = self.block_end(start);
        let mut items: Vec<(usize, usize)> = Vec::new();
        let mut indent = None;
        for i in start + 1..end {
            let line = &self.lines[i];
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let here = line.len() - trimmed.len();
            let is_item = trimmed == "-" || trimmed.starts_with("- ");
            match indent {
                None if is_item => indent = Some(here),
                None => return None,
                Some(_) => {}
            }
            let indent = indent.expect("set above");
            if here == indent && is_item {
                items.push((i, i + 1));
            } else if here > indent {
                items.last_mut()?.1 = i + 1;
            } else {
                return None;
            }
        }
        Some(items)
    }

    fn item_indent(&self, key: &str) -> String {
        self.item_ranges(key)
            .and_then(|r| r.first().copied())
            .map(|(s, _)| {
                let line = &self.lines[s];
                line[..line.len() - line.trim_start().len()].to_string()
            })
            .unwrap_or_else(|| "  ".into())
    }

    /// Replace a top-level key (its line and its value) with `lines`, or insert them
    /// where the key belongs in [`ORDER`].
    fn set_key(&mut self, key: &str, lines: Vec<String>) {
        match self.top_key(key) {
            Some(start) => {
                let end = self.block_end(start);
                self.lines.splice(start..end, lines);
            }
            None => {
                let at = self.insert_position(key);
                self.lines.splice(at..at, lines);
            }
        }
    }

    /// Before the first key that comes after `key` in [`ORDER`] (and before the comments
    /// right above it), else at the end of the front matter.
    fn insert_position(&self, key: &str) -> usize {
        let close = self.front_close().expect("front matter exists");
        let later = ORDER
            .iter()
            .skip_while(|k| **k != key)
            .skip(1)
            .filter_map(|k| self.top_key(k))
            .min();
        match later {
            Some(mut at) => {
                while at > 1
                    && self.lines[at - 1].trim_start().starts_with('#')
                    && !self.lines[at - 1].starts_with(' ')
                {
                    at -= 1;
                }
                at
            }
            None => close,
        }
    }

    /// Set `parent.child` in a block mapping, keeping the parent's other lines; if the
    /// parent is written some other way, it becomes `whole`.
    fn set_child(&mut self, parent: &str, child: &str, value: &str, whole: Vec<String>) {
        let Some(start) = self.top_key(parent) else {
            return self.set_key(parent, whole);
        };
        if self.inline_value(start).is_some() {
            return self.set_key(parent, whole);
        }
        let end = self.block_end(start);
        let mut indent = None;
        for i in start + 1..end {
            let line = &self.lines[i];
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let pad = &line[..line.len() - trimmed.len()];
            indent.get_or_insert_with(|| pad.to_string());
            if key_name(trimmed) == Some(child) {
                self.lines[i] = format!("{pad}{child}: {value}");
                return;
            }
        }
        let pad = indent.unwrap_or_else(|| "  ".into());
        self.lines.insert(end, format!("{pad}{child}: {value}"));
    }

    /// Add an item after the last item of the block sequence under `key`.
    fn push_item(&mut self, key: &str, item: &str, whole: Vec<String>) {
        let Some(start) = self.top_key(key) else {
            return self.set_key(key, whole);
        };
        if let Some(value) = self.inline_value(start) {
            if matches!(value.as_str(), "[]" | "~" | "null") {
                self.lines[start] = format!("{key}:");
            } else {
                return self.set_key(key, whole);
            }
        }
        match self.item_ranges(key) {
            Some(items) => {
                let pad = self.item_indent(key);
                let at = items.last().map_or(start + 1, |&(_, end)| end);
                self.lines.insert(at, format!("{pad}- {item}"));
            }
            None => self.set_key(key, whole),
        }
    }

    /// Replace item `index` of `count` under `key` by a one-line item, keeping a comment
    /// at the end of its line; if the items cannot be told apart, the key becomes `whole`.
    fn replace_item(
        &mut self,
        key: &str,
        index: usize,
        count: usize,
        item: &str,
        whole: Vec<String>,
    ) {
        match self.item_ranges(key) {
            Some(items) if items.len() == count => {
                let (s, e) = items[index];
                let pad = self.item_indent(key);
                let comment = trailing_comment(&self.lines[e - 1]);
                let line = match comment {
                    Some(c) => format!("{pad}- {item}  {c}"),
                    None => format!("{pad}- {item}"),
                };
                self.lines.splice(s..e, [line]);
            }
            _ => self.set_key(key, whole),
        }
    }

    /// Replace the "Restoration approach" section of the body, or add it at the end.
    fn set_approach(&mut self, approach: &str) {
        let body = self.body_start();
        let mut section: Vec<String> = vec![HEADING.into(), String::new()];
        section.extend(approach.lines().map(String::from));
        match approach_section(&self.lines[body..]) {
            Some((heading, end)) => {
                let (heading, end) = (body + heading, body + end);
                if end < self.lines.len() {
                    section.push(String::new());
                }
                let keep_heading = self.lines[heading].clone();
                section[0] = keep_heading;
                self.lines.splice(heading..end, section);
            }
            None if !self.lines[body..]
                .iter()
                .any(|l| heading_level(l).is_some()) =>
            {
                // A body without headings is the approach itself.
                self.lines.truncate(body);
                self.lines.push(String::new());
                self.lines.extend(section);
            }
            None => {
                while self.lines.last().is_some_and(|l| l.trim().is_empty())
                    && self.lines.len() > body
                {
                    self.lines.pop();
                }
                self.lines.push(String::new());
                self.lines.extend(section);
            }
        }
    }
}

/// The restoration approach in a plan's body: the text of its "Restoration approach"
/// section; a body without any heading is the approach as a whole.
pub fn approach(doc: &Doc) -> Option<String> {
    let body = &doc.lines[doc.body_start()..];
    let text = match approach_section(body) {
        Some((heading, end)) => body[heading + 1..end].join("\n"),
        None if !body.iter().any(|l| heading_level(l).is_some()) => body.join("\n"),
        None => return None,
    };
    let lines: Vec<&str> = text.lines().collect();
    let first = lines.iter().position(|l| !l.trim().is_empty())?;
    let last = lines.iter().rposition(|l| !l.trim().is_empty())?;
    Some(lines[first..=last].join("\n"))
}

/// (heading line, end) of the approach section within `body`, outside code fences.
fn approach_section(body: &[String]) -> Option<(usize, usize)> {
    let headings = headings(body);
    let (pos, &(start, level)) = headings.iter().enumerate().find(|(_, (i, _))| {
        heading_title(&body[*i]).eq_ignore_ascii_case("restoration approach")
    })?;
    let end = headings[pos + 1..]
        .iter()
        .find(|(_, l)| *l <= level)
        .map_or(body.len(), |(i, _)| *i);
    Some((start, end))
}

/// (line, level) of every ATX heading outside fenced code blocks.
fn headings(body: &[String]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut fence: Option<&str> = None;
    for (i, line) in body.iter().enumerate() {
        let t = line.trim_start();
        for marker in ["```", "~~~"] {
            if t.starts_with(marker) {
                fence = match fence {
                    None => Some(marker),
                    Some(m) if m == marker => None,
                    other => other,
                };
            }
        }
        if fence.is_none()
            && let Some(level) = heading_level(line)
        {
            out.push((i, level));
        }
    }
    out
}

/// The level of an ATX heading (`## Title` is 2).
pub fn heading_level(line: &str) -> Option<usize> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let t = &line[indent..];
    let level = t.chars().take_while(|&c| c == '#').count();
    let rest = &t[level..];
    ((1..=6).contains(&level) && (rest.is_empty() || rest.starts_with([' ', '\t'])))
        .then_some(level)
}

fn heading_title(line: &str) -> &str {
    line.trim()
        .trim_start_matches('#')
        .trim()
        .trim_end_matches('#')
        .trim()
}

/// The key of a top-level `key: value` line of the front matter.
fn top_key_name(line: &str) -> Option<&str> {
    if line.starts_with([' ', '\t', '#', '-']) {
        return None;
    }
    key_name(line)
}

fn key_name(text: &str) -> Option<&str> {
    let (key, rest) = text.split_once(':')?;
    let key = key.trim();
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    (simple && (rest.is_empty() || rest.starts_with([' ', '\t']))).then_some(key)
}

/// A `# comment` after a flow item's closing brace.
fn trailing_comment(line: &str) -> Option<&str> {
    let after = &line[line.rfind('}')? + 1..];
    let t = after.trim_start();
    t.starts_with('#').then_some(t)
}
