//! RunningHub's OpenAPI as SU Render speaks it: the two sites, the paths, the result codes with
//! RunningHub's names for them, and the SketchUp app of the seed document. The page's protocol
//! (`src/protocol`), the simulator and relay (`server/`), e2e and the bench take them from here,
//! so that each is written once (the field guide, `shared/runninghub-api.md`, is where they come
//! from; the tests below pin them to its text).
//!
//! Constants and a lookup only: nothing here allocates, and the page links just the constants
//! it names. What a code means to a designer and whether it is retried is the page's business
//! (`src/protocol/codes.rs`).

#![cfg_attr(not(test), no_std)]

/// RunningHub China.
pub const CN_BASE: &str = "https://www.runninghub.cn";
/// RunningHub international.
pub const AI_BASE: &str = "https://www.runninghub.ai";

/// Paths, relative to a site's base URL (or a relay's `/cn` or `/ai`).
pub mod path {
    /// v1: start an AI app (`apiKey`, `webappId`, `nodeInfoList`… in a JSON body).
    pub const RUN: &str = "/task/openapi/ai-app/run";
    /// v1: a task's results (and why it failed).
    pub const OUTPUTS: &str = "/task/openapi/outputs";
    /// v1: a task's status ("no longer maintained" since v2).
    pub const STATUS: &str = "/task/openapi/status";
    /// v1: cancel a task (v2 has none).
    pub const CANCEL: &str = "/task/openapi/cancel";
    /// v1: upload a file (multipart; deprecated since v2).
    pub const UPLOAD: &str = "/task/openapi/upload";
    /// v1: the key's balance and running tasks (`apikey`, lower-case k). Free.
    pub const ACCOUNT: &str = "/uc/openapi/accountStatus";
    /// An AI app's input nodes (documented as a GET with the key in the query string).
    pub const APP_DEMO: &str = "/api/webapp/apiCallDemo";
    /// v2: upload a file (multipart field `file`, key in `Authorization`).
    pub const UPLOAD_V2: &str = "/openapi/v2/media/upload/binary";
    /// v2: a task's state, results and cost (`{taskId}`, key in `Authorization`).
    pub const QUERY: &str = "/openapi/v2/query";
    /// A task's ComfyUI progress socket, on the API host (its `netWssUrl`).
    pub const SOCKET: &str = "/ws/c_instance";
    /// What every API path starts with: a relay passes these on and nothing else.
    pub const API_PREFIXES: [&str; 4] = [
        "/task/openapi/",
        "/uc/openapi/",
        "/api/webapp/",
        "/openapi/v2/",
    ];
}

/// The AI app of the seed document: SketchUp screenshot to rendering.
pub mod su_app {
    pub const WEBAPP_ID: &str = "1983061233110790146";
    /// Takes the SketchUp screenshot (field `image`, required).
    pub const SCREENSHOT_NODE: &str = "112";
    /// Takes the reference picture; only its colour temperature and tone are used.
    pub const REFERENCE_NODE: &str = "158";
    /// Produces the rendering.
    pub const OUTPUT_NODE: &str = "160";
}

/// A result code: its number and RunningHub's name for it (as `msg` carries it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub number: i64,
    pub name: &'static str,
}

