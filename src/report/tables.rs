//! The report as sections of tables, the one layout that Markdown, HTML and CSV share.

use std::collections::BTreeMap;

use crate::time;
use crate::units::Duration;

use super::{Compliance, NONE, Rate, Report, SLA_RULES, Summary};
use crate::sla::Rule;

/// One value in a table, kept typed so each format can show it its own way.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Count(usize),
    /// A duration in seconds; `None` shows as a dash.
    Secs(Option<i64>),
    /// A number such as a mean score; `None` shows as a dash.
    Number(Option<f64>),
    Rate(Rate),
}

impl Cell {
    /// How people read it: `1h30m`, `3/4 (75.0%)`, `—`.
    pub fn display(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Secs(Some(s)) => Duration::from_secs(*s).human(),
            Cell::Number(Some(x)) => format!("{x}"),
            Cell::Rate(r) => match r.percent {
                Some(p) => format!("{}/{} ({p:.1}%)", r.count, r.total),
                None => "—".into(),
            },
            Cell::Secs(None) | Cell::Number(None) => "—".into(),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<usize> for Cell {
    fn from(n: usize) -> Cell {
        Cell::Count(n)
    }
}

impl From<Rate> for Cell {
    fn from(r: Rate) -> Cell {
        Cell::Rate(r)
    }
}

#[derive(Clone, Debug)]
pub struct Table {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    fn new(title: &str, columns: &[&str]) -> Table {
        Table {
            title: title.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    fn row(mut self, cells: Vec<Cell>) -> Table {
        self.rows.push(cells);
        self
    }

    /// A two-column table of a count per key.
    fn counts(title: &str, key: &str, map: &BTreeMap<String, usize>) -> Table {
        let mut t = Table::new(title, &[key, "Incidents"]);
        for (k, n) in map {
            t = t.row(vec![k.as_str().into(), (*n).into()]);
        }
        t
    }

    fn measures(title: &str, rows: Vec<(&str, Cell)>) -> Table {
        let mut t = Table::new(title, &["Measure", "Value"]);
        for (name, cell) in rows {
            t = t.row(vec![name.into(), cell]);
        }
        t
    }
}

#[derive(Clone, Debug)]
pub struct Section {
    /// For anchors and the CSV's `section` column.
    pub id: &'static str,
    pub title: &'static str,
    /// Paragraphs before the tables.
    pub notes: Vec<String>,
    pub tables: Vec<Table>,
}

impl Section {
    fn new(id: &'static str, title: &'static str) -> Section {
        Section {
            id,
            title,
            notes: Vec::new(),
            tables: Vec::new(),
        }
    }

    fn note(mut self, text: impl Into<String>) -> Section {
        self.notes.push(text.into());
        self
    }

    fn note_if(self, cond: bool, text: &str) -> Section {
        if cond { self.note(text) } else { self }
    }

    fn table(mut self, table: Table) -> Section {
        self.tables.push(table);
        self
    }
}

pub use crate::text::plural;

/// A client as readers know it: its name from `mim.yaml`, else its key.
pub fn client_name<'a>(report: &'a Report, key: &'a str) -> &'a str {
    report.client_names.get(key).map_or(key, String::as_str)
}

/// Clients as readers know them, comma-separated: [`NONE`] for none.
pub fn clients_named(report: &Report, keys: &[String]) -> String {
    if keys.is_empty() {
        return NONE.to_string();
    }
    let names: Vec<&str> = keys.iter().map(|k| client_name(report, k)).collect();
    names.join(", ")
}

/// What the report covers, in words: `all incidents`, `reported from … before …, client acme`.
pub fn scope(report: &Report) -> String {
    let f = &report.filter;
    let mut parts = Vec::new();
    match (&f.since, &f.until) {
        (None, None) => parts.push("all incidents".to_string()),
        (since, until) => {
            let mut s = "incidents reported".to_string();
            if let Some(t) = since {
                s.push_str(&format!(" from {}", time::format(t)));
            }
            if let Some(t) = until {
                s.push_str(&format!(" before {}", time::format(t)));
            }
            parts.push(s);
        }
    }
    if let Some(c) = &f.client {
        parts.push(format!("client {}", client_name(report, c)));
    }
    if let Some(p) = &f.priority {
        parts.push(format!("priority {p}"));
    }
    parts.join(", ")
}

fn summary_row(key: &str, s: &Summary) -> Vec<Cell> {
    vec![
        key.into(),
        s.count.into(),
        Cell::Secs(s.mean_secs),
        Cell::Secs(s.median_secs),
        Cell::Secs(s.p90_secs),
        Cell::Secs(s.max_secs),
    ]
}

const SUMMARY_COLUMNS: [&str; 6] = ["Priority", "Incidents", "Mean", "Median", "P90", "Max"];

fn summaries(title: &str, map: &BTreeMap<String, Summary>) -> Table {
    let mut t = Table::new(title, &SUMMARY_COLUMNS);
    for (p, s) in map {
        t = t.row(summary_row(p, s));
    }
    t
}

/// Every section of the report, in reading order.
pub fn sections(report: &Report) -> Vec<Section> {
    let mut out = vec![overview(report)];
    out.push(counts(report));
    out.push(times(report));
    out.push(durations(report));
    out.extend(report_sla_sections(report));
    out.push(escalations(report));
    out.push(quality(report));
    out.extend(report_pir_sections(report));
    out.push(satisfaction(report));
    out.push(time_logged(report));
    if !report.regulatory.is_empty() {
        out.push(regulatory(report));
    }
    out.push(
        Section::new("retention", "Client retention").note(report.client_retention.to_string()),
    );
    out.push(incidents(report));
    out
}

fn overview(report: &Report) -> Section {
    Section::new("overview", "Overview")
        .note(format!(
            "{}: {}{}. Times in {}.",
            plural(report.incidents, "incident"),
            scope(report),
            match report.proposals.rejected {
                0 => String::new(),
                n => format!(
                    "; besides them, {} (not counted as incidents)",
                    plural(n, "rejected proposal")
                ),
            },
            report.timezone
        ))
        .table(Table::measures(
            "Proposals",
            vec![
                ("Accepted", report.proposals.accepted.into()),
                ("Rejected", report.proposals.rejected.into()),
                ("Pending", report.proposals.pending.into()),
                (
                    "Accepted of decided",
                    report.proposals.acceptance.clone().into(),
                ),
                ("Duplicates (not counted)", report.duplicates.into()),
            ],
        ))
}

fn counts(report: &Report) -> Section {
    let c = &report.counts;
    Section::new(
        "counts",
        "Incidents by status, priority, category, client, service and closure code",
    )
    .table(status_counts(&c.status))
    .table(Table::counts("By priority", "Priority", &c.priority))
    .table(Table::counts("By category", "Category", &c.category))
    .table(Table::counts(
        "By client",
        "Client",
        &by_name(report, &c.client),
    ))
    .table(Table::counts("By service", "Service", &c.service))
    .table(Table::counts(
        "By closure code",
        "Closure code",
        &c.closure_code,
    ))
}

/// A count by client key, keyed by the client's name instead.
fn by_name(report: &Report, map: &BTreeMap<String, usize>) -> BTreeMap<String, usize> {
    map.iter()
        .map(|(k, n)| (client_name(report, k).to_string(), *n))
        .collect()
}

/// Statuses in lifecycle order, not alphabetical.
fn status_counts(map: &BTreeMap<String, usize>) -> Table {
    use crate::lifecycle::Status::*;
    let mut t = Table::new("By status", &["Status", "Incidents"]);
    for status in [Proposed, Accepted, OnHold, Resolved, Closed, Rejected] {
        let n = map.get(status.as_str()).copied().unwrap_or(0);
        t = t.row(vec![status.as_str().into(), n.into()]);
    }
    t
}

fn times(report: &Report) -> Section {
    Section::new("times", "Response and restore times")
        .note(
            "As the SLA clocks count them, in the priority's calendar (working time for \
             business-hours priorities). Response: reported to accepted or rejected. \
             Restore: reported to resolved, less time on hold and time resolved before a \
             reopen. P90 is the nearest-rank 90th percentile.",
        )
        .note_if(
            report.list.iter().any(|r| !r.per_client.is_empty()),
            "An incident affecting several clients counts once here, with its own clocks (its \
             priority's targets and calendar); each client's contract clocks are under SLA \
             compliance by client.",
        )
        .table(summaries("Response time", &report.times.response))
        .table(summaries("Restore time", &report.times.restore))
}

/// Column titles of the SLA rules.
fn durations(report: &Report) -> Section {
    let t = &report.times;
    Section::new("durations", "Incident durations")
        .note(
            "Wall clock, from each incident's own times; rejected proposals left out. \
             Detect: impact started to detected. Accept: reported to accepted. Identify, \
             mitigate, fix: impact started to the milestone (`mim milestone`). Outage: \
             impact started to resolved, hold included: what users lived through, unlike \
             the restore time above, which is the SLA figure (from the report, less time on \
             hold, in the priority's calendar). Without `--impact-started`/`--detected` an \
             incident's impact starts, and is detected, when it is reported.",
        )
        .table(measured("Time to detect", &t.detect))
        .table(measured("Time to accept (wall clock)", &t.accept))
        .table(measured("Time to identify the cause", &t.identify))
        .table(measured("Time to mitigate", &t.mitigate))
        .table(measured("Time to fix permanently", &t.fix))
        .table(measured("Outage (wall clock)", &t.outage))
}

/// [`summaries`] of the priorities with at least one value.
fn measured(title: &str, map: &BTreeMap<String, Summary>) -> Table {
    let mut t = Table::new(title, &SUMMARY_COLUMNS);
    for (p, s) in map.iter().filter(|(_, s)| s.count > 0) {
        t = t.row(summary_row(p, s));
    }
    t
}

fn rule_title(rule: Rule) -> &'static str {
    match rule {
        Rule::Respond => "Respond",
        Rule::Restore => "Restore",
        Rule::UpdateInternal => "Internal updates",
        Rule::UpdateClient => "Client updates",
        _ => "Other",
    }
}

/// A compliance rate's cell (empty without clocks).
fn rate_cell(c: Option<&Compliance>) -> Cell {
    Cell::Rate(c.map(|c| c.rate.clone()).unwrap_or_default())
}

/// A table of compliance by `key` (priority, client): a row per `(key, shown)`, a column
/// per rule.
fn grouped_table(
    title: &str,
    key: &str,
    by: &BTreeMap<String, BTreeMap<String, Compliance>>,
    keys: Vec<(String, String)>,
    rules: &[Rule],
) -> Table {
    let mut cols = vec![key];
    cols.extend(rules.iter().map(|r| rule_title(*r)));
    let mut t = Table::new(title, &cols);
    for (k, shown) in keys {
        let mut row = vec![Cell::Text(shown)];
        row.extend(
            rules
                .iter()
                .map(|r| rate_cell(by.get(r.as_str()).and_then(|m| m.get(&k)))),
        );
        t = t.row(row);
    }
    t
}

/// Met, breached, open and the compliance of each rule over every incident.
fn overall_table(report: &Report, rules: &[Rule]) -> Table {
    let mut overall = Table::new(
        "All incidents",
        &["Clock", "Met", "Breached", "Open", "Compliance"],
    );
    for &rule in rules {
        let c = report
            .sla
            .overall
            .get(rule.as_str())
            .cloned()
            .unwrap_or_default();
        overall = overall.row(vec![
            rule_title(rule).into(),
            c.met.into(),
            c.breached.into(),
            c.open.into(),
            Cell::Rate(c.rate),
        ]);
    }
    overall
}

/// Compliance of each rule by the month incidents were reported.
fn per_month_table(report: &Report, rules: &[Rule]) -> Table {
    let sla = &report.sla;
    let mut months: Vec<String> = sla.per_month.iter().map(|m| m.month.clone()).collect();
    months.dedup();
    let mut columns = vec!["Month"];
    columns.extend(rules.iter().map(|r| rule_title(*r)));
    let mut per_month = Table::new("By month reported", &columns);
    for month in months {
        let mut row = vec![Cell::Text(month.clone())];
        row.extend(rules.iter().map(|r| {
            rate_cell(
                sla.per_month
                    .iter()
                    .find(|m| m.month == month && m.rule == r.as_str())
                    .map(|m| &m.compliance),
            )
        }));
        per_month = per_month.row(row);
    }
    per_month
}

fn report_sla_sections(report: &Report) -> Vec<Section> {
    let sla = &report.sla;
    // The provider's own clocks are counted under no client, and a report about one
    // client has none of them.
    let client_rules: Vec<Rule> = SLA_RULES
        .into_iter()
        .filter(|r| !super::sla::is_provider_internal(*r))
        .collect();
    let rules: &[Rule] = if report.filter.client.is_some() {
        &client_rules
    } else {
        &SLA_RULES
    };
    let priorities: Vec<(String, String)> = report
        .counts
        .priority
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(p, _)| (p.clone(), p.clone()))
        .collect();
    let clients: Vec<(String, String)> = report
        .counts
        .client
        .keys()
        .map(|k| (k.clone(), client_name(report, k).to_string()))
        .collect();
    vec![
        Section::new("sla", "SLA compliance")
            .note(
                "From the SLA engine's clocks, as `mim check` computes them at the report's \
                 \"now\": met of met + breached. Open clocks (still running within target, or \
                 paused on hold) are counted in neither. Update clocks are met when no gap \
                 between status updates to that audience exceeded the cadence. The internal \
                 update cadence is the provider's own: counted once per incident, under no \
                 client, and not in a report about one client.",
            )
            .table(overall_table(report, rules))
            .table(grouped_table(
                "By priority",
                "Priority",
                &sla.by_priority,
                priorities,
                rules,
            ))
            .table(grouped_table(
                "By client",
                "Client",
                &sla.by_client,
                clients,
                &client_rules,
            ))
            .table(per_month_table(report, rules)),
    ]
}

fn report_pir_sections(report: &Report) -> Vec<Section> {
    let p = &report.pir;
    let a = &p.actions;
    vec![
        Section::new("pir", "Post incident reviews")
            .note(
                "Required: restored incidents whose priority requires a PIR. Held: a PIR \
                 was started (`mim pir start`); on time: within `pir.start_within` of the \
                 resolve. Adoption: action items the client adopted at a client review, of \
                 the action items of PIRs that had one.",
            )
            .table(Table::measures(
                "Reviews",
                vec![
                    ("PIRs required", p.required.into()),
                    ("Required PIRs held", p.held.clone().into()),
                    ("Required PIRs held on time", p.held_on_time.clone().into()),
                    ("PIRs started (required or not)", p.started.into()),
                    ("PIRs with a review session", p.reviewed.clone().into()),
                    (
                        "Client adoption rate for recommendations",
                        p.adoption.clone().into(),
                    ),
                ],
            ))
            .table(Table::measures(
                "Action items",
                vec![
                    ("Total", a.total.into()),
                    ("Open", a.open.into()),
                    ("Done", a.done.into()),
                    ("Dropped", a.dropped.into()),
                    ("Open and overdue", a.overdue.into()),
                ],
            )),
    ]
}

fn escalations(report: &Report) -> Section {
    let e = &report.escalations;
    Section::new("escalations", "Escalations")
        .table({
            let mut t =
                Table::counts("Escalations by kind", "Kind", &e.by_kind).with_total(e.total);
            t.columns[1] = "Escalations".into();
            t
        })
        .table(Table::measures(
            "Escalated incidents",
            vec![
                ("Incidents escalated", e.incidents_escalated.clone().into()),
                (
                    "Incidents escalated to management",
                    e.incidents_hierarchic.clone().into(),
                ),
            ],
        ))
}

impl Table {
    fn with_total(self, total: usize) -> Table {
        self.row(vec!["Total".into(), total.into()])
    }
}

fn quality(report: &Report) -> Section {
    let h = &report.hold;
    let r = &report.recurrence;
    let mut s = Section::new("quality", "On hold, reopened and recurring")
        .note(format!(
            "Reopen rate: incidents reopened at least once, of incidents ever resolved. \
             Recurrence rate: incidents on the same client, service and configuration item \
             (when both name one) as another incident resolved at most {} before, of \
             incidents not rejected.",
            r.window
        ))
        .table(Table::measures(
            "Time on hold",
            vec![
                ("Incidents put on hold", h.incidents_on_hold.clone().into()),
                ("Hold periods", h.periods.into()),
                ("Total time on hold", Cell::Secs(Some(h.total_secs))),
                (
                    "Mean per incident on hold",
                    Cell::Secs(h.per_incident.mean_secs),
                ),
                ("Median", Cell::Secs(h.per_incident.median_secs)),
                ("P90", Cell::Secs(h.per_incident.p90_secs)),
                ("Max", Cell::Secs(h.per_incident.max_secs)),
            ],
        ))
        .table(Table::measures(
            "Reopen and recurrence",
            vec![
                ("Reopen rate", report.reopen.clone().into()),
                ("Recurrence rate", r.rate.clone().into()),
            ],
        ));
    if !r.recurrences.is_empty() {
        let mut t = Table::new("Recurrences", &["Incident", "Recurs"]);
        for (id, of) in &r.recurrences {
            t = t.row(vec![id.as_str().into(), of.as_str().into()]);
        }
        s = s.table(t);
    }
    s
}

fn satisfaction(report: &Report) -> Section {
    let c = &report.satisfaction;
    let mut t = Table::new("Scores", &["Score", "Incidents"]);
    for (score, n) in &c.scores {
        t = t.row(vec![score.to_string().into(), (*n).into()]);
    }
    Section::new("satisfaction", "Client satisfaction")
        .note("Scores given when the incident was closed (`mim close --csat`).")
        .table(Table::measures(
            "Satisfaction",
            vec![
                (
                    "Closed incidents with a score",
                    c.response_rate.clone().into(),
                ),
                ("Mean score", Cell::Number(c.mean)),
            ],
        ))
        .table(t)
}

fn time_logged(report: &Report) -> Section {
    let t = &report.time_logged;
    let group = |title: &str, key: &str, map: &BTreeMap<String, super::LoggedGroup>| {
        let mut table = Table::new(
            title,
            &[key, "Entries", "Incidents", "Total", "Mean per incident"],
        );
        for (k, g) in map {
            table = table.row(vec![
                k.as_str().into(),
                g.entries.into(),
                g.incidents.into(),
                Cell::Secs(Some(g.total_secs)),
                Cell::Secs(Some(g.mean_per_incident_secs)),
            ]);
        }
        table
    };
    Section::new("time-logged", "Time logged")
        .note(format!(
            "From `mim note --time`: {} in all. By activity, the mean is over every incident \
             in the report; by category, over the incidents of that category.",
            Duration::from_secs(t.total_secs)
        ))
        .table(group("By activity", "Activity", &t.by_activity))
        .table(group("By category", "Category", &t.by_category))
}

fn incidents(report: &Report) -> Section {
    let tz: chrono_tz::Tz = report.timezone.parse().unwrap_or(chrono_tz::UTC);
    let mut t = Table::new(
        "Incidents",
        &[
            "Incident", "Title", "Priority", "Status", "Client", "Service", "Reported", "Response",
            "Restore", "Closure",
        ],
    );
    for r in &report.list {
        t = t.row(vec![
            r.id.as_str().into(),
            r.title.as_str().into(),
            r.priority.as_str().into(),
            r.status.as_str().into(),
            clients_named(report, &r.clients).into(),
            r.service.as_str().into(),
            time::display(&r.reported, tz).into(),
            Cell::Secs(r.response_secs),
            Cell::Secs(r.restore_secs),
            r.closure.as_deref().unwrap_or("").into(),
        ]);
    }
    let mut section = Section::new("incidents", "Incidents").table(t);
    if report.list.iter().any(|r| !r.per_client.is_empty()) {
        section = section
            .note(
                "Of an incident affecting several clients, the response and restore above \
                 are the incident's own clocks (from the report to its resolve, in the \
                 priority's calendar); each client's own figures follow: when it was \
                 affected and restored, its outage (affected to restored, wall clock), and \
                 its contract's response and restore clocks.",
            )
            .table(clients_table(report, tz));
    }
    section
}

/// Each client of the incidents affecting several, with its own figures.
fn clients_table(report: &Report, tz: chrono_tz::Tz) -> Table {
    let mut t = Table::new(
        "Incidents by client",
        &[
            "Incident (client)",
            "Affected",
            "Restored",
            "Outage",
            "Response",
            "Restore",
            "Restore target",
        ],
    );
    for r in &report.list {
        for c in &r.per_client {
            t = t.row(vec![
                format!("{} ({})", r.id, client_name(report, &c.client)).into(),
                time::display(&c.affected_at, tz).into(),
                c.restored_at
                    .as_ref()
                    .map(|at| time::display(at, tz))
                    .unwrap_or_else(|| "—".into())
                    .into(),
                Cell::Secs(c.since_affected_secs),
                Cell::Secs(c.response_secs),
                Cell::Secs(c.restore_secs),
                Cell::Secs(c.restore_target_secs),
            ]);
        }
    }
    t
}

/// Reports to regulators: per regime and stage, on time, late, overdue, pending.
fn regulatory(report: &Report) -> Section {
    let mut t = Table::new(
        "Notifications to regulators",
        &[
            "Regime",
            "Stage",
            "On time",
            "Late",
            "Overdue",
            "Pending",
            "On time of due",
        ],
    );
    for (key, r) in &report.regulatory.regimes {
        t = t.row(vec![
            key.to_uppercase().into(),
            "all stages".into(),
            r.on_time.into(),
            r.late.into(),
            r.overdue.into(),
            r.pending.into(),
            r.on_time_rate.clone().into(),
        ]);
        for (stage, s) in &r.stages {
            t = t.row(vec![
                key.to_uppercase().into(),
                stage.as_str().into(),
                s.on_time.into(),
                s.late.into(),
                s.overdue.into(),
                s.pending.into(),
                s.on_time_rate.clone().into(),
            ]);
        }
    }
    Section::new("regulatory", "Regulatory notifications")
        .note(
            "Each report a regime in mim.yaml requires (`regulations`), counted from the same clocks as \
             `mim check`: submitted by its deadline (on time), after it (late), past it and still not \
             submitted (overdue), or owed and not yet due (pending).",
        )
        .table(t)
}
