//! RunningHub's result codes, and what the app does with each.

/// A code RunningHub is known to answer. Unknown codes stay plain numbers (see [`Code::from_i64`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    Success,
    ParamsInvalid,
    WorkflowNotExists,
    TokenInvalid,
    TaskInstanceMaxed,
    NotEnoughWallet,
    TaskQueueMaxed,
    TaskNotFounded,
    ValidatePromptFailed,
    ExclusiveInstanceNotFound,
    ExclusiveRequired,
    UnknownError,
    FreeUserUnsupported,
    Unauthorized,
    InvalidNodeInfo,
    TaskIsRunning,
    TaskStatusError,
    UserNotFound,
    TaskNotFound,
    UploadFailed,
    FileSizeExceeded,
    WorkflowNotSaved,
    CorpKeyInvalid,
    CorpInsufficientFunds,
    TaskIsQueued,
    PersonalQueueLimit,
    WebappNotExists,
}

/// Whether an answer with this code may be retried without asking the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Busy or transient: try again later with backoff.
    Backoff,
    /// The request itself is wrong (key, inputs, balance): trying again can't help.
    Never,
}

impl Code {
    /// Every known code, for exhaustive tests of the message tables.
    pub const ALL: [Code; 27] = [
        Code::Success,
        Code::ParamsInvalid,
        Code::WorkflowNotExists,
        Code::TokenInvalid,
        Code::TaskInstanceMaxed,
        Code::NotEnoughWallet,
        Code::TaskQueueMaxed,
        Code::TaskNotFounded,
        Code::ValidatePromptFailed,
        Code::ExclusiveInstanceNotFound,
        Code::ExclusiveRequired,
        Code::UnknownError,
        Code::FreeUserUnsupported,
        Code::Unauthorized,
        Code::InvalidNodeInfo,
        Code::TaskIsRunning,
        Code::TaskStatusError,
        Code::UserNotFound,
        Code::TaskNotFound,
        Code::UploadFailed,
        Code::FileSizeExceeded,
        Code::WorkflowNotSaved,
        Code::CorpKeyInvalid,
        Code::CorpInsufficientFunds,
        Code::TaskIsQueued,
        Code::PersonalQueueLimit,
        Code::WebappNotExists,
    ];

    /// The number RunningHub sends.
    pub fn number(self) -> i64 {
        match self {
            Code::Success => 0,
            Code::ParamsInvalid => 301,
            Code::WorkflowNotExists => 380,
            Code::TokenInvalid => 412,
            Code::TaskInstanceMaxed => 415,
            Code::NotEnoughWallet => 416,
            Code::TaskQueueMaxed => 421,
            Code::TaskNotFounded => 423,
            Code::ValidatePromptFailed => 433,
            Code::ExclusiveInstanceNotFound => 435,
            Code::ExclusiveRequired => 436,
            Code::UnknownError => 500,
            Code::FreeUserUnsupported => 801,
            Code::Unauthorized => 802,
            Code::InvalidNodeInfo => 803,
            Code::TaskIsRunning => 804,
            Code::TaskStatusError => 805,
            Code::UserNotFound => 806,
            Code::TaskNotFound => 807,
            Code::UploadFailed => 808,
            Code::FileSizeExceeded => 809,
            Code::WorkflowNotSaved => 810,
            Code::CorpKeyInvalid => 811,
            Code::CorpInsufficientFunds => 812,
            Code::TaskIsQueued => 813,
            Code::PersonalQueueLimit => 814,
            Code::WebappNotExists => 901,
        }
    }

    /// The known code with this number, if any.
    pub fn from_i64(n: i64) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.number() == n)
    }

    /// RunningHub's own name for the code (as it appears in `msg`).
    pub fn name(self) -> &'static str {
        match self {
            Code::Success => "SUCCESS",
            Code::ParamsInvalid => "PARAMS_INVALID",
            Code::WorkflowNotExists => "WORKFLOW_NOT_EXISTS",
            Code::TokenInvalid => "TOKEN_INVALID",
            Code::TaskInstanceMaxed => "TASK_INSTANCE_MAXED",
            Code::NotEnoughWallet => "TASK_CREATE_FAILED_BY_NOT_ENOUGH_WALLET",
            Code::TaskQueueMaxed => "TASK_QUEUE_MAXED",
            Code::TaskNotFounded => "TASK_NOT_FOUNED",
            Code::ValidatePromptFailed => "VALIDATE_PROMPT_FAILED",
            Code::ExclusiveInstanceNotFound => "TASK_USER_EXCLAPI_INSTANCE_NOT_FOUND",
            Code::ExclusiveRequired => "TASK_USER_EXCLAPI_REQUIRED",
            Code::UnknownError => "UNKNOWN_ERROR",
            Code::FreeUserUnsupported => "APIKEY_UNSUPPORTED_FREE_USER",
            Code::Unauthorized => "APIKEY_UNAUTHORIZED",
            Code::InvalidNodeInfo => "APIKEY_INVALID_NODE_INFO",
            Code::TaskIsRunning => "APIKEY_TASK_IS_RUNNING",
            Code::TaskStatusError => "APIKEY_TASK_STATUS_ERROR",
            Code::UserNotFound => "APIKEY_USER_NOT_FOUND",
            Code::TaskNotFound => "APIKEY_TASK_NOT_FOUND",
            Code::UploadFailed => "APIKEY_UPLOAD_FAILED",
            Code::FileSizeExceeded => "APIKEY_FILE_SIZE_EXCEEDED",
            Code::WorkflowNotSaved => "WORKFLOW_NOT_SAVED_OR_NOT_RUNNING",
            Code::CorpKeyInvalid => "CORPAPIKEY_INVALID",
            Code::CorpInsufficientFunds => "CORPAPIKEY_INSUFFICIENT_FUNDS",
            Code::TaskIsQueued => "APIKEY_TASK_IS_QUEUED",
            Code::PersonalQueueLimit => "PERSONAL_QUEUE_COUNT_LIMIT",
            Code::WebappNotExists => "WEBAPP_NOT_EXISTS",
        }
    }

    /// Busy and server-side codes are retried with backoff; the rest would fail again the same way.
    pub fn retry(self) -> Retry {
        match self {
            Code::TaskInstanceMaxed
            | Code::TaskQueueMaxed
            | Code::UnknownError
            | Code::UploadFailed
            | Code::PersonalQueueLimit
            | Code::TaskIsRunning
            | Code::TaskIsQueued => Retry::Backoff,
            _ => Retry::Never,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_and_are_unique() {
        for code in Code::ALL {
            assert_eq!(Code::from_i64(code.number()), Some(code));
        }
        let mut numbers: Vec<i64> = Code::ALL.iter().map(|c| c.number()).collect();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), Code::ALL.len());
        assert_eq!(Code::from_i64(999), None);
    }

    #[test]
    fn retry_classes_follow_the_field_guide() {
        for n in [415, 421, 500, 808] {
            assert_eq!(
                Code::from_i64(n).map(Code::retry),
                Some(Retry::Backoff),
                "{n}"
            );
        }
        for n in [301, 801, 802, 803, 806, 809, 810, 416, 812] {
            assert_eq!(
                Code::from_i64(n).map(Code::retry),
                Some(Retry::Never),
                "{n}"
            );
        }
    }
}
