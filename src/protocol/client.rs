//! The HTTP calls, made from the browser with gloo-net. The key travels only in request bodies
//! (v1) or in the `Authorization` header (v2), never in a URL: no call here puts anything in a
//! query string.

use gloo_net::http::{Request, RequestBuilder};
use serde::Serialize;
use web_sys::AbortSignal;

use super::answers::{
    parse_account, parse_app_demo, parse_poll_v1, parse_run, parse_upload, Envelope,
};
use super::error::ApiError;
use super::types::*;
use super::v2::{self, Fallback};

/// Paths of the v1 OpenAPI, relative to the base URL.
pub mod paths {
    pub use rh_api::path::{ACCOUNT, APP_DEMO, CANCEL, OUTPUTS, RUN, STATUS, UPLOAD};
}

/// A RunningHub site or relay, addressed by its base URL (scheme and host, maybe a path prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    base: String,
    /// Never try v2 here (the "API version: v1 only" setting, for relays that pass only v1).
    v1_only: bool,
}

impl Api {
    /// `base` like `https://www.runninghub.cn` or `http://127.0.0.1:8080/relay`; a trailing slash
    /// is dropped so that paths join cleanly.
    pub fn new(base: &str) -> Self {
        Api {
            base: base.trim().trim_end_matches('/').to_owned(),
            v1_only: false,
        }
    }

