//! Fault injection for the crash tests: `MIM_FAULT=<point>` makes mim kill itself
//! (SIGKILL) at that point of a mutation, as a process killed from outside would stop.

/// Stop the process here, abruptly, if `MIM_FAULT` names this point (tests only).
pub fn fault(point: &str) {
    static FAULT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let wanted = FAULT.get_or_init(|| std::env::var("MIM_FAULT").ok().filter(|s| !s.is_empty()));
    if wanted.as_deref() == Some(point) {
        kill_self();
    }
}

#[cfg(unix)]
fn kill_self() {
    // SAFETY: sending a signal to ourselves; SIGKILL cannot be caught, so nothing runs
    // after it, exactly like a process killed from outside.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
    std::process::abort();
}

#[cfg(not(unix))]
fn kill_self() {
    std::process::abort();
}
