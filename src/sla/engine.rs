//! The SLA engine: pure functions of (configuration, incident, now) that give each
//! incident's clocks and the findings (breaches and risks) they add up to.
//!
//! Only timeline entries at or before "now" count, so the same incident evaluated at an
//! earlier "now" gives the clocks as they stood then. Every clock below that starts at
//! "reported" starts at [`State::clocks_start`]: the report, unless `sla.start` in
//! mim.yaml moves it to the impact start or its detection. Rules (see docs/sla-and-ci.md):
//! - `respond`: reported → accepted (or rejected), in the priority's calendar.
//! - `restore`: reported → resolved, in the priority's calendar, less time on hold and
//!   less time resolved before a reopen.
//! - `update-internal`, `update-client`: from the report, each gap before the first update
//!   to the audience and between updates is at most the cadence, while the incident is
//!   active (time resolved before a reopen does not count; time on hold does).
//! - `escalation`: each hierarchic level's threshold (a share of the restore target, or
//!   a duration), counted like `restore`, reached without a `management` escalation for
//!   that level recorded before it.
//! - `pir-start`, `pir-action`: a required PIR started within `pir.start_within` of the
//!   resolve, around the clock; each action item done by its due time.
//!
//! Reprioritisations: see [`crate::sla::schedule`].

use crate::config::{Config, HierarchicLevel, PirRequirement, PriorityTargets};
use crate::model::{Audience, EscalationKind, Incident};
use crate::sla::clock::{Anchor, Clock, ClockState, Finding, Level, Rule};
use crate::sla::inputs::{self, PirFacts};
use crate::sla::schedule::{Cut, Instant, NEVER, Schedule, Segment};
use crate::state::{self, State};
use crate::time::{self, Timestamp};
use crate::units::Duration;

/// An incident's clocks and findings at one instant.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evaluation {
    pub clocks: Vec<Clock>,
    pub findings: Vec<Finding>,
}

impl Evaluation {
    /// The clock of `rule` (the first, for rules with one clock per name).
    pub fn clock(&self, rule: Rule) -> Option<&Clock> {
        self.clocks.iter().find(|c| c.rule == rule)
    }
}

/// Clocks and findings of a state already derived (at `state.now`).
pub fn evaluate_state(config: &Config, incident: &Incident, state: &State) -> Evaluation {
    evaluate_with(config, incident, state, &inputs::pir_facts(config, state))
}

/// Clocks and findings with the PIR facts given: the contract's, then each regulatory
/// regime's (see [`crate::sla::regulatory`]).
pub fn evaluate_with(
    config: &Config,
    incident: &Incident,
    state: &State,
    pir: &PirFacts,
) -> Evaluation {
    let mut out = contract_clocks(config, incident, state, pir);
    crate::sla::regulatory::evaluate(
        config,
        &incident.id,
        state,
        &mut out.clocks,
        &mut out.findings,
    );
    out
}

/// The SLA clocks of the contract (and the provider's own): respond, restore, updates,
/// promises, escalations, the PIR.
fn contract_clocks(
    config: &Config,
    incident: &Incident,
    state: &State,
    pir: &PirFacts,
) -> Evaluation {
    let facts = Facts::new(config, incident, state);
    let mut out = Evaluation::default();
    if !state.per_client() {
        facts.respond(&mut out);
        if facts.rejected.is_none() {
            facts.restore(&mut out);
            facts.updates(Audience::Internal, &mut out);
            facts.updates(Audience::Client, &mut out);
            facts.promises(&mut out);
            facts.escalations(&mut out);
            facts.pir(pir, &mut out);
        }
        return out;
    }
    // Several clients: the clocks of each client's contract, then the provider's own.
    for client in state.affected() {
        let theirs = facts.for_client(client);
        theirs.respond(&mut out);
        if facts.rejected.is_none() {
            theirs.restore(&mut out);
            theirs.updates(Audience::Client, &mut out);
        }
    }
    if facts.rejected.is_none() {
        facts.updates(Audience::Internal, &mut out);
        facts.promises(&mut out);
        facts.escalations(&mut out);
        facts.pir(pir, &mut out);
    }
    out
}

/// The incident's own respond and restore clocks, whichever clients it affects: from
/// the instant the clocks start to its own accept and resolve, with its priority's
/// targets, less time on hold and time resolved before a reopen, in its own calendars
/// (those of its only client's contract; of several clients, the priorities' own). For
/// an incident of one client or none they are the clocks `check` reports. Of several,
/// `check` holds each client's contract clocks instead; these are the incident's own
/// figures (`show`, the KPI report, the PIR) and never findings.
pub fn incident_clocks(config: &Config, incident: &Incident, state: &State) -> Evaluation {
    let facts = Facts::new(config, incident, state);
    let mut out = Evaluation::default();
    facts.respond(&mut out);
    if facts.rejected.is_none() {
        facts.restore(&mut out);
    }
    out.findings.clear();
    out
}

