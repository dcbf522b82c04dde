//! Inline SVG charts for the HTML report. Every data point is one element with
//! `class="mark"` and a `<title>` (a tooltip on screen, a label for screen readers).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{NaiveDate, Weekday};

use crate::render::markdown::escape;
use crate::units::Duration;

use super::{IncidentRow, WeekCount};

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 48.0;

fn plot_w() -> f64 {
    WIDTH - LEFT - RIGHT
}

fn plot_h() -> f64 {
    HEIGHT - TOP - BOTTOM
}

/// The colour of a priority: the first five are fixed, later ones cycle.
pub fn colour(index: usize) -> &'static str {
    const PALETTE: [&str; 7] = [
        "#b42318", "#e8590c", "#d4a20b", "#2f6fde", "#6b7280", "#7c3aed", "#0f766e",
    ];
    PALETTE[index % PALETTE.len()]
}

fn open(label: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         width=\"100%\" role=\"img\" aria-label=\"{}\" font-family=\"sans-serif\" font-size=\"11\">\n",
        escape(label)
    )
}

fn empty(label: &str, message: &str) -> String {
    format!(
        "{}<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#57606a\">{}</text>\n</svg>\n",
        open(label),
        WIDTH / 2.0,
        HEIGHT / 2.0,
        escape(message)
    )
}

/// A y axis from 0 to `max` with gridlines at `ticks`, labelled by `label`.
fn y_axis(out: &mut String, max: f64, ticks: &[f64], label: impl Fn(f64) -> String) {
    for &t in ticks {
        let y = y_of(t, max);
        let _ = writeln!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#d0d7de\" stroke-width=\"1\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#57606a\">{}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            escape(&label(t))
        );
    }
}

fn y_of(value: f64, max: f64) -> f64 {
    TOP + plot_h() * (1.0 - value / max)
}

/// A "nice" maximum and tick step for counts up to `max`.
fn count_ticks(max: usize) -> (f64, Vec<f64>) {
    let max = max.max(1);
    let step = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
        .into_iter()
        .find(|s| max / s <= 5)
        .unwrap_or(max.div_ceil(5));
    let top = max.div_ceil(step) * step;
    (
        top as f64,
        (0..=top / step).map(|i| (i * step) as f64).collect(),
    )
}

fn legend(out: &mut String, items: &[(String, &str)]) {
    let mut x = LEFT;
    let y = HEIGHT - 12.0;
    for (name, colour) in items {
        let _ = writeln!(
            out,
            "<rect class=\"legend\" x=\"{x:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{colour}\"/>\
             <text x=\"{:.1}\" y=\"{y:.1}\" fill=\"#1f2328\">{}</text>",
            y - 9.0,
            x + 14.0,
            escape(name)
        );
        x += 24.0 + 7.0 * name.chars().count() as f64;
    }
}

/// Weeks from the first to the last counted one, gaps included.
fn week_range(counts: &[WeekCount]) -> Vec<String> {
    let parse = |w: &str| {
        let (year, week) = w.split_once("-W")?;
        NaiveDate::from_isoywd_opt(year.parse().ok()?, week.parse().ok()?, Weekday::Mon)
    };
    let mondays: Vec<NaiveDate> = counts.iter().filter_map(|c| parse(&c.week)).collect();
    let (Some(first), Some(last)) = (mondays.iter().min(), mondays.iter().max()) else {
        return Vec::new();
    };
    let mut weeks = Vec::new();
    let mut day = *first;
    while day <= *last {
        weeks.push(super::iso_week(&day));
        day += chrono::TimeDelta::days(7);
    }
    weeks
}

