//! Service level arithmetic: durations, business-hours calendars, SLA clocks and findings.

pub mod duration;

pub use duration::{Duration, Percent};
