//! The HTTP calls, made from the browser with gloo-net. The key travels only in request bodies.

use gloo_net::http::{Request, RequestBuilder};
use serde::Serialize;
use web_sys::AbortSignal;

use super::answers::{
    parse_account, parse_app_demo, parse_outputs, parse_run, parse_upload, Envelope,
};
use super::error::ApiError;
use super::types::*;

/// Paths of the v1 OpenAPI, relative to the base URL.
pub mod paths {
    pub const RUN: &str = "/task/openapi/ai-app/run";
    pub const OUTPUTS: &str = "/task/openapi/outputs";
    pub const STATUS: &str = "/task/openapi/status";
    pub const CANCEL: &str = "/task/openapi/cancel";
    pub const UPLOAD: &str = "/task/openapi/upload";
    pub const ACCOUNT: &str = "/uc/openapi/accountStatus";
    pub const APP_DEMO: &str = "/api/webapp/apiCallDemo";
}

/// A RunningHub site or relay, addressed by its base URL (scheme and host, maybe a path prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    base: String,
}

impl Api {
    /// `base` like `https://www.runninghub.cn` or `http://127.0.0.1:8080/relay`; a trailing slash
    /// is dropped so that paths join cleanly.
    pub fn new(base: &str) -> Self {
        Api {
            base: base.trim().trim_end_matches('/').to_owned(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Starts an AI app.
    pub async fn run(&self, req: &RunRequest<'_>) -> Result<RunData, ApiError> {
        parse_run(&self.post_json(paths::RUN, req, None).await?)
    }

    /// One poll of a task's results.
    pub async fn outputs(
        &self,
        api_key: &str,
        task_id: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<OutputsAnswer, ApiError> {
        let body = TaskRequest { api_key, task_id };
        parse_outputs(&self.post_json(paths::OUTPUTS, &body, signal).await?)
    }

    /// Asks RunningHub to cancel a task; the task then ends as failed ("cancelled") in `outputs`.
    pub async fn cancel(&self, api_key: &str, task_id: &str) -> Result<(), ApiError> {
        let body = TaskRequest { api_key, task_id };
        let envelope = Envelope::parse(&self.post_json(paths::CANCEL, &body, None).await?)?;
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
        reach::note(&self.base, answer)
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

    /// Uploads a picture for an image node (multipart: `apiKey`, `file`, `fileType=input`).
    pub async fn upload(
        &self,
        api_key: &str,
        file: &web_sys::Blob,
        file_name: &str,
    ) -> Result<Uploaded, ApiError> {
        // A multipart POST needs no preflight: a browser that blocks this base would still
        // send the file and only hide the answer. The check needs one, and stops it first.
        self.ensure_reachable(api_key).await?;
        let form = web_sys::FormData::new().map_err(|e| ApiError::Network(format!("{e:?}")))?;
        let appended = form
            .append_with_str("apiKey", api_key)
            .and_then(|_| form.append_with_blob_and_filename("file", file, file_name))
            .and_then(|_| form.append_with_str("fileType", "input"));
        appended.map_err(|e| ApiError::Network(format!("{e:?}")))?;
        let request = self
            .post(paths::UPLOAD)
            .body(form)
            .map_err(|e| ApiError::Network(e.to_string()))?;
        parse_upload(&send(request).await?)
    }

    /// An AI app's inputs. The documented call is a GET with the key in the query string; the
    /// project's own server (simulator or relay) takes the same fields as a JSON POST instead, so
    /// that the key stays out of URLs wherever we have the choice.
    pub async fn app_demo(
        &self,
        api_key: &str,
        webapp_id: &str,
        key_in_body: bool,
    ) -> Result<AppDemo, ApiError> {
        if key_in_body {
            let body = serde_json::json!({ "apiKey": api_key, "webappId": webapp_id });
            return parse_app_demo(&self.post_json(paths::APP_DEMO, &body, None).await?);
        }
        let query =
            web_sys::UrlSearchParams::new().map_err(|e| ApiError::Network(format!("{e:?}")))?;
        query.append("apiKey", api_key);
        query.append("webappId", webapp_id);
        let url = format!(
            "{}?{}",
            self.url(paths::APP_DEMO),
            String::from(query.to_string())
        );
        parse_app_demo(
            &send(
                Request::get(&url)
                    .build()
                    .map_err(|e| ApiError::Network(e.to_string()))?,
            )
            .await?,
        )
    }

    async fn post_json<T: Serialize>(
        &self,
        path: &str,
        body: &T,
        signal: Option<&AbortSignal>,
    ) -> Result<String, ApiError> {
        let request = Request::post(&self.url(path))
            .abort_signal(signal)
            .json(body)
            .map_err(|e| ApiError::Network(e.to_string()))?;
        send(request).await
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
    let text = error.to_string();
    if text.contains("AbortError") || text.contains("aborted") {
        ApiError::Aborted
    } else {
        ApiError::Network(text)
    }
}
