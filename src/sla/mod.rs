//! Service level arithmetic: durations, business-hours calendars, SLA clocks and findings.

pub mod calendar;
pub mod clock;
pub mod duration;
pub mod engine;
pub mod inputs;
pub mod schedule;

pub use calendar::{BusinessHours, Calendar};
pub use clock::{Anchor, Clock, ClockState, Finding, Level, Rule};
pub use duration::{Duration, Percent};
pub use engine::{Evaluation, clocks, evaluate, evaluate_state, evaluate_with, findings};