/// Incidents per week, one stacked bar per week, one segment (mark) per priority with incidents.
pub fn per_week(counts: &[WeekCount], priorities: &[String]) -> String {
    let label = "Incidents per week by priority";
    let weeks = week_range(counts);
    if weeks.is_empty() {
        return empty(label, "No incidents");
    }
    let mut by_week: BTreeMap<&str, Vec<&WeekCount>> = BTreeMap::new();
    for c in counts {
        by_week.entry(&c.week).or_default().push(c);
    }
    let max = by_week
        .values()
        .map(|v| v.iter().map(|c| c.count).sum::<usize>())
        .max()
        .unwrap_or(1);
    let (top, ticks) = count_ticks(max);
    let mut out = open(label);
    y_axis(&mut out, top, &ticks, |t| format!("{t}"));
    let slot = plot_w() / weeks.len() as f64;
    let bar = (slot * 0.7).min(48.0);
    let label_every = weeks.len().div_ceil(12);
    let rank = |p: &str| priorities.iter().position(|q| q == p).unwrap_or(usize::MAX);
    for (i, week) in weeks.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let mut segments = by_week.get(week.as_str()).cloned().unwrap_or_default();
        segments.sort_by_key(|c| rank(&c.priority));
        let mut base = 0usize;
        for c in segments {
            let y_top = y_of((base + c.count) as f64, top);
            let y_bottom = y_of(base as f64, top);
            let _ = writeln!(
                out,
                "<rect class=\"mark\" x=\"{x:.1}\" y=\"{y_top:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" fill=\"{}\">\
                 <title>{}: {} {}</title></rect>",
                y_bottom - y_top,
                colour(rank(&c.priority).min(priorities.len())),
                escape(week),
                c.count,
                escape(&c.priority)
            );
            base += c.count;
        }
        if i % label_every == 0 {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#57606a\">{}</text>",
                x + bar / 2.0,
                HEIGHT - BOTTOM + 14.0,
                escape(week)
            );
        }
    }
    let items: Vec<(String, &str)> = priorities
        .iter()
        .enumerate()
        .filter(|(_, p)| counts.iter().any(|c| &c.priority == *p))
        .map(|(i, p)| (p.clone(), colour(i)))
        .collect();
    legend(&mut out, &items);
    out.push_str("</svg>\n");
    out
}

/// Restore time as a share of the target, one dot (mark) per incident with a restore
/// target, in the order reported: a filled dot per restored incident, a hollow one for an
/// incident not restored yet (its clock so far); the line at 100% is the target.
pub fn restore_vs_target(list: &[IncidentRow]) -> String {
    let label = "Restore time against target per incident";
    let points: Vec<Point> = list.iter().filter_map(Point::of).collect();
    if points.is_empty() {
        return empty(label, "No incidents with a restore target");
    }
    let highest = points.iter().map(|p| p.pct).fold(100.0, f64::max);
    let top = ((highest / 50.0).ceil() * 50.0).max(150.0);
    let step = if top <= 300.0 {
        50.0
    } else {
        (top / 6.0 / 50.0).ceil() * 50.0
    };
    let ticks: Vec<f64> = (0..)
        .map(|i| i as f64 * step)
        .take_while(|t| *t <= top)
        .collect();
    let mut out = open(label);
    y_axis(&mut out, top, &ticks, |t| format!("{t}%"));
    let y100 = y_of(100.0, top);
    let _ = writeln!(
        out,
        "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y100:.1}\" y2=\"{y100:.1}\" stroke=\"#1f2328\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\
         <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#1f2328\">target</text>",
        WIDTH - RIGHT,
        WIDTH - RIGHT - 2.0,
        y100 - 4.0
    );
    let slot = plot_w() / points.len() as f64;
    let radius = (slot * 0.4).clamp(1.5, 5.0);
    for (i, p) in points.iter().enumerate() {
        let x = LEFT + slot * (i as f64 + 0.5);
        let y = y_of(p.pct.min(top), top);
        let colour = if p.pct <= 100.0 { "#1a7f37" } else { "#cf222e" };
        let paint = if p.restored {
            format!("fill=\"{colour}\"")
        } else {
            format!("fill=\"#ffffff\" stroke=\"{colour}\" stroke-width=\"2\"")
        };
        let _ = writeln!(
            out,
            "<circle class=\"mark\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{radius:.1}\" {paint}>\
             <title>{}</title></circle>",
            escape(&p.text(&p.row.id)),
        );
        // A label beside every dot, for paper and for readers who do not hover: its
        // number in the key under the chart (see [`restore_key`]) and the share; where the
        // dots are too close for labels not to cover each other, the key alone says it.
        if slot < MIN_LABEL_SLOT {
            continue;
        }
        let _ = writeln!(
            out,
            "<text class=\"label\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#1f2328\" font-size=\"10\">{} · {:.0}%</text>",
            (y - radius - 4.0).max(TOP + 8.0),
            i + 1,
            p.pct
        );
    }
    legend(
        &mut out,
        &[
            ("within target".to_string(), "#1a7f37"),
            ("over target".to_string(), "#cf222e"),
            ("hollow: not restored yet".to_string(), "#ffffff"),
        ],
    );
    out.push_str("</svg>\n");
    out
}

