//! RunningHub's result codes, and what the app does with each: one table ([`codes!`] below) that
//! gives every code of the field guide (`shared/runninghub-api.md`, "Codes" and "More of the
//! public record") its number, RunningHub's name, a retry rule and the key of the message a
//! designer reads (the texts, in Chinese and English, are in `crate::i18n`, one per [`Msg`]).
//! A code not in the table stays a plain number and is shown with its number and text.

use rh_api::code;

/// Whether (and how) an answer with this code may be tried again without asking the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// RunningHub had no free slot for the request (the key's tasks at once, its request rate,
    /// the site's machines or capacity) and did nothing: no task exists. A run is sent again
    /// after a pause (the same schedule for all of them); a poll goes on with backoff.
    Wait,
    /// Busy or transient: a poll goes on with backoff. A run is not sent again on its own (the
    /// fault may have happened after the task was made).
    Backoff,
    /// The request itself is wrong (key, inputs, balance, content): trying again can't help.
    Never,
}

/// What a designer is told about a code: the key of one message in `crate::i18n`. Codes that
/// mean the same to a designer share one (421, 1003 and 1520 all wait for a free slot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Msg {
    Success,
    Params,
    Workflow,
    Address,
    NoMachine,
    Balance,
    WaitSlot,
    TaskMissing,
    Inputs,
    InstanceType,
    Exclusive,
    ServerError,
    FreeUser,
    KeyRefused,
    NodeInfo,
    Running,
    Failed,
    UserMissing,
    UploadFailed,
    FileTooLarge,
    RunOnce,
    CorpKey,
    CorpBalance,
    Queued,
    PersonalQueue,
    AppMissing,
    Moderation,
}

/// The table: one line a code (its number and name come from `rh_api::code`). `Code::ALL`,
/// `number`, `name`, `retry` and `msg` are made from it.
macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $code:ident, $retry:ident, $msg:ident;)*) => {
        /// A code RunningHub is known to answer. Unknown codes stay plain numbers (see
        /// [`Code::from_i64`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $($(#[$doc])* $variant,)* }

        impl Code {
            /// Every known code, in the table's order.
            pub const ALL: [Code; [$(code::$code.number),*].len()] = [$(Code::$variant),*];

            /// The number RunningHub sends.
            pub fn number(self) -> i64 {
                match self { $(Code::$variant => code::$code.number,)* }
            }

            /// RunningHub's own name for the code (as it appears in `msg`).
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => code::$code.name,)* }
            }

            /// Whether an answer with this code may be tried again without asking the user.
            pub fn retry(self) -> Retry {
                match self { $(Code::$variant => Retry::$retry,)* }
            }

            /// The message a designer reads for it.
            pub fn msg(self) -> Msg {
                match self { $(Code::$variant => Msg::$msg,)* }
            }
        }
    };
}

codes! {
    Success = SUCCESS, Never, Success;
    ParamsInvalid = PARAMS_INVALID, Never, Params;
    WorkflowNotExists = WORKFLOW_NOT_EXISTS, Never, Workflow;
    /// v2's answer to a key it does not know (its upload page's example).
    ApiKeyRefused = UNAUTHORIZED, Never, KeyRefused;
    /// A wrong path: a base URL or relay problem, not the key.
    TokenInvalid = TOKEN_INVALID, Never, Address;
    /// No exclusive machine free: retry after 30–120 s.
    TaskInstanceMaxed = TASK_INSTANCE_MAXED, Wait, NoMachine;
    NotEnoughWallet = NOT_ENOUGH_WALLET, Never, Balance;
    /// The key's tasks at once are used up.
    TaskQueueMaxed = TASK_QUEUE_MAXED, Wait, WaitSlot;
    /// (sic)
    TaskNotFounded = TASK_NOT_FOUNED, Never, TaskMissing;
    ValidatePromptFailed = VALIDATE_PROMPT_FAILED, Never, Inputs;
    ExclusiveInstanceNotFound = EXCLUSIVE_INSTANCE_NOT_FOUND, Never, InstanceType;
    ExclusiveRequired = EXCLUSIVE_REQUIRED, Never, Exclusive;
    UnknownError = UNKNOWN_ERROR, Backoff, ServerError;
    FreeUserUnsupported = FREE_USER, Never, FreeUser;
    /// Key invalid or disabled, or from the other site.
    Unauthorized = APIKEY_UNAUTHORIZED, Never, KeyRefused;
    InvalidNodeInfo = INVALID_NODE_INFO, Never, NodeInfo;
    TaskIsRunning = TASK_IS_RUNNING, Backoff, Running;
    TaskStatusError = TASK_STATUS_ERROR, Never, Failed;
    /// Often a key from the other site.
    UserNotFound = USER_NOT_FOUND, Never, UserMissing;
    TaskNotFound = TASK_NOT_FOUND, Never, TaskMissing;
    UploadFailed = UPLOAD_FAILED, Backoff, UploadFailed;
    FileSizeExceeded = FILE_SIZE_EXCEEDED, Never, FileTooLarge;
    WorkflowNotSaved = WORKFLOW_NOT_SAVED, Never, RunOnce;
    CorpKeyInvalid = CORP_KEY_INVALID, Never, CorpKey;
    CorpInsufficientFunds = CORP_INSUFFICIENT_FUNDS, Never, CorpBalance;
    TaskIsQueued = TASK_IS_QUEUED, Backoff, Queued;
    /// The personal queue holds 1,000 tasks.
    PersonalQueueLimit = PERSONAL_QUEUE_LIMIT, Backoff, PersonalQueue;
    WebappNotExists = WEBAPP_NOT_EXISTS, Never, AppMissing;
    /// v2's `errorCode` of a task that failed for no stated reason (its query page's example).
    V2UnknownError = V2_UNKNOWN_ERROR, Backoff, ServerError;
    /// Rate limited. colorAi waits and retries, as for 421.
    RateLimited = RATE_LIMIT, Wait, WaitSlot;
    /// v2's `errorCode` of a task it does not know (a test call for a made-up id).
    V2TaskNotFound = V2_TASK_NOT_FOUND, Never, TaskMissing;
    /// A file over the limit (v2 upload).
    FileTooLarge = FILE_TOO_LARGE, Never, FileTooLarge;
    /// RunningHub's content check refused the input (the picture or the prompt): never retried,
    /// the same input would be refused again.
    ContentModeration = CONTENT_MODERATION, Never, Moderation;
    /// No capacity: colorAi waits and retries, as for 421.
    CapacityLimit = CAPACITY_LIMIT, Wait, WaitSlot;
}