    /// The same base, speaking v1 only when `v1_only`.
    pub fn v1_only(mut self, v1_only: bool) -> Self {
        self.v1_only = v1_only;
        self
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// True when the "v1 only" setting holds for this API.
    pub fn is_v1_only(&self) -> bool {
        self.v1_only
    }

    /// The API generation upload and query use here now: v2 unless the setting says v1 or v2
    /// was found unavailable at this base since the page opened.
    pub fn version(&self) -> ApiVersion {
        if self.v1_only || versions::v1_here(&self.base) {
            ApiVersion::V1
        } else {
            ApiVersion::V2
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Starts an AI app.
    pub async fn run(&self, req: &RunRequest<'_>) -> Result<RunData, ApiError> {
        parse_run(&self.post_json(paths::RUN, req, None).await?)
    }

    /// One poll of a task: v2 `query`, or v1 `outputs` where v2 is unavailable, or when
    /// `want_socket` (v2 never names the progress socket; a running task's v1 answer does).
    /// Falls back to v1 as [`v2::fallback`] says, and remembers it for this base. A finished
    /// task whose v2 answer tells no cost gets one v1 `outputs` call for it.
    pub async fn poll(
        &self,
        api_key: &str,
        task_id: &str,
        want_socket: bool,
        signal: Option<&AbortSignal>,
    ) -> Result<Polled, ApiError> {
        // What v2 said, when v1 is asked only for the cost; whether v1 must show it takes the key.
        let mut v2_answer = None;
        let mut check_key = false;
        if !want_socket && self.version() == ApiVersion::V2 {
            match self.after_v2(self.query(api_key, task_id, signal).await) {
                Next::Done(Ok(polled)) => {
                    let finished = matches!(
                        polled.answer,
                        OutputsAnswer::Done(_) | OutputsAnswer::Empty | OutputsAnswer::Failed(_)
                    );
                    if !finished || polled.usage.consume_coins.is_some() {
                        return Ok(polled);
                    }
                    // As the most complete public client does: v1 `outputs` still tells the cost.
                    v2_answer = Some(polled);
                }
                Next::Done(Err(error)) => return Err(error),
                Next::V1 => {}
                Next::V1IfAccepted => check_key = true,
            }
        }
        // One call site: each `.await` of the same future is compiled (and shipped) again.
        let v1 = self.outputs(api_key, task_id, signal).await;
        if check_key {
            self.accepted_by_v1(&v1);
        }
        match (v2_answer, v1) {
            (Some(polled), Ok(v1)) => Ok(Polled {
                usage: polled.usage.or(v1.usage),
                ..polled
            }),
            (Some(polled), Err(_)) => Ok(polled),
            (None, v1) => v1,
        }
    }

    /// v1 `outputs`.
    pub async fn outputs(
        &self,
        api_key: &str,
        task_id: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<Polled, ApiError> {
        let body = TaskRequest { api_key, task_id };
        parse_poll_v1(&self.post_json(paths::OUTPUTS, &body, signal).await?)
    }

    /// v2 `query` (key in the `Authorization` header only).
    pub async fn query(
        &self,
        api_key: &str,
        task_id: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<Polled, ApiError> {
        let builder = Request::post(&self.url(v2::paths::QUERY))
            .abort_signal(signal)
            .header("Authorization", &bearer(api_key));
        let request = json_body(builder, &QueryRequest { task_id })?;
        v2::parse_query(&send(request).await?)
    }

    /// What a failed v2 call means for this base (see [`v2::fallback`]).
    fn after_v2<T>(&self, answer: Result<T, ApiError>) -> Next<T> {
        match answer {
            Ok(value) => Next::Done(Ok(value)),
            Err(error) => match v2::fallback(&error) {
                Fallback::No => Next::Done(Err(error)),
                Fallback::V1 => {
                    versions::use_v1(&self.base);
                    Next::V1
                }
                Fallback::V1IfAccepted => Next::V1IfAccepted,
            },
        }
    }

    /// After v2 refused the token: v1 is used from now on if it took the key.
    fn accepted_by_v1<T>(&self, v1: &Result<T, ApiError>) {
        // Took it: an answer, or a refusal of something other than the key.
        let took = match v1 {
            Ok(_) => true,
            Err(error @ ApiError::Service { .. }) => !v2::is_auth_refusal(error),
            Err(_) => false,
        };
        if took {
            versions::use_v1(&self.base);
        }
    }

    /// Asks RunningHub to cancel a task; the task then ends as failed ("cancelled") in `outputs`.
    pub async fn cancel(&self, api_key: &str, task_id: &str) -> Result<(), ApiError> {
        let body = TaskRequest { api_key, task_id };
        let answer = self.post_json(paths::CANCEL, &body, None).await?;
        let envelope = Envelope::parse(&answer)?;
        match envelope.code {
            0 => Ok(()),
            code => Err(ApiError::Service {
                code,
                msg: envelope.msg,
            }),
        }
    }

    /// The key's balance and running tasks. Also tells whether the browser may call this base
    /// at all (see [`Api::ensure_reachable`]): a network failure while online reads as
    /// [`ApiError::Blocked`], and any answer marks the base as reachable.
    pub async fn account(&self, api_key: &str) -> Result<AccountStatus, ApiError> {
        let body = AccountRequest { apikey: api_key };
        let answer = match self.post_json(paths::ACCOUNT, &body, None).await {
            Ok(text) => parse_account(&text),
            Err(error) => Err(error),
        };
        if let Ok(AccountStatus {
            currency: Some(currency),
            ..
        }) = &answer
        {
            versions::note_currency(&self.base, currency);
        }
        reach::note(&self.base, answer)
    }

    /// The wallet's currency at this base, when an account check has told it.
    pub fn currency(&self) -> Option<String> {
        versions::currency(&self.base)
    }

    /// Makes sure a paid call (run, upload) to this base can be sent, before it is: a free
    /// `accountStatus` call needs the same CORS preflight (a JSON body), so if the browser
    /// refuses it, it would refuse the paid call too, and nothing has been sent. The first
    /// success is remembered for the page's lifetime, so this costs one request per base URL.
    /// The page's own origin needs no check: same-origin calls are never blocked.
    pub async fn ensure_reachable(&self, api_key: &str) -> Result<(), ApiError> {
        if reach::known(&self.base) || reach::same_origin(&self.base) {
            return Ok(());
        }
        match self.account(api_key).await {
            Err(error @ (ApiError::Blocked | ApiError::Network(_) | ApiError::Aborted)) => {
                Err(error)
            }
            // Any answer, even a refusal of the key, shows the base can be called.
            _ => Ok(()),
        }
    }

    /// Uploads a picture for an image node: v2 `media/upload/binary` (multipart field `file`,
    /// the key in `Authorization`), or v1 `upload` (multipart `apiKey`, `file`, `fileType=input`)
    /// where v2 is unavailable (see [`Api::poll`] for when).
    pub async fn upload(
        &self,
        api_key: &str,
        file: &web_sys::Blob,
        file_name: &str,
    ) -> Result<Uploaded, ApiError> {
        // A multipart v1 POST needs no preflight: a browser that blocks this base would still
        // send the file and only hide the answer. The check needs one, and stops it first.
        self.ensure_reachable(api_key).await?;
        let mut check_key = false;
        if self.version() == ApiVersion::V2 {
            match self.after_v2(self.upload_v2(api_key, file, file_name).await) {
                Next::Done(result) => return result,
                Next::V1 => {}
                Next::V1IfAccepted => check_key = true,
            }
        }
        let v1 = self.upload_v1(api_key, file, file_name).await;
        if check_key {
            self.accepted_by_v1(&v1);
        }
        v1
    }

    async fn upload_v2(
        &self,
        api_key: &str,
        file: &web_sys::Blob,
        file_name: &str,
    ) -> Result<Uploaded, ApiError> {
        let form = web_sys::FormData::new().map_err(|e| ApiError::Network(format!("{e:?}")))?;
        form.append_with_blob_and_filename("file", file, file_name)
            .map_err(|e| ApiError::Network(format!("{e:?}")))?;
        let request = self
            .post(v2::paths::UPLOAD)
            .header("Authorization", &bearer(api_key))
            .body(form)
            .map_err(|e| ApiError::Network(error_text(e)))?;
        v2::parse_upload(&send(request).await?)
    }

    async fn upload_v1(
        &self,
        api_key: &str,
        file: &web_sys::Blob,
        file_name: &str,
    ) -> Result<Uploaded, ApiError> {
        let form = web_sys::FormData::new().map_err(|e| ApiError::Network(format!("{e:?}")))?;
        let appended = form
            .append_with_str("apiKey", api_key)
            .and_then(|_| form.append_with_blob_and_filename("file", file, file_name))
            .and_then(|_| form.append_with_str("fileType", "input"));
        appended.map_err(|e| ApiError::Network(format!("{e:?}")))?;
        let request = self
            .post(paths::UPLOAD)
            .body(form)
            .map_err(|e| ApiError::Network(error_text(e)))?;
        parse_upload(&send(request).await?)
    }

    /// An AI app's inputs, from our own server (simulator or relay) only. RunningHub's documented
    /// call is a GET with the key in the query string, and the page sends the key in no URL: our
    /// server takes the same fields as a JSON POST and makes RunningHub's GET itself. The caller
    /// makes sure this base is ours (see `Connection::known_ours`); nothing here sends a GET.
    pub async fn app_demo(&self, api_key: &str, webapp_id: &str) -> Result<AppDemo, ApiError> {
        let body = AppDemoRequest { api_key, webapp_id };
        parse_app_demo(&self.post_json(paths::APP_DEMO, &body, None).await?)
    }

    async fn post_json(
        &self,
        path: &str,
        body: &impl Serialize,
        signal: Option<&AbortSignal>,
    ) -> Result<String, ApiError> {
        let builder = Request::post(&self.url(path)).abort_signal(signal);
        send(json_body(builder, body)?).await
    }

    /// A builder for calls that need more than a JSON body (uploads).
    pub fn post(&self, path: &str) -> RequestBuilder {
        Request::post(&self.url(path))
    }
}

/// Sends a request and returns its body. A 200 is read as RunningHub's answer; so is a 4xx that
/// carries an envelope (a relay passing RunningHub's refusal through). A 5xx is always a lost
/// answer, whatever its body: a relay's "upstream cut off" 502 must not read as a refusal, since
/// the request may have reached RunningHub and started a task.
pub async fn send(request: Request) -> Result<String, ApiError> {
    let response = request.send().await.map_err(fetch_error)?;
    let status = response.status();
    let body = response.text().await.map_err(fetch_error)?;
    if status == 200 || (status < 500 && Envelope::parse(&body).is_ok()) {
        Ok(body)
    } else if status == 502
        && response.headers().get(RELAY_HEADER).as_deref() == Some("unreachable")
    {
        // Our relay could not even connect upstream: nothing was forwarded.
        Err(ApiError::RelayUnreachable)
    } else {
        Err(ApiError::Http(status))
    }
}

/// A POST of `body` as JSON (`Content-Type: application/json`, so a CORS preflight).
fn json_body(builder: RequestBuilder, body: &impl Serialize) -> Result<Request, ApiError> {
    builder
        .json(body)
        .map_err(|e| ApiError::Network(error_text(e)))
}

/// What to do after a v2 call.
enum Next<T> {
    /// This is the answer.
    Done(Result<T, ApiError>),
    /// v2 is unavailable here: ask v1 (remembered already).
    V1,
    /// v2 refused the token: ask v1, and remember v1 if it takes the key.
    V1IfAccepted,
}

/// `Authorization` for v2.
fn bearer(api_key: &str) -> String {
    format!("Bearer {api_key}")
}

/// Bases where v2 was found unavailable since the page opened (upload and query go to v1
/// there), and the wallet currency each base's account check told.
mod versions {
    use std::cell::RefCell;

    thread_local! {
        static V1: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
        static CURRENCY: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
    }

    pub fn note_currency(base: &str, currency: &str) {
        CURRENCY.with(|c| {
            let mut c = c.borrow_mut();
            c.retain(|(b, _)| b != base);
            c.push((base.to_owned(), currency.to_owned()));
        });
    }

    pub fn currency(base: &str) -> Option<String> {
        CURRENCY.with(|c| {
            c.borrow()
                .iter()
                .find(|(b, _)| b == base)
                .map(|(_, cur)| cur.clone())
        })
    }

    pub fn v1_here(base: &str) -> bool {
        V1.with(|v| v.borrow().iter().any(|b| b == base))
    }

    pub fn use_v1(base: &str) {
        V1.with(|v| {
            let mut v = v.borrow_mut();
            if !v.iter().any(|b| b == base) {
                v.push(base.to_owned());
            }
        });
    }
}

/// The header by which our relay says what became of a request it could not answer for
/// RunningHub (`unreachable`: it could not connect, so nothing was forwarded).
pub const RELAY_HEADER: &str = "x-su-relay";

/// Which base URLs this page has called successfully since it was opened.
mod reach {
    use std::cell::RefCell;

    use super::ApiError;

    thread_local! {
        static REACHED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    }

    pub fn known(base: &str) -> bool {
        REACHED.with(|r| r.borrow().iter().any(|b| b == base))
    }

    /// True when `base` is on the page's own origin.
    pub fn same_origin(base: &str) -> bool {
        let Some(origin) = web_sys::window().and_then(|w| w.location().origin().ok()) else {
            return false;
        };
        base == origin
            || base
                .strip_prefix(origin.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    }

    /// Remembers a base that answered, and tells a blocked call from an offline browser.
    pub fn note<T>(base: &str, answer: Result<T, ApiError>) -> Result<T, ApiError> {
        match answer {
            Err(ApiError::Network(detail)) => {
                let online = web_sys::window().is_none_or(|w| w.navigator().on_line());
                Err(if online && !same_origin(base) {
                    ApiError::Blocked
                } else {
                    ApiError::Network(detail)
                })
            }
            Err(ApiError::Aborted) => Err(ApiError::Aborted),
            answer => {
                REACHED.with(|r| {
                    let mut r = r.borrow_mut();
                    if !r.iter().any(|b| b == base) {
                        r.push(base.to_owned());
                    }
                });
                answer
            }
        }
    }
}

fn fetch_error(error: gloo_net::Error) -> ApiError {
    let text = error_text(error);
    if text.contains("AbortError") || text.contains("aborted") {
        ApiError::Aborted
    } else {
        ApiError::Network(text)
    }
}

/// What a gloo-net error says, as JavaScript's `Error.toString()` puts it. Not its `Display`,
/// which would link every message of serde_json's errors into the page for a case that can't
/// happen (the request bodies are plain structs of strings).
fn error_text(error: gloo_net::Error) -> String {
    match error {
        gloo_net::Error::JsError(e) => format!("{}: {}", e.name, e.message),
        gloo_net::Error::GlooError(text) => text,
        gloo_net::Error::SerdeError(_) => "JSON error".to_owned(),
    }
}
