//! Service level arithmetic: which targets are in force when, SLA clocks and findings.
//! Durations live in [`crate::units`], business-hours calendars in [`crate::calendar`].

pub mod clock;
pub mod durations;
pub mod engine;
pub mod figures;
pub mod inputs;
pub mod regulatory;
pub mod schedule;

pub use clock::{Anchor, Clock, ClockState, Finding, Level, Rule};
pub use engine::evaluate_state;