impl Code {
    /// The known code with this number, if any.
    pub fn from_i64(n: i64) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.number() == n)
    }

    /// The known code a text names by its number (v2's `errorCode` is a string), if any.
    pub fn from_text(text: &str) -> Option<Code> {
        text.trim().parse().ok().and_then(Code::from_i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code the field guide lists ("Codes", and the newer ones of "More of the public
    /// record (2026)"), with what it must do: its message and whether it is tried again.
    const FIELD_GUIDE: [(i64, Msg, Retry); 31] = [
        (0, Msg::Success, Retry::Never),
        (301, Msg::Params, Retry::Never),
        (380, Msg::Workflow, Retry::Never),
        (412, Msg::Address, Retry::Never),
        (415, Msg::NoMachine, Retry::Wait),
        (416, Msg::Balance, Retry::Never),
        (421, Msg::WaitSlot, Retry::Wait),
        (423, Msg::TaskMissing, Retry::Never),
        (433, Msg::Inputs, Retry::Never),
        (435, Msg::InstanceType, Retry::Never),
        (436, Msg::Exclusive, Retry::Never),
        (500, Msg::ServerError, Retry::Backoff),
        (801, Msg::FreeUser, Retry::Never),
        (802, Msg::KeyRefused, Retry::Never),
        (803, Msg::NodeInfo, Retry::Never),
        (804, Msg::Running, Retry::Backoff),
        (805, Msg::Failed, Retry::Never),
        (806, Msg::UserMissing, Retry::Never),
        (807, Msg::TaskMissing, Retry::Never),
        (808, Msg::UploadFailed, Retry::Backoff),
        (809, Msg::FileTooLarge, Retry::Never),
        (810, Msg::RunOnce, Retry::Never),
        (811, Msg::CorpKey, Retry::Never),
        (812, Msg::CorpBalance, Retry::Never),
        (813, Msg::Queued, Retry::Backoff),
        (814, Msg::PersonalQueue, Retry::Backoff),
        (901, Msg::AppMissing, Retry::Never),
        // 1003 and 1520 wait like 421, with its message; 1008 is 809's file-size message.
        (1003, Msg::WaitSlot, Retry::Wait),
        (1008, Msg::FileTooLarge, Retry::Never),
        (1501, Msg::Moderation, Retry::Never),
        (1520, Msg::WaitSlot, Retry::Wait),
    ];

    #[test]
    fn every_code_of_the_field_guide_has_its_message_and_retry_rule() {
        for (number, msg, retry) in FIELD_GUIDE {
            let code = Code::from_i64(number).unwrap_or_else(|| panic!("{number} is unknown"));
            assert_eq!(code.number(), number);
            assert_eq!((code.msg(), code.retry()), (msg, retry), "{number}");
        }
        // The codes v2 answers that the guide's tables don't list (seen in saved test calls).
        for (number, msg, retry) in [
            (401, Msg::KeyRefused, Retry::Never),
            (1000, Msg::ServerError, Retry::Backoff),
            (1004, Msg::TaskMissing, Retry::Never),
        ] {
            let code = Code::from_i64(number).unwrap_or_else(|| panic!("{number} is unknown"));
            assert_eq!((code.msg(), code.retry()), (msg, retry), "{number}");
        }
        assert_eq!(
            Code::ALL.len(),
            FIELD_GUIDE.len() + 3,
            "a code no test names"
        );
    }

    #[test]
    fn codes_in_text_as_v2_sends_them() {
        assert_eq!(Code::from_text("1501"), Some(Code::ContentModeration));
        assert_eq!(Code::from_text(" 1000 "), Some(Code::V2UnknownError));
        for text in ["", "torch.OutOfMemoryError", "1501a", "99999"] {
            assert_eq!(Code::from_text(text), None, "{text:?}");
        }
    }

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
        // "Retry with backoff: 415, 421, 500, 808" (a busy answer waits for a free slot), and
        // the newer codes that clients wait on.
        for n in [415, 421, 500, 808, 1003, 1520] {
            assert_ne!(
                Code::from_i64(n).map(Code::retry),
                Some(Retry::Never),
                "{n}"
            );
        }
        // "Never retry on their own", and content moderation: the same input is refused again.
        for n in [301, 801, 802, 803, 806, 809, 810, 416, 812, 1008, 1501] {
            assert_eq!(
                Code::from_i64(n).map(Code::retry),
                Some(Retry::Never),
                "{n}"
            );
        }
    }
}
