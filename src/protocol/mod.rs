//! The RunningHub OpenAPI (v1, and v2's upload and query) as this app speaks it: request and answer types, the code table,
//! tolerant parsing and the HTTP calls. Nothing here knows about Leptos, so all of it is tested
//! natively on fixtures (including the seed document's examples, verbatim).
//!
//! Every v1 endpoint answers `{"code", "msg", "data"}` and `data` changes type with `code`, so
//! answers are parsed in two steps: the envelope first, then `data` as the code says. v2 answers
//! flat; [`v2`] maps it onto the same types.

pub mod answers;
pub mod client;
pub mod codes;
pub mod error;
pub mod local_server;
pub mod loose;
pub mod sites;
pub mod socket;
pub mod types;
pub mod v2;

pub use answers::{
    parse_account, parse_app_demo, parse_outputs, parse_poll_v1, parse_run, parse_upload,
};
pub use codes::Code;
pub use error::ApiError;
pub use types::*;

/// The SketchUp-screenshot-to-rendering AI app of the seed document, its screenshot node
/// (field `image`, required) and its reference-picture node (only the colour temperature and
/// tone are taken).
pub use rh_api::su_app::{
    REFERENCE_NODE as SU_REFERENCE_NODE, SCREENSHOT_NODE as SU_SCREENSHOT_NODE,
    WEBAPP_ID as SU_WEBAPP_ID,
};

/// True for a RunningHub API key: 32 hexadecimal characters.
pub fn is_valid_key(key: &str) -> bool {
    key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

/// True for a RunningHub ID (taskId, webappId): decimal digits only, kept as a string because real
/// IDs are above 2^53 and would lose digits as JavaScript numbers.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 24 && id.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_32_hex() {
        assert!(is_valid_key("71ee8ebbd0dc4daab7bbd3af4a945edd"));
        assert!(is_valid_key("71EE8EBBD0DC4DAAB7BBD3AF4A945EDD"));
        assert!(!is_valid_key("71ee8ebbd0dc4daab7bbd3af4a945ed"));
        assert!(!is_valid_key("71ee8ebbd0dc4daab7bbd3af4a945eddz"));
        assert!(!is_valid_key("71ee8ebbd0dc4daab7bbd3af4a945edg"));
        assert!(!is_valid_key(""));
    }

    #[test]
    fn ids_are_digit_strings() {
        assert!(is_valid_id(SU_WEBAPP_ID));
        assert!(!is_valid_id("19830612331107901a6"));
        assert!(!is_valid_id(""));
    }
}