/// The update-cadence target of `audience` in a segment under `client`'s contract (see
/// [`Config::client_targets`]): [`state::cadence`].
pub fn cadence_target<'a>(
    config: &'a Config,
    audience: Audience,
    client: Option<&'a str>,
) -> impl Fn(&Segment) -> Option<Duration> + 'a {
    move |s: &Segment| {
        let planned = match audience {
            Audience::Client => s.plan_client,
            _ => s.plan_internal,
        };
        let targets = config.client_targets(&s.priority, client);
        state::cadence(planned, audience, targets.as_deref()).map(|(d, _)| d)
    }
}

/// The schedule of a state: the priority and the plan's cadence over time, from the
/// report, in the calendars of the incident's client, if it has only one (see
/// [`schedule_for`]; an incident of several clients has each client's clocks besides
/// its own).
pub fn schedule(config: &Config, state: &State) -> Schedule {
    schedule_for(config, state, state.sole_client())
}

/// The schedule in the calendars of `client`'s contract (a client's own calendar
/// replaces `business`), or the priorities' own calendars for `None`.
pub fn schedule_for(config: &Config, state: &State, client: Option<&str>) -> Schedule {
    let steps = state.priority_steps(client);
    let mut cuts: Vec<(Instant, Cut)> = steps
        .iter()
        .skip(1)
        .map(|(at, p)| (utc(at), Cut::Priority(p.to_string())))
        .collect();
    for c in &state.cadence_changes {
        let cut = match c.audience {
            Audience::Client => Cut::PlanClient(c.every),
            _ => Cut::PlanInternal(c.every),
        };
        cuts.push((utc(&c.at), cut));
    }
    cuts.sort_by_key(|(at, _)| *at);
    Schedule::with_cuts(
        config,
        client,
        utc(&state.clocks_start),
        steps[0].1,
        &cuts,
        vec![],
    )
}

/// When the next update to `audience` is due, by the update clock of a state derived
/// right after that update was recorded: what the e-mails promise and `status` shows.
/// For the messages to one client of an incident affecting several (`client`): by that
/// client's update clock. (`None`, or an incident of one client: the incident's.)
pub fn next_update_due_for(
    config: &Config,
    incident: &Incident,
    state: &State,
    audience: Audience,
    client: Option<&str>,
) -> Option<Timestamp> {
    let rule = match audience.cadence_audience()? {
        Audience::Client => Rule::UpdateClient,
        _ => Rule::UpdateInternal,
    };
    let client = client.filter(|_| state.per_client() && rule == Rule::UpdateClient);
    let e = evaluate_state(config, incident, state);
    let clock = match client {
        Some(key) => e
            .clocks
            .iter()
            .find(|c| c.rule == rule && c.client.as_deref() == Some(key)),
        // Several clients and no one named: the first due of theirs.
        None if state.per_client() && rule == Rule::UpdateClient => e
            .clocks
            .iter()
            .filter(|c| c.rule == rule && c.stopped.is_none())
            .min_by_key(|c| c.due),
        None => e.clock(rule),
    };
    clock.filter(|c| c.stopped.is_none()).and_then(|c| c.due)
}

/// What a message to `audience` (one of several clients' people: `client`'s) recorded in
/// `state` (at `state.now`) promises as its next one: for internal and the client, when
/// their update clock is due once it is recorded; for the other readers, whose messages
/// run no clock of their own, the cadence they are told (internal's for management, the
/// client's for its management) from now, in their contract's calendar. Never a time
/// that is not after the message.
pub fn promise_due(
    config: &Config,
    incident: &Incident,
    state: &State,
    audience: Audience,
    client: Option<&str>,
) -> Option<Timestamp> {
    let due = match audience {
        Audience::Internal | Audience::Client => {
            next_update_due_for(config, incident, state, audience, client)
        }
        // Once the incident (or this client) is restored, no cadence runs: monitoring
        // updates promise nothing unless their author does (`--next`).
        _ if state.resolution.is_some() => None,
        _ if client
            .and_then(|k| state.affected_client(k))
            .is_some_and(|c| c.restored().is_some()) =>
        {
            None
        }
        _ => {
            let told = audience.cadence_audience()?;
            let contract = client
                .filter(|_| state.per_client())
                .or(state.sole_client());
            let schedule = schedule_for(config, state, contract).with_pauses(
                state
                    .resolved_periods
                    .iter()
                    .map(|(a, b)| (utc(a), utc(b)))
                    .collect(),
            );
            schedule
                .due(utc(&state.now), cadence_target(config, told, contract))
                .map(stamp)
        }
    };
    due.filter(|d| *d > state.now)
}

