//! `mim intake serve`: a small HTTP receiver for alert payloads, so Alertmanager,
//! Grafana and PagerDuty can post to mim directly.
//!
//! - `POST /alertmanager`, `/pagerduty`, `/generic` (or `/` and `/intake`: recognised by
//!   shape) take one payload; `GET /healthz` answers probes without a token.
//! - A request carries `Authorization: Bearer <MIM_INTAKE_TOKEN>`, or PagerDuty's
//!   `X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the body>` made with
//!   `MIM_INTAKE_PAGERDUTY_SECRET`; both are compared in constant time. Otherwise 401,
//!   and the body is not read.
//! - A body over `intake.max_payload` is refused with 413 (by its `Content-Length`
//!   before reading, else while reading).
//! - Requests are read on their own threads, but handled one at a time on the calling
//!   thread, each one transaction under the repository lock, like any command.
//! - Every response is JSON saying what was done (proposed, noted, ignored, refused);
//!   one line per request goes to standard error.
//! - SIGTERM and SIGINT stop it once the request in hand is handled: no transaction is
//!   left half done; requests read but not handled yet are answered 503.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;
use tiny_http::{Header, Method, Request, Response, Server};

use crate::intake::payload::Format;
use crate::intake::{Action, Outcome};

/// The environment variable holding the bearer token.
pub const TOKEN_ENV: &str = "MIM_INTAKE_TOKEN";
/// The environment variable holding PagerDuty's webhook signing secret.
pub const PAGERDUTY_SECRET_ENV: &str = "MIM_INTAKE_PAGERDUTY_SECRET";

/// How many requests may be read at once; more are answered 503 at once.
const READERS_MAX: usize = 64;
/// How often the loops look whether to stop.
const TICK: Duration = Duration::from_millis(100);

/// Set by SIGTERM or SIGINT.
static STOP: AtomicBool = AtomicBool::new(false);

/// Takes one payload (its bytes, its format if the path named one) under the repository
/// lock and says what was done.
pub type Handler<'a> = dyn Fn(&[u8], Option<Format>) -> anyhow::Result<Outcome> + 'a;

/// The secrets a request may prove itself with.
#[derive(Clone)]
struct Secrets {
    token: Option<Vec<u8>>,
    pagerduty: Option<Vec<u8>>,
}

impl Secrets {
    fn from_env() -> anyhow::Result<Secrets> {
        let read = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let token = read(TOKEN_ENV);
        let pagerduty = read(PAGERDUTY_SECRET_ENV);
        if token.is_none() && pagerduty.is_none() {
            return Err(crate::error::Error::Usage(anyhow::anyhow!(
                "mim intake serve takes no request without a secret: set {TOKEN_ENV} (a bearer token senders \
                 give in `Authorization: Bearer …`) or {PAGERDUTY_SECRET_ENV} (the webhook subscription's \
                 signing secret), or both"
            ))
            .into());
        }
        if token.as_ref().is_some_and(|t| t.len() < 16) {
            return Err(crate::error::Error::Usage(anyhow::anyhow!(
                "{TOKEN_ENV} is too short to guard anything: use at least 16 random characters"
            ))
            .into());
        }
        Ok(Secrets {
            token: token.map(String::into_bytes),
            pagerduty: pagerduty.map(String::into_bytes),
        })
    }

    /// Whether the request's bearer token is the one configured.
    fn bearer_ok(&self, request: &Request) -> bool {
        let Some(token) = &self.token else {
            return false;
        };
        let Some(value) = header(request, "Authorization") else {
            return false;
        };
        let given = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "));
        given.is_some_and(|given| ct_eq(given.trim().as_bytes(), token))
    }

    /// Whether one of the request's PagerDuty signatures is the HMAC of `body`.
    fn signature_ok(&self, request: &Request, body: &[u8]) -> bool {
        let (Some(secret), Some(signatures)) =
            (&self.pagerduty, header(request, "X-PagerDuty-Signature"))
        else {
            return false;
        };
        pagerduty_signature_ok(secret, &signatures, body)
    }
}

/// Whether `signatures` (`v1=<hex>`, comma-separated while a secret is rotated) holds
/// the HMAC-SHA256 of `body` under `secret`; each compared in constant time.
pub fn pagerduty_signature_ok(secret: &[u8], signatures: &str, body: &[u8]) -> bool {
    let Ok(mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    let mut mac = mac;
    mac.update(body);
    signatures
        .split(',')
        .filter_map(|s| s.trim().strip_prefix("v1="))
        .filter_map(hex)
        .any(|sig| mac.clone().verify_slice(&sig).is_ok())
}

fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Equal byte strings, in time that does not depend on where they differ.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str().to_string())
}