macro_rules! codes {
    ($($(#[$doc:meta])* $id:ident = $number:literal, $name:literal;)*) => {
        /// Every code in the field guide ("Codes" and "More of the public record (2026)"), and
        /// the ones v2's saved test calls show.
        pub mod code {
            use super::Code;
            $($(#[$doc])* pub const $id: Code = Code { number: $number, name: $name };)*

            /// All of them, in order of number.
            pub const ALL: [Code; [$($number),*].len()] = [$($id),*];
        }
    };
}

codes! {
    SUCCESS = 0, "success";
    PARAMS_INVALID = 301, "PARAMS_INVALID";
    WORKFLOW_NOT_EXISTS = 380, "WORKFLOW_NOT_EXISTS";
    /// v2's answer to a key it does not know (its upload page's example).
    UNAUTHORIZED = 401, "UNAUTHORIZED";
    /// A wrong path (v2 without `Authorization` too): a base URL or relay problem.
    TOKEN_INVALID = 412, "TOKEN_INVALID";
    /// No exclusive machine free.
    TASK_INSTANCE_MAXED = 415, "TASK_INSTANCE_MAXED";
    NOT_ENOUGH_WALLET = 416, "TASK_CREATE_FAILED_BY_NOT_ENOUGH_WALLET";
    /// The key's tasks at once are used up.
    TASK_QUEUE_MAXED = 421, "TASK_QUEUE_MAXED";
    /// (sic)
    TASK_NOT_FOUNED = 423, "TASK_NOT_FOUNED";
    VALIDATE_PROMPT_FAILED = 433, "VALIDATE_PROMPT_FAILED";
    EXCLUSIVE_INSTANCE_NOT_FOUND = 435, "TASK_USER_EXCLAPI_INSTANCE_NOT_FOUND";
    EXCLUSIVE_REQUIRED = 436, "TASK_USER_EXCLAPI_REQUIRED";
    UNKNOWN_ERROR = 500, "UNKNOWN_ERROR";
    FREE_USER = 801, "APIKEY_UNSUPPORTED_FREE_USER";
    /// Key invalid or disabled, or from the other site.
    APIKEY_UNAUTHORIZED = 802, "APIKEY_UNAUTHORIZED";
    INVALID_NODE_INFO = 803, "APIKEY_INVALID_NODE_INFO";
    TASK_IS_RUNNING = 804, "APIKEY_TASK_IS_RUNNING";
    TASK_STATUS_ERROR = 805, "APIKEY_TASK_STATUS_ERROR";
    /// Often a key from the other site.
    USER_NOT_FOUND = 806, "APIKEY_USER_NOT_FOUND";
    TASK_NOT_FOUND = 807, "APIKEY_TASK_NOT_FOUND";
    UPLOAD_FAILED = 808, "APIKEY_UPLOAD_FAILED";
    FILE_SIZE_EXCEEDED = 809, "APIKEY_FILE_SIZE_EXCEEDED";
    WORKFLOW_NOT_SAVED = 810, "WORKFLOW_NOT_SAVED_OR_NOT_RUNNING";
    CORP_KEY_INVALID = 811, "CORPAPIKEY_INVALID";
    CORP_INSUFFICIENT_FUNDS = 812, "CORPAPIKEY_INSUFFICIENT_FUNDS";
    TASK_IS_QUEUED = 813, "APIKEY_TASK_IS_QUEUED";
    /// The personal queue holds 1,000 tasks.
    PERSONAL_QUEUE_LIMIT = 814, "PERSONAL_QUEUE_COUNT_LIMIT";
    WEBAPP_NOT_EXISTS = 901, "WEBAPP_NOT_EXISTS";
    /// v2's `errorCode` of a task that failed for no stated reason.
    V2_UNKNOWN_ERROR = 1000, "UNKNOWN_ERROR";
    /// Rate limited. The names of 1003, 1008, 1501 and 1520 are ours: the public record gives
    /// their meaning, not RunningHub's `msg` for them.
    RATE_LIMIT = 1003, "RATE_LIMIT";
    /// v2's `errorCode` of a task it does not know.
    V2_TASK_NOT_FOUND = 1004, "TASK_NOT_FOUND";
    /// A file over the upload limit (v2).
    FILE_TOO_LARGE = 1008, "FILE_TOO_LARGE";
    /// RunningHub's content check refused the input.
    CONTENT_MODERATION = 1501, "CONTENT_MODERATION_FAILED";
    /// No capacity.
    CAPACITY_LIMIT = 1520, "CAPACITY_LIMIT";
}

impl Code {
    /// The known code with this number.
    pub fn of(number: i64) -> Option<Code> {
        code::ALL.into_iter().find(|c| c.number == number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_the_field_guides() {
        // Written out here as the field guide has them: a typo in a constant fails here, not
        // only against the real service.
        let table = [
            (path::RUN, "/task/openapi/ai-app/run"),
            (path::OUTPUTS, "/task/openapi/outputs"),
            (path::STATUS, "/task/openapi/status"),
            (path::CANCEL, "/task/openapi/cancel"),
            (path::UPLOAD, "/task/openapi/upload"),
            (path::ACCOUNT, "/uc/openapi/accountStatus"),
            (path::APP_DEMO, "/api/webapp/apiCallDemo"),
            (path::UPLOAD_V2, "/openapi/v2/media/upload/binary"),
            (path::QUERY, "/openapi/v2/query"),
            (path::SOCKET, "/ws/c_instance"),
        ];
        for (constant, guide) in table {
            assert_eq!(constant, guide);
        }
        for (constant, _) in table {
            let relayed = path::API_PREFIXES.iter().any(|p| constant.starts_with(p));
            assert_eq!(relayed, constant != path::SOCKET, "{constant}");
        }
        assert_eq!(CN_BASE, "https://www.runninghub.cn");
        assert_eq!(AI_BASE, "https://www.runninghub.ai");
    }

    #[test]
    fn codes_are_unique_ordered_and_found() {
        for pair in code::ALL.windows(2) {
            assert!(pair[0].number < pair[1].number, "{pair:?}");
        }
        for c in code::ALL {
            assert_eq!(Code::of(c.number), Some(c));
            assert!(!c.name.is_empty());
        }
        assert_eq!(Code::of(1003), Some(code::RATE_LIMIT));
        assert_eq!(code::TASK_QUEUE_MAXED.number, 421);
        assert_eq!(code::FILE_SIZE_EXCEEDED.name, "APIKEY_FILE_SIZE_EXCEEDED");
        assert_eq!(Code::of(999), None);
    }
}