/// The client whose people an update reached: the one it was written to, or the
/// incident's only client when it was recorded (the client's audiences only).
fn reader_client<'s>(
    state: &'s State,
    u: &'s state::UpdateMark,
    audience: Audience,
) -> Option<&'s str> {
    if let Some(key) = u.client.as_deref() {
        return Some(key);
    }
    if !audience.is_external() {
        return None;
    }
    let mut then = state
        .clients
        .iter()
        .filter(|c| c.since <= u.at && c.removed.is_none_or(|r| r > u.at));
    match (then.next(), then.next()) {
        (Some(c), None) => Some(c.client.as_str()),
        _ => None,
    }
}

/// A moment in the timeline: when, and the entry's index in file order.
type Mark = (Instant, usize);

/// What the state says, in the shape the rules need.
struct Facts<'a> {
    config: &'a Config,
    incident: &'a Incident,
    now: Instant,
    /// When the clocks start (the report, unless `sla.start` says otherwise).
    reported: Instant,
    accepted: Option<Mark>,
    rejected: Option<Mark>,
    /// The last resolve, unless a reopen followed it.
    resolved: Option<Mark>,
    closed: Option<Instant>,
    holds: Vec<(Instant, Instant)>,
    /// Resolved, then reopened: the clocks stop in between.
    resolved_periods: Vec<(Instant, Instant)>,
    schedule: Schedule,
    state: &'a State,
    /// Whose contract the targets and calendars are: the incident's only client, or
    /// one of several (then `per_client` is set and clocks carry its key).
    client: Option<&'a str>,
    per_client: bool,
    /// The client's restore stops here: it was restored before the incident.
    client_restored: Option<Instant>,
    /// Time the client's service was back before it was affected again.
    client_pauses: Vec<(Instant, Instant)>,
}

fn utc(t: &Timestamp) -> Instant {
    t.to_utc()
}

fn stamp(t: Instant) -> Timestamp {
    t.fixed_offset()
}

fn mark((at, i): (Timestamp, usize)) -> Mark {
    (utc(&at), i)
}