/// A request read and proven, waiting for its transaction.
struct Job {
    request: Request,
    body: Vec<u8>,
    format: Option<Format>,
    line: String,
}

/// Serve until SIGTERM or SIGINT; `limit` is the largest body taken.
pub fn run(listen: &str, limit: u64, handler: &Handler<'_>) -> anyhow::Result<()> {
    let secrets = Arc::new(Secrets::from_env()?);
    let server = Server::http(listen).map_err(|e| {
        crate::error::Error::Usage(anyhow::anyhow!("cannot listen on {listen}: {e}"))
    })?;
    let server = Arc::new(server);
    let address = server
        .server_addr()
        .to_ip()
        .map_or_else(|| listen.to_string(), |a| a.to_string());
    if server
        .server_addr()
        .to_ip()
        .is_some_and(|a| !a.ip().is_loopback())
    {
        eprintln!(
            "mim intake: warning: {address} is not a loopback address; put a TLS proxy in front of it"
        );
    }
    stop_on_signals();
    eprintln!("mim intake: listening on http://{address}");
    let (tx, rx) = mpsc::channel::<Job>();
    let readers = Arc::new(AtomicUsize::new(0));
    let accept = {
        let server = Arc::clone(&server);
        std::thread::spawn(move || accept_loop(&server, &secrets, limit, &tx, &readers))
    };
    // The transactions: one at a time, here.
    while !STOP.load(Ordering::SeqCst) {
        match rx.recv_timeout(TICK) {
            Ok(job) => handle(job, handler),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    server.unblock();
    let _ = accept.join();
    // Read but not handled: told to come again.
    while let Ok(job) = rx.try_recv() {
        let body = json!({"action": "refused", "message": "mim intake is stopping: send it again"});
        answer(job.request, 503, &body, &job.line, "stopping");
    }
    eprintln!("mim intake: stopped");
    Ok(())
}

fn accept_loop(
    server: &Server,
    secrets: &Arc<Secrets>,
    limit: u64,
    tx: &mpsc::Sender<Job>,
    readers: &Arc<AtomicUsize>,
) {
    while !STOP.load(Ordering::SeqCst) {
        let request = match server.recv_timeout(TICK) {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(_) => break,
        };
        if readers.load(Ordering::SeqCst) >= READERS_MAX {
            let line = request_line(&request);
            let body =
                json!({"action": "refused", "message": "too many requests at once: send it again"});
            answer(request, 503, &body, &line, "busy");
            continue;
        }
        readers.fetch_add(1, Ordering::SeqCst);
        let (secrets, tx, readers) = (Arc::clone(secrets), tx.clone(), Arc::clone(readers));
        std::thread::spawn(move || {
            read(request, &secrets, limit, &tx);
            readers.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// `127.0.0.1:53211 POST /alertmanager`.
fn request_line(request: &Request) -> String {
    let peer = request
        .remote_addr()
        .map_or_else(|| "-".to_string(), ToString::to_string);
    format!(
        "{peer} {} {}",
        request.method(),
        crate::text::clip(request.url(), 200)
    )
}

/// Route, authenticate and read one request; a payload goes to the transactions.
fn read(mut request: Request, secrets: &Secrets, limit: u64, tx: &mpsc::Sender<Job>) {
    let line = request_line(&request);
    let path = request.url().split('?').next().unwrap_or("").to_string();
    let method = request.method().clone();
    if path == "/healthz" || path == "/health" {
        let code = if matches!(method, Method::Get | Method::Head) {
            200
        } else {
            405
        };
        let body = if code == 200 {
            json!({"status": "ok"})
        } else {
            json!({"action": "refused", "message": "use GET"})
        };
        answer(request, code, &body, &line, "health");
        return;
    }
    let format = match path.trim_end_matches('/') {
        "" | "/intake" => None,
        "/alertmanager" => Some(Format::Alertmanager),
        "/pagerduty" => Some(Format::Pagerduty),
        "/generic" => Some(Format::Generic),
        _ => {
            let body = json!({"action": "refused", "message": "no such path: POST to /alertmanager, /pagerduty, /generic or /; GET /healthz"});
            answer(request, 404, &body, &line, "not-found");
            return;
        }
    };
    if method != Method::Post {
        let body = json!({"action": "refused", "message": "use POST"});
        answer(request, 405, &body, &line, "method");
        return;
    }
    let bearer = secrets.bearer_ok(&request);
    let signed = header(&request, "X-PagerDuty-Signature").is_some() && secrets.pagerduty.is_some();
    if !bearer && !signed {
        let body = json!({"action": "refused", "message": "no valid token: send `Authorization: Bearer <token>` (or PagerDuty's signature)"});
        answer(request, 401, &body, &line, "unauthorized");
        return;
    }
    let too_large = || json!({"action": "refused", "message": format!("the body is larger than intake.max_payload ({limit} bytes)")});
    if request.body_length().is_some_and(|n| n as u64 > limit) {
        answer(request, 413, &too_large(), &line, "too-large");
        return;
    }
    let mut body = Vec::new();
    let read = request.as_reader().take(limit + 1).read_to_end(&mut body);
    if read.is_err() {
        let msg = json!({"action": "refused", "message": "the body could not be read"});
        answer(request, 400, &msg, &line, "unreadable");
        return;
    }
    if body.len() as u64 > limit {
        answer(request, 413, &too_large(), &line, "too-large");
        return;
    }
    if !bearer && !secrets.signature_ok(&request, &body) {
        let msg = json!({"action": "refused", "message": "the X-PagerDuty-Signature does not match the body"});
        answer(request, 401, &msg, &line, "unauthorized");
        return;
    }
    let job = Job {
        request,
        body,
        format,
        line,
    };
    if let Err(mpsc::SendError(job)) = tx.send(job) {
        let msg = json!({"action": "refused", "message": "mim intake is stopping: send it again"});
        answer(job.request, 503, &msg, &job.line, "stopping");
    }
}

/// One payload, one transaction.
fn handle(job: Job, handler: &Handler<'_>) {
    match handler(&job.body, job.format) {
        Ok(outcome) => {
            let code = match outcome.action {
                Action::Proposed => 201,
                Action::Noted | Action::Ignored => 200,
                Action::Refused if outcome.malformed => 400,
                Action::Refused => 422,
            };
            let what = match &outcome.incident {
                Some(id) => format!("{} {id}", action_word(outcome.action)),
                None => action_word(outcome.action).to_string(),
            };
            let body = serde_json::to_value(&outcome).unwrap_or_else(|_| json!({}));
            answer(job.request, code, &body, &job.line, &what);
        }
        Err(err) => {
            let busy = err.downcast_ref::<crate::lock::Busy>().is_some();
            let code = if busy { 503 } else { 500 };
            let body =
                json!({"action": "refused", "message": format!("nothing recorded: {err:#}")});
            answer(job.request, code, &body, &job.line, "error");
        }
    }
}

fn action_word(action: Action) -> &'static str {
    match action {
        Action::Proposed => "proposed",
        Action::Noted => "noted",
        Action::Ignored => "ignored",
        Action::Refused => "refused",
    }
}

/// Send the JSON answer and log the request's one line.
fn answer(request: Request, code: u16, body: &serde_json::Value, line: &str, what: &str) {
    let mut response = Response::from_string(format!("{body}\n")).with_status_code(code);
    if let Ok(h) = Header::from_bytes(&b"Content-Type"[..], &b"application/json"[..]) {
        response = response.with_header(h);
    }
    if code == 401
        && let Ok(h) = Header::from_bytes(&b"WWW-Authenticate"[..], &b"Bearer"[..])
    {
        response = response.with_header(h);
    }
    if code == 503
        && let Ok(h) = Header::from_bytes(&b"Retry-After"[..], &b"5"[..])
    {
        response = response.with_header(h);
    }
    let sent = request.respond(response);
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let failed = if sent.is_err() {
        " (answer not delivered)"
    } else {
        ""
    };
    eprintln!(
        "{now} {line} {code} {}{failed}",
        crate::text::clip(what, 200)
    );
}

#[cfg(unix)]
fn stop_on_signals() {
    extern "C" fn on_signal(_: libc::c_int) {
        STOP.store(true, Ordering::SeqCst);
    }
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe;
    // SA_RESTART keeps the transaction's system calls from failing with EINTR.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGTERM, &action, std::ptr::null_mut());
        libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut());
    }
}

#[cfg(not(unix))]
fn stop_on_signals() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagerduty_signatures_are_checked() {
        let secret = b"whsec_test";
        let body = br#"{"event":{}}"#;
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(body);
        let good: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(pagerduty_signature_ok(secret, &format!("v1={good}"), body));
        assert!(pagerduty_signature_ok(
            secret,
            &format!("v1=00ff, v1={good}"),
            body
        ));
        assert!(!pagerduty_signature_ok(
            secret,
            &format!("v1={good}"),
            b"{}"
        ));
        assert!(!pagerduty_signature_ok(secret, &format!("v2={good}"), body));
        assert!(!pagerduty_signature_ok(secret, "v1=zz", body));
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"abcd"));
    }
}