/// The narrowest slot per dot that still leaves room for its label (`12 · 100%`).
const MIN_LABEL_SLOT: f64 = 44.0;

/// One incident on the restore chart.
struct Point<'a> {
    row: &'a IncidentRow,
    /// Its restore clock (stopped, or so far), as a share of its target.
    pct: f64,
    restored: bool,
}

impl<'a> Point<'a> {
    fn of(row: &'a IncidentRow) -> Option<Point<'a>> {
        let target = row.restore_target_secs.filter(|t| *t > 0)?;
        let (used, restored) = match (row.restore_secs, row.restore_so_far_secs) {
            (Some(used), _) => (used, true),
            (None, Some(so_far)) => (so_far, false),
            (None, None) => return None,
        };
        Some(Point {
            row,
            pct: used as f64 * 100.0 / target as f64,
            restored,
        })
    }

    /// `ID (P1): restored in 2h of 4h (50%)`, or `… not restored yet: 14h so far of 4h`.
    fn text(&self, name: &str) -> String {
        let target = Duration::from_secs(self.row.restore_target_secs.unwrap_or(0));
        if self.restored {
            format!(
                "{name} ({}): restored in {} of {target} ({:.0}%)",
                self.row.priority,
                Duration::from_secs(self.row.restore_secs.unwrap_or(0)),
                self.pct
            )
        } else {
            format!(
                "{name} ({}): not restored yet, {} so far of {target} ({:.0}%)",
                self.row.priority,
                Duration::from_secs(self.row.restore_so_far_secs.unwrap_or(0)),
                self.pct
            )
        }
    }
}

/// The key of [`restore_vs_target`]'s labels, one line per dot in its order:
/// `(number, incident, text)`.
pub fn restore_key(list: &[IncidentRow]) -> Vec<(usize, String, String)> {
    list.iter()
        .filter_map(Point::of)
        .enumerate()
        .map(|(i, p)| (i + 1, p.row.id.clone(), p.text(&p.row.title)))
        .collect()
}

/// Every month from the first to the last of `months` (`YYYY-MM`), gaps included.
fn month_range(months: &[&str]) -> Vec<String> {
    let parse = |m: &str| -> Option<(i32, u32)> {
        let (y, n) = m.split_once('-')?;
        Some((y.parse().ok()?, n.parse().ok()?))
    };
    let parsed: Vec<(i32, u32)> = months.iter().filter_map(|m| parse(m)).collect();
    let (Some(&first), Some(&last)) = (parsed.iter().min(), parsed.iter().max()) else {
        return months.iter().map(|m| m.to_string()).collect();
    };
    if parsed.len() != months.len() {
        return months.iter().map(|m| m.to_string()).collect();
    }
    let mut out = Vec::new();
    let (mut y, mut n) = first;
    while (y, n) <= last {
        out.push(format!("{y:04}-{n:02}"));
        (y, n) = if n == 12 { (y + 1, 1) } else { (y, n + 1) };
    }
    out
}

/// One series of a line chart over months: `(month, percent, tooltip)`.
pub struct Series {
    pub name: String,
    pub points: Vec<(String, f64, String)>,
}

/// Compliance per month, one dot (mark) per month and clock, joined by a line per clock.
pub fn per_month(series: &[Series]) -> String {
    let label = "SLA compliance per month";
    let mut months: Vec<&str> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0.as_str()))
        .collect();
    months.sort_unstable();
    months.dedup();
    if months.is_empty() {
        return empty(label, "No finished SLA clocks");
    }
    // Months without data keep their place on the axis, and no line crosses them.
    let range = month_range(&months);
    let months: Vec<&str> = range.iter().map(String::as_str).collect();
    let mut out = open(label);
    let ticks = [0.0, 25.0, 50.0, 75.0, 100.0];
    y_axis(&mut out, 100.0, &ticks, |t| format!("{t}%"));
    let slot = plot_w() / months.len() as f64;
    let x_of = |m: &str| {
        let i = months.iter().position(|n| *n == m).unwrap_or(0);
        LEFT + slot * (i as f64 + 0.5)
    };
    for m in &months {
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#57606a\">{}</text>",
            x_of(m),
            HEIGHT - BOTTOM + 14.0,
            escape(m)
        );
    }
    let mut items = Vec::new();
    for (i, s) in series.iter().enumerate() {
        let c = colour(i + 3);
        for run in consecutive(&s.points, &months) {
            if run.len() < 2 {
                continue;
            }
            let path: Vec<String> = run
                .iter()
                .map(|(m, p, _)| format!("{:.1},{:.1}", x_of(m), y_of(*p, 100.0)))
                .collect();
            let _ = writeln!(
                out,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2\"/>",
                path.join(" ")
            );
        }
        for (m, p, tip) in &s.points {
            let _ = writeln!(
                out,
                "<circle class=\"mark\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4.5\" fill=\"{c}\"><title>{}</title></circle>",
                x_of(m),
                y_of(*p, 100.0),
                escape(tip)
            );
        }
        items.push((s.name.clone(), c));
    }
    legend(&mut out, &items);
    out.push_str("</svg>\n");
    out
}