impl<'a> Facts<'a> {
    fn new(config: &'a Config, incident: &'a Incident, state: &'a State) -> Facts<'a> {
        Facts {
            config,
            incident,
            now: utc(&state.now),
            reported: utc(&state.clocks_start),
            accepted: state.accepted.map(mark),
            rejected: state.rejected.map(mark),
            resolved: state.resolution.as_ref().map(|r| (utc(&r.at), r.entry)),
            closed: state.closed.map(|(at, _)| utc(&at)),
            holds: state
                .holds
                .iter()
                .map(|h| (utc(&h.from), h.until.as_ref().map_or(NEVER, utc)))
                .collect(),
            resolved_periods: state
                .resolved_periods
                .iter()
                .map(|(a, b)| (utc(a), utc(b)))
                .collect(),
            schedule: schedule(config, state),
            state,
            client: state.sole_client(),
            per_client: false,
            client_restored: None,
            client_pauses: Vec::new(),
        }
    }

    /// The same facts as one affected client's contract sees them: from when it was
    /// affected, in its calendars, with its targets, until it was restored.
    fn for_client(&self, c: &'a state::AffectedClient) -> Facts<'a> {
        let since = utc(&c.since).max(self.reported);
        let restored = c.restored().map(|at| utc(&at));
        let client_pauses = c
            .restored_periods
            .iter()
            .filter_map(|(from, until)| Some((utc(from), utc(until.as_ref()?))))
            .collect();
        Facts {
            config: self.config,
            incident: self.incident,
            now: self.now,
            reported: since,
            accepted: self.accepted.map(|(at, i)| (at.max(since), i)),
            rejected: self.rejected.map(|(at, i)| (at.max(since), i)),
            resolved: self.resolved,
            closed: self.closed,
            holds: self.holds.clone(),
            resolved_periods: self.resolved_periods.clone(),
            schedule: schedule_for(self.config, self.state, Some(&c.client)),
            state: self.state,
            client: Some(&c.client),
            per_client: true,
            client_restored: restored,
            client_pauses,
        }
    }

    /// The targets of `priority` under the contract these facts follow.
    fn targets(&self, priority: &str) -> Option<std::borrow::Cow<'a, PriorityTargets>> {
        self.config.client_targets(priority, self.client)
    }

    /// The key clocks and findings carry: the client's, on an incident of several.
    fn tag(&self) -> Option<String> {
        self.client.filter(|_| self.per_client).map(str::to_string)
    }

    /// `restore target` or, for one of several clients, `restore target for Acme Corp`.
    fn subject(&self, what: &str) -> String {
        match self.client.filter(|_| self.per_client) {
            Some(key) => format!("{what} for {}", self.config.client_name(key)),
            None => what.to_string(),
        }
    }

    /// When the incident stopped being worked on: resolved or rejected.
    fn ended(&self) -> Option<Instant> {
        self.resolved.or(self.rejected).map(|(at, _)| at)
    }

    /// Whether `at` falls while the incident was resolved, before a reopen.
    fn in_resolved_period(&self, at: Instant) -> bool {
        self.resolved_periods
            .iter()
            .any(|(from, until)| *from < at && at < *until)
    }

    fn restore_pauses(&self) -> Vec<(Instant, Instant)> {
        let mut pauses = self.holds.clone();
        pauses.extend(&self.resolved_periods);
        pauses
    }

    fn show(&self, t: Instant) -> String {
        time::display(&stamp(t), self.config.tz())
    }

    /// Evaluate one clock and add it, with its finding, to `out`.
    fn clock(&self, c: ClockSpec<'_>, out: &mut Evaluation) {
        let due = c.schedule.due(c.start, &c.target);
        let end = c.stop.map_or(self.now, |s| s.at);
        let in_force = c.target(c.schedule.segment_at(end));
        let Some(target) = in_force.or_else(|| due.and(Some(Duration::ZERO))) else {
            return;
        };
        let elapsed = c.schedule.elapsed(c.start, end, |s| c.target(s).is_some());
        let state = match (c.stop, due) {
            (Some(stop), Some(due)) if stop.at > due => ClockState::Breached,
            (Some(_), _) => ClockState::Met,
            (None, Some(due)) if self.now > due => ClockState::Breached,
            (None, _) if c.schedule.paused_at(self.now) => ClockState::Paused,
            (None, _) if target.secs() > 0 && elapsed >= target.scaled(self.config.at_risk) => {
                ClockState::AtRisk
            }
            (None, _) => ClockState::Running,
        };
        let finding = match state {
            ClockState::Breached => Some(Level::Breach),
            ClockState::AtRisk => Some(Level::AtRisk),
            _ => None,
        };
        if let (Some(level), Some(due)) = (finding, due) {
            let actual = c.stop.filter(|s| s.happened).map(|s| s.at);
            let overdue = (level == Level::Breach).then(|| (end - due).num_seconds());
            let message = self.message(&c, target, level, due, actual, end);
            out.findings.push(Finding {
                incident: self.incident.id.clone(),
                rule: c.rule,
                name: c.name.clone(),
                client: self.tag(),
                level,
                message,
                anchor: c.anchor.clone(),
                due: Some(stamp(due)),
                actual: actual.map(stamp),
                overdue_by: overdue,
            });
        }
        out.clocks.push(Clock {
            rule: c.rule,
            name: c.name,
            client: self.tag(),
            target,
            elapsed,
            started: stamp(c.start),
            due: due.map(stamp),
            stopped: c.stop.map(|s| stamp(s.at)),
            state,
        });
    }

    fn message(
        &self,
        c: &ClockSpec<'_>,
        target: Duration,
        level: Level,
        due: Instant,
        actual: Option<Instant>,
        end: Instant,
    ) -> String {
        let priority = c.schedule.priority_at(end);
        let head = if c.rule == Rule::PirAction {
            // Its target is only the span from adding it to its due day: say nothing of it.
            c.subject.clone()
        } else if priority.is_empty() {
            format!("{} ({target})", c.subject)
        } else {
            format!("{} ({priority}, {target})", c.subject)
        };
        let late = |to: Instant| Duration::from(to - due).human();
        // An action item is due on a day: show that day, not the midnight that ends it.
        let show_due = |due: Instant| {
            if c.rule == Rule::PirAction {
                stamp(due - chrono::TimeDelta::seconds(1))
                    .with_timezone(&self.config.tz())
                    .date_naive()
                    .to_string()
            } else {
                self.show(due)
            }
        };
        match (level, actual) {
            (Level::AtRisk, _) => format!(
                "{head}: {}, due {} (in {})",
                c.pending,
                show_due(due),
                Duration::from(due - self.now).human()
            ),
            (_, Some(at)) => format!(
                "{head}: {} {} late, at {}; it was due {}",
                c.done,
                late(at),
                self.show(at),
                show_due(due)
            ),
            (_, None) => match c.stop {
                Some(stop) => format!(
                    "{head}: {} when it was {} at {}, {} after it was due ({})",
                    c.pending,
                    if self.client_restored == Some(stop.at) {
                        "restored"
                    } else if self.resolved.is_some() {
                        "resolved"
                    } else if self.closed.is_some() {
                        "closed"
                    } else {
                        "rejected"
                    },
                    self.show(stop.at),
                    late(stop.at),
                    show_due(due)
                ),
                None => format!(
                    "{head}: {}, overdue by {} (due {})",
                    c.pending,
                    late(self.now),
                    show_due(due)
                ),
            },
        }
    }

    /// Every "next update by" a message promised where no cadence clock holds us to it
    /// (see [`Rule::Promise`]): due at the promised time, wall clock; kept by the next
    /// message to the same reader (an update, or its restoral notice), or moot once the
    /// incident is closed.
    fn promises(&self, out: &mut Evaluation) {
        let state = self.state;
        for u in &state.updates {
            let (Some(due), Some(audience)) = (u.next_by, Audience::parse(&u.audience)) else {
                continue;
            };
            let client = reader_client(state, u, audience);
            if self.cadence_holds(u, audience, client, due) {
                continue;
            }
            // Kept by the next message to the same reader: an update, or a restoral
            // notice written to it (its own early restoration, or a resolve while its
            // service was not back on its own), even if a reopen came later: the
            // notice was its next message.
            let next = state
                .updates_for(audience, client)
                .filter(|o| o.audience == u.audience && o.entry != u.entry && o.at >= u.at)
                .map(|o| o.at);
            let back_then = |t: Timestamp| {
                client
                    .and_then(|k| state.affected_client(k))
                    .is_some_and(|c| {
                        c.restored_periods
                            .iter()
                            .any(|(from, until)| *from <= t && until.is_none_or(|u| t < u))
                    })
            };
            let resolves = state
                .resolutions
                .iter()
                .filter(|r| !back_then(r.at))
                .map(|r| r.at);
            let own = state
                .client_restorals
                .iter()
                .filter(|r| client == Some(r.client.as_str()))
                .map(|r| r.at);
            let kept = next
                .chain(resolves)
                .chain(own)
                .filter(|at| *at >= u.at)
                .min();
            // Moot once the incident is closed, or its client taken off.
            let removed = client
                .and_then(|k| state.clients.iter().rfind(|c| c.client == k))
                .and_then(|c| c.removed);
            let ended = state
                .closed
                .map(|(at, _)| at)
                .into_iter()
                .chain(removed)
                .min();
            let stop = match (kept, ended) {
                (Some(k), Some(e)) => Some(k.min(e)),
                (k, e) => k.or(e),
            };
            let kept = kept.filter(|k| ended.is_none_or(|e| *k <= e));
            self.promise(u, audience, due, kept, stop, out);
        }
    }

    /// Whether the cadence clock of the update's reader already holds us to `due`: the
    /// update was to internal or the client, by the cadence (not `--next`, not a
    /// monitoring update, its client not restored), and the gap it starts is due at that
    /// very time. Otherwise (the cadence changed since, say) the promise is a clock.
    fn cadence_holds(
        &self,
        u: &state::UpdateMark,
        audience: Audience,
        client: Option<&str>,
        due: Timestamp,
    ) -> bool {
        let restored = client
            .and_then(|key| self.state.affected_client(key))
            .and_then(|c| c.restored())
            .is_some_and(|at| at <= u.at);
        if !matches!(audience, Audience::Internal | Audience::Client)
            || u.next_given
            || u.monitoring
            || restored
        {
            return false;
        }
        let contract = match audience {
            Audience::Client => client.or(self.state.sole_client()),
            _ => self.state.sole_client(),
        };
        let schedule = schedule_for(self.config, self.state, contract)
            .with_pauses(self.resolved_periods.clone());
        schedule.due(utc(&u.at), cadence_target(self.config, audience, contract)) == Some(utc(&due))
    }

    fn promise(
        &self,
        u: &state::UpdateMark,
        audience: Audience,
        due: Timestamp,
        kept: Option<Timestamp>,
        stop: Option<Timestamp>,
        out: &mut Evaluation,
    ) {
        let (start, due_i) = (utc(&u.at), utc(&due));
        let end = stop.map_or(self.now, |s| utc(&s));
        let target = Duration::from(due_i - start);
        let elapsed = Duration::from(end - start).max(Duration::ZERO);
        let clock_state = match stop {
            Some(s) if utc(&s) > due_i => ClockState::Breached,
            Some(_) => ClockState::Met,
            None if self.now > due_i => ClockState::Breached,
            None if target.secs() > 0 && elapsed >= target.scaled(self.config.at_risk) => {
                ClockState::AtRisk
            }
            None => ClockState::Running,
        };
        // The reader, as a message's name has it: `client-management+acme`.
        let label = match &u.client {
            Some(key) if audience.is_external() => format!("{audience}+{key}"),
            _ => audience.to_string(),
        };
        let head = self.promise_head(u, audience, due_i);
        let level = match clock_state {
            ClockState::Breached => Some(Level::Breach),
            ClockState::AtRisk => Some(Level::AtRisk),
            _ => None,
        };
        if let Some(level) = level {
            let message = self.promise_message(&head, level, kept, due_i, end);
            out.findings.push(Finding {
                incident: self.incident.id.clone(),
                rule: Rule::Promise,
                name: Some(label.clone()),
                client: u.client.clone(),
                level,
                message,
                anchor: Anchor::Entry(u.entry),
                due: Some(due),
                actual: kept,
                overdue_by: (level == Level::Breach).then(|| (end - due_i).num_seconds()),
            });
        }
        out.clocks.push(Clock {
            rule: Rule::Promise,
            name: Some(label.clone()),
            client: u.client.clone(),
            target,
            elapsed,
            started: u.at,
            due: Some(due),
            stopped: stop,
            state: clock_state,
        });
    }

    /// `next update promised to ACME Corp management by 10:15 CET (update 3)`.
    fn promise_head(&self, u: &state::UpdateMark, audience: Audience, due: Instant) -> String {
        let who = match (audience, u.client.as_deref().or(self.state.sole_client())) {
            (Audience::Client, Some(key)) => self.config.client_name(key),
            (Audience::ClientManagement, Some(key)) => {
                format!("{} management", self.config.client_name(key))
            }
            (audience, _) => audience.to_string(),
        };
        format!(
            "next update promised to {who} by {} (update {})",
            self.show(due),
            u.number
        )
    }

    /// What a promise at risk or broken says after its `head`.
    fn promise_message(
        &self,
        head: &str,
        level: Level,
        kept: Option<Timestamp>,
        due_i: Instant,
        end: Instant,
    ) -> String {
        match (level, kept) {
            (Level::AtRisk, _) => format!(
                "{head}: nothing sent yet (due in {})",
                Duration::from(due_i - self.now).human()
            ),
            (_, Some(at)) => format!(
                "{head}: sent {} late, at {}",
                Duration::from(utc(&at) - due_i).human(),
                self.show(utc(&at))
            ),
            (_, None) => format!(
                "{head}: nothing sent, overdue by {}",
                Duration::from(end - due_i).human()
            ),
        }
    }

    fn respond(&self, out: &mut Evaluation) {
        let stop = self.accepted.or(self.rejected);
        let target = |s: &Segment| self.targets(&s.priority).map(|t| t.respond);
        self.clock(
            ClockSpec {
                rule: Rule::Respond,
                name: None,
                subject: self.subject("respond target"),
                done: "accepted".into(),
                pending: "not accepted yet".into(),
                start: self.reported,
                stop: stop.map(Stop::done),
                schedule: &self.schedule,
                target: Box::new(target),
                anchor: anchor(stop),
            },
            out,
        );
    }

    fn restore(&self, out: &mut Evaluation) {
        let mut pauses = self.restore_pauses();
        pauses.extend(&self.client_pauses);
        let schedule = self.schedule.with_pauses(pauses);
        let target = |s: &Segment| self.targets(&s.priority).map(|t| t.restore);
        let (stop, done, pending) = match (self.client_restored, self.per_client) {
            (Some(at), _) => (Some(Stop { at, happened: true }), "restored", ""),
            (None, true) => (
                self.resolved.map(Stop::done),
                "restored",
                "not restored yet",
            ),
            (None, false) => (
                self.resolved.map(Stop::done),
                "resolved",
                "not resolved yet",
            ),
        };
        self.clock(
            ClockSpec {
                rule: Rule::Restore,
                name: None,
                subject: self.subject("restore target"),
                done: done.into(),
                pending: pending.into(),
                start: self.reported,
                stop,
                schedule: &schedule,
                target: Box::new(target),
                anchor: anchor(self.resolved),
            },
            out,
        );
    }

    fn updates(&self, audience: Audience, out: &mut Evaluation) {
        let (rule, word) = match audience {
            Audience::Client => (Rule::UpdateClient, "client"),
            _ => (Rule::UpdateInternal, "internal"),
        };
        let schedule = self.schedule.with_pauses(self.resolved_periods.clone());
        let cadence = cadence_target(self.config, audience, self.client);
        // A client restored before the others has had its restoral notice: its
        // client-update clock stops there.
        let end = match (audience, self.client_restored) {
            (Audience::Client, Some(at)) => Some(self.ended().map_or(at, |e| e.min(at))),
            _ => self.ended(),
        };
        let reached: Vec<&state::UpdateMark> = match (audience, self.client) {
            (Audience::Client, Some(key)) => self
                .state
                .updates_for(Audience::Client, Some(key))
                .collect(),
            _ => self.state.updates_to(audience).collect(),
        };
        let updates: Vec<Mark> = reached
            .into_iter()
            .map(|u| (utc(&u.at), u.entry))
            .filter(|(at, _)| end.is_none_or(|end| *at <= end))
            .filter(|(at, _)| !self.in_resolved_period(*at))
            .collect();
        let mut gaps = Evaluation::default();
        let mut last: Option<Mark> = None;
        let mut breached = false;
        for &(at, i) in &updates {
            let start = last.map_or(self.reported, |(t, _)| t);
            let mut gap = Evaluation::default();
            self.clock(
                self.update_spec(
                    rule,
                    word,
                    start,
                    Some(Stop::done((at, i))),
                    &schedule,
                    &cadence,
                    Anchor::Entry(i),
                ),
                &mut gap,
            );
            breached |= gap.clocks.iter().any(|c| c.state == ClockState::Breached);
            gaps.findings.extend(gap.findings);
            last = Some((at, i));
        }
        let start = last.map_or(self.reported, |(t, _)| t);
        let stop = end.map(|at| Stop {
            at,
            happened: false,
        });
        let mut current = Evaluation::default();
        let mut spec = self.update_spec(rule, word, start, stop, &schedule, &cadence, anchor(last));
        if last.is_none() {
            let since = if start > utc(&self.state.clocks_start) {
                "affected"
            } else {
                "reported"
            };
            spec.pending = format!("no {word} update yet ({since} {})", self.show(start));
        }
        self.clock(spec, &mut current);
        out.findings.extend(gaps.findings);
        out.findings.extend(current.findings);
        for mut clock in current.clocks {
            if breached {
                clock.state = ClockState::Breached;
            }
            out.clocks.push(clock);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn update_spec<'s>(
        &self,
        rule: Rule,
        word: &str,
        start: Instant,
        stop: Option<Stop>,
        schedule: &'s Schedule,
        cadence: &'s dyn Fn(&Segment) -> Option<Duration>,
        anchor: Anchor,
    ) -> ClockSpec<'s> {
        ClockSpec {
            rule,
            name: None,
            subject: self.subject(&format!("{word} update cadence")),
            done: format!("{word} update sent"),
            // Only a clock still waiting for its update says what is pending (a stopped
            // one says what was done): not formatted for each of a long incident's updates.
            pending: match stop {
                Some(s) if s.happened => String::new(),
                _ => format!("no {word} update since {}", self.show(start)),
            },
            start,
            stop,
            schedule,
            target: Box::new(cadence),
            anchor,
        }
    }

    fn escalations(&self, out: &mut Evaluation) {
        let levels = self.levels();
        if levels.is_empty() {
            return;
        }
        let mut covered: Vec<Option<Mark>> = vec![None; levels.len()];
        for (i, e) in &self.state.escalations {
            let i = *i;
            if e.kind == EscalationKind::Management {
                let level = &e.level;
                let slot = match level {
                    Some(name) => levels.iter().position(|l| &l.notify == name),
                    None => covered.iter().position(Option::is_none),
                };
                if let Some(slot) = slot
                    && covered[slot].is_none()
                {
                    covered[slot] = Some((utc(&e.at), i));
                }
            }
        }
        let schedule = self.schedule.with_pauses(self.restore_pauses());
        for (level, covered) in levels.iter().zip(covered) {
            let at = level.at;
            let target = move |s: &Segment| self.targets(&s.priority).map(|t| at.of(t.restore));
            let stop = match (covered, self.ended()) {
                (Some(mark), _) => Some(Stop::done(mark)),
                (None, Some(end)) => Some(Stop {
                    at: end,
                    happened: false,
                }),
                (None, None) => None,
            };
            self.clock(
                ClockSpec {
                    rule: Rule::Escalation,
                    name: Some(level.notify.clone()),
                    subject: format!("escalation to {} at {}", level.notify, level.at),
                    done: "escalated".into(),
                    pending: format!(
                        "{} not told yet (mim escalate --kind management)",
                        level.notify
                    ),
                    start: self.reported,
                    stop,
                    schedule: &schedule,
                    target: Box::new(target),
                    anchor: anchor(covered),
                },
                out,
            );
        }
    }

    /// The hierarchic levels, lowest threshold first (for the incident's declared priority).
    fn levels(&self) -> Vec<&'a HierarchicLevel> {
        let mut levels: Vec<&HierarchicLevel> = self.config.escalation.hierarchic.iter().collect();
        let restore = self
            .config
            .targets(&self.incident.record.priority)
            .map_or(Duration::ZERO, |t| t.restore);
        levels.sort_by_key(|l| l.at.of(restore));
        levels
    }

