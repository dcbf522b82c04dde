//! Service level arithmetic: durations, business-hours calendars, SLA clocks and findings.

pub mod calendar;
pub mod duration;

pub use calendar::{BusinessHours, Calendar};
pub use duration::{Duration, Percent};