/// `points` split where a month of `months` has no point: each run is joined by a line.
fn consecutive<'a>(
    points: &'a [(String, f64, String)],
    months: &[&str],
) -> Vec<Vec<&'a (String, f64, String)>> {
    let index = |m: &str| months.iter().position(|n| *n == m);
    let mut sorted: Vec<&(String, f64, String)> = points.iter().collect();
    sorted.sort_by_key(|p| index(&p.0));
    let mut runs: Vec<Vec<&(String, f64, String)>> = Vec::new();
    let mut last: Option<usize> = None;
    for p in sorted {
        let i = index(&p.0);
        match (last, i, runs.last_mut()) {
            (Some(l), Some(i), Some(run)) if i == l + 1 => run.push(p),
            _ => runs.push(vec![p]),
        }
        last = i;
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monthly_lines_do_not_cross_months_without_data() {
        let point = |m: &str| (m.to_string(), 50.0, String::new());
        let series = [Series {
            name: "respond".into(),
            points: vec![point("2026-09"), point("2026-10"), point("2027-01")],
        }];
        let chart = per_month(&series);
        assert_eq!(chart.matches("<polyline").count(), 1, "{chart}");
        assert_eq!(chart.matches("class=\"mark\"").count(), 3);
        for month in ["2026-11", "2026-12"] {
            assert!(
                chart.contains(&format!(">{month}</text>")),
                "{month} on the axis"
            );
        }
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(count_ticks(3), (3.0, vec![0.0, 1.0, 2.0, 3.0]));
        assert_eq!(count_ticks(7).0, 8.0);
        assert_eq!(count_ticks(0).0, 1.0);
    }

    #[test]
    fn weeks_without_incidents_are_kept() {
        let c = |week: &str| WeekCount {
            week: week.into(),
            priority: "P1".into(),
            count: 1,
        };
        assert_eq!(
            week_range(&[c("2026-W52"), c("2027-W02")]),
            ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]
        );
    }
}