    fn pir(&self, pir: &PirFacts, out: &mut Evaluation) {
        let Some((resolved, resolve_entry)) = self.resolved else {
            return;
        };
        let priority = self.schedule.priority_at(resolved).to_string();
        let required = self
            .config
            .targets(&priority)
            .is_some_and(|t| t.pir == PirRequirement::Required);
        let closed = self.closed;
        // PIR deadlines run around the clock, whatever the priority's calendar.
        let always = Schedule::always(chrono::DateTime::<chrono::Utc>::MIN_UTC);
        if required {
            let started = pir.started.filter(|(at, _)| utc(at) <= self.now);
            let stop = match (started, closed) {
                (Some((at, i)), _) => Some(Stop::done((utc(&at), i))),
                (None, Some(at)) => Some(Stop {
                    at,
                    happened: false,
                }),
                _ => None,
            };
            let within = self.config.pir.start_within;
            self.clock(
                ClockSpec {
                    rule: Rule::PirStart,
                    name: None,
                    subject: "PIR start".into(),
                    done: "PIR started".into(),
                    pending: "PIR not started yet (mim pir start)".into(),
                    start: resolved,
                    stop,
                    schedule: &always,
                    target: Box::new(move |_: &Segment| Some(within)),
                    anchor: Anchor::Entry(started.map_or(resolve_entry, |(_, i)| i)),
                },
                out,
            );
        }
        for action in &pir.actions {
            if utc(&action.created) > self.now {
                continue;
            }
            let target = Duration::from(action.due - action.created);
            let done = action.done.filter(|at| utc(at) <= self.now);
            self.clock(
                ClockSpec {
                    rule: Rule::PirAction,
                    name: Some(action.id.clone()),
                    subject: format!("PIR action {}", action.id),
                    done: "done".into(),
                    pending: "still open (mim pir action done)".into(),
                    start: utc(&action.created),
                    stop: done.map(|at| Stop {
                        at: utc(&at),
                        happened: true,
                    }),
                    schedule: &always,
                    target: Box::new(move |_: &Segment| Some(target)),
                    anchor: Anchor::Entry(action.entry),
                },
                out,
            );
        }
    }
}

/// The anchor for a clock that stopped at a timeline entry, or the report time.
fn anchor(mark: Option<Mark>) -> Anchor {
    mark.map_or(Anchor::Record("reported"), |(_, i)| Anchor::Entry(i))
}

#[derive(Clone, Copy, Debug)]
struct Stop {
    at: Instant,
    /// The awaited thing happened (accepted, resolved, …) rather than the incident ending.
    happened: bool,
}

impl Stop {
    fn done((at, _): Mark) -> Stop {
        Stop { at, happened: true }
    }
}

/// A clock's target for what is in force in a segment.
type Target<'s> = Box<dyn Fn(&Segment) -> Option<Duration> + 's>;

struct ClockSpec<'s> {
    rule: Rule,
    name: Option<String>,
    /// `respond target`, `internal update cadence`, …
    subject: String,
    /// What happened when the clock stopped: `accepted`, `resolved`, …
    done: String,
    /// What has not happened while it runs: `not accepted yet`, …
    pending: String,
    start: Instant,
    stop: Option<Stop>,
    schedule: &'s Schedule,
    target: Target<'s>,
    anchor: Anchor,
}

impl ClockSpec<'_> {
    fn target(&self, segment: &Segment) -> Option<Duration> {
        (self.target)(segment)
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
