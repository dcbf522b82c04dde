//! The one error policy: every failure is printed once, here, and mapped to the exit
//! code contract — 0 ok, 1 findings or a refused command, 2 usage or configuration.
//! Commands return errors; none prints its own or picks its own exit code.

/// A run whose findings are printed already: exit with this code (1).
#[derive(Debug)]
pub struct Exit(pub u8);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0)
    }
}

impl std::error::Error for Exit {}

/// A mistake in how mim was called (a bad `--at`, `MIM_NOW`, a value out of range):
/// exit code 2.
#[derive(Debug)]
pub struct UsageError(pub anyhow::Error);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl std::error::Error for UsageError {}

/// Some incidents could not be read, so output that lists incidents is incomplete:
/// every problem is printed, then `what` (exit code 1).
#[derive(Debug)]
pub struct Incomplete {
    pub problems: Vec<crate::diag::Diagnostic>,
    pub what: &'static str,
}

impl std::fmt::Display for Incomplete {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.what)
    }
}

impl std::error::Error for Incomplete {}

/// Print an error once, as `error: …` (every diagnostic on its own line), and choose the
/// exit code: 2 for usage and configuration problems, 1 for everything else.
pub fn report(err: &anyhow::Error) -> u8 {
    if let Some(Exit(code)) = err.downcast_ref() {
        return *code;
    }
    if let Some(Incomplete { problems, what }) = err.downcast_ref() {
        for d in problems {
            eprintln!("error: {}", crate::text::for_terminal(&d.to_string()));
        }
        eprintln!("error: {what}");
        return 1;
    }
    if let Some(diags) = err.downcast_ref::<crate::diag::Diagnostics>() {
        for d in &diags.0 {
            eprintln!("error: {}", crate::text::for_terminal(&d.to_string()));
        }
        return 1;
    }
    if let Some(crate::config::ConfigError(diags)) = err.downcast_ref() {
        for d in &diags.0 {
            eprintln!("error: {}", crate::text::for_terminal(&d.to_string()));
        }
        return 2;
    }
    eprintln!("error: {}", crate::text::for_terminal(&format!("{err:#}")));
    let usage = err.downcast_ref::<crate::repo::NotARepository>().is_some()
        || err.downcast_ref::<UsageError>().is_some();
    if usage { 2 } else { 1 }
}
