//! The one error type at the API boundary. Each variant maps to a message a designer understands
//! (see `crate::i18n`); nothing here carries HTML from the server.

use super::codes::{Code, Retry};

/// What went wrong talking to RunningHub (or a relay).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// `fetch` itself failed: offline, DNS, refused connection, or a browser CORS block (the
    /// browser does not tell these apart).
    #[error("network error: {0}")]
    Network(String),
    /// The request was aborted by the app (the view went away, or the user cancelled).
    #[error("request aborted")]
    Aborted,
    /// An HTTP status other than 200, with no RunningHub envelope in the body.
    #[error("HTTP status {0}")]
    Http(u16),
    /// A 200 answer whose body is not JSON (a proxy's error page, a truncated body).
    #[error("the answer is not JSON")]
    NotJson,
    /// A RunningHub envelope with a non-zero code the call did not expect.
    #[error("RunningHub code {code}: {msg}")]
    Service { code: i64, msg: String },
    /// A code 0 envelope whose `data` has the wrong shape.
    #[error("unexpected answer: {0}")]
    Shape(String),
    /// A free check call to this base URL failed at the network level while the browser was
    /// online, so the paid call after it was never sent: the browser blocks calls to that
    /// address from this page (CORS), or nothing answers there.
    #[error("the browser blocked the call")]
    Blocked,
    /// Our relay answered that it could not connect to RunningHub: nothing was forwarded.
    #[error("the relay could not reach RunningHub")]
    RelayUnreachable,
}

impl ApiError {
    /// The known RunningHub code behind this error, if it is a service answer.
    pub fn code(&self) -> Option<Code> {
        match self {
            ApiError::Service { code, .. } => Code::from_i64(*code),
            _ => None,
        }
    }

    /// Whether repeating the same request could succeed. Network trouble, 5xx and non-JSON
    /// answers are transient, busy codes wait for a free slot (see [`Code::retry`]); a bad key or
    /// bad inputs are not.
    pub fn retry(&self) -> Retry {
        match self {
            ApiError::Network(_) | ApiError::NotJson | ApiError::RelayUnreachable => Retry::Backoff,
            ApiError::Http(status) if *status >= 500 || *status == 429 || *status == 408 => {
                Retry::Backoff
            }
            ApiError::Http(_) | ApiError::Shape(_) | ApiError::Aborted | ApiError::Blocked => {
                Retry::Never
            }
            ApiError::Service { code, .. } => Code::from_i64(*code)
                .map(Code::retry)
                // An unknown code in the 5xx range reads like a server fault; others are refusals.
                .unwrap_or(if (500..600).contains(code) {
                    Retry::Backoff
                } else {
                    Retry::Never
                }),
        }
    }

    /// True when the site said it does not know the key (802, 806, v2's 401): a key from the
    /// other site gets these (see `Connection::other_site`).
    pub fn refuses_key(&self) -> bool {
        matches!(
            self.code(),
            Some(Code::Unauthorized | Code::UserNotFound | Code::ApiKeyRefused)
        )
    }

    /// True when the request may have reached the server and done its work even though no answer
    /// arrived: repeating a submit then could start (and bill) a second task.
    pub fn answer_lost(&self) -> bool {
        matches!(
            self,
            ApiError::Network(_) | ApiError::NotJson | ApiError::Http(_)
        ) && !matches!(self, ApiError::Http(status) if *status < 500)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_errors_are_retried() {
        assert_eq!(ApiError::Network("x".into()).retry(), Retry::Backoff);
        assert_eq!(ApiError::Http(502).retry(), Retry::Backoff);
        assert_eq!(ApiError::NotJson.retry(), Retry::Backoff);
        assert_eq!(ApiError::Http(404).retry(), Retry::Never);
        let busy = ApiError::Service {
            code: 421,
            msg: "TASK_QUEUE_MAXED".into(),
        };
        assert_eq!(busy.retry(), Retry::Wait);
        let bad_key = ApiError::Service {
            code: 802,
            msg: "APIKEY_UNAUTHORIZED".into(),
        };
        assert_eq!(bad_key.retry(), Retry::Never);
        let unknown_5xx = ApiError::Service {
            code: 599,
            msg: String::new(),
        };
        assert_eq!(unknown_5xx.retry(), Retry::Backoff);
    }

    #[test]
    fn refusals_of_the_key_are_told_from_other_refusals() {
        let service = |code| ApiError::Service {
            code,
            msg: String::new(),
        };
        for code in [401, 802, 806] {
            assert!(service(code).refuses_key(), "{code}");
        }
        // A free account, a balance, a full queue: the site knows the key.
        for code in [801, 416, 421, 1501, 500] {
            assert!(!service(code).refuses_key(), "{code}");
        }
        assert!(!ApiError::Blocked.refuses_key());
        assert!(!ApiError::Network("x".into()).refuses_key());
    }

    #[test]
    fn lost_answers_are_told_apart_from_refusals() {
        assert!(ApiError::Network("Failed to fetch".into()).answer_lost());
        assert!(ApiError::Http(502).answer_lost());
        assert!(ApiError::NotJson.answer_lost());
        assert!(!ApiError::Http(404).answer_lost());
        // Neither reached RunningHub: nothing can have been created.
        assert!(!ApiError::Blocked.answer_lost());
        assert!(!ApiError::RelayUnreachable.answer_lost());
        assert_eq!(ApiError::RelayUnreachable.retry(), Retry::Backoff);
        assert_eq!(ApiError::Blocked.retry(), Retry::Never);
        assert!(!ApiError::Service {
            code: 421,
            msg: String::new()
        }
        .answer_lost());
    }
}
