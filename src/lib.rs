//! mim: major incident management, with incidents as files in a git repository.

pub mod render;
pub mod sla;
