//! Tolerant parsing of RunningHub answers: the envelope first, then `data` as the code says.
//! Numbers and strings are accepted for each other wherever RunningHub has been seen to mix them.

use super::json::{self, Object, Value};

use super::codes::Code;
use super::error::ApiError;
use super::types::*;

/// A parsed `{"code", "msg", "data"}` envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub code: i64,
    pub msg: String,
    pub data: Value,
}

impl Envelope {
    /// Parses an answer body. Anything that is not a JSON object with a numeric `code` is
    /// [`ApiError::NotJson`]: proxies answer with HTML pages, and cut connections with half a body.
    pub fn parse(body: &str) -> Result<Envelope, ApiError> {
        match json::parse(body.trim()) {
            Some(Value::Object(map)) => Envelope::from_object(map),
            _ => Err(ApiError::NotJson),
        }
    }

    /// The envelope of an answer already read; [`ApiError::NotJson`] without a numeric `code`.
    pub(crate) fn from_object(mut map: Object) -> Result<Envelope, ApiError> {
        let code = map
            .get("code")
            .and_then(|c| match c {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            })
            .ok_or(ApiError::NotJson)?;
        // v1 says `msg`; v2's upload says `message`.
        let msg = map
            .get("msg")
            .or_else(|| map.get("message"))
            .and_then(text)
            .unwrap_or_default();
        let data = map.remove("data").unwrap_or(Value::Null);
        Ok(Envelope { code, msg, data })
    }

    fn into_service_error(self) -> ApiError {
        ApiError::Service {
            code: self.code,
            msg: self.msg,
        }
    }

    /// `data` of a code 0 answer, or the code as an error.
    fn success_data(self) -> Result<Value, ApiError> {
        if self.code == 0 {
            Ok(self.data)
        } else {
            Err(self.into_service_error())
        }
    }
}

/// A JSON string, number or boolean as text; IDs above 2^53 keep every digit because numbers
/// are kept as the text they came in.
pub(crate) fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.as_str().to_owned()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(crate) fn field(map: &Object, name: &str) -> Option<String> {
    map.get(name).and_then(text).filter(|s| !s.is_empty())
}

/// Parses the answer to `/task/openapi/ai-app/run`.
pub fn parse_run(body: &str) -> Result<RunData, ApiError> {
    let data = Envelope::parse(body)?.success_data()?;
    let Value::Object(map) = data else {
        return Err(ApiError::Shape("run: data is not an object".into()));
    };
    let task_id = field(&map, "taskId").ok_or_else(|| ApiError::Shape("run: no taskId".into()))?;
    Ok(RunData {
        task_id,
        task_status: field(&map, "taskStatus"),
        client_id: field(&map, "clientId"),
        prompt_tips: map.get("promptTips").and_then(parse_prompt_tips),
        socket: socket_of(&map),
    })
}

/// `netWssUrl` of an answer's data, when it holds a usable one.
pub(crate) fn socket_of(map: &Object) -> Option<SocketUrl> {
    map.get("netWssUrl")
        .and_then(Value::as_str)
        .and_then(SocketUrl::parse)
}

/// `promptTips` is a JSON document inside a string; older answers may send the object itself.
pub fn parse_prompt_tips(value: &Value) -> Option<PromptTips> {
    let parsed;
    let tips = match value {
        Value::String(s) => {
            parsed = json::parse(s)?;
            &parsed
        }
        other => other,
    };
    let map = tips.as_object()?;
    let error = match map.get("error") {
        Some(Value::Object(e)) => e.get("message").and_then(text),
        Some(other) => text(other),
        None => None,
    };
    let node_errors = match map.get("node_errors") {
        Some(Value::Object(nodes)) => nodes
            .iter()
            .map(|(node_id, detail)| parse_node_error(node_id, detail))
            .collect(),
        _ => Vec::new(),
    };
    Some(PromptTips {
        result: map.get("result").and_then(Value::as_bool),
        error,
        outputs_to_execute: map
            .get("outputs_to_execute")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(text).collect())
            .unwrap_or_default(),
        node_errors,
    })
}

fn parse_node_error(node_id: &str, detail: &Value) -> NodeError {
    let messages = detail
        .get("errors")
        .and_then(Value::as_array)
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    let message = e.get("message").and_then(text).unwrap_or_default();
                    match e.get("details").and_then(text).filter(|d| !d.is_empty()) {
                        Some(details) if !message.is_empty() => format!("{message}: {details}"),
                        Some(details) => details,
                        None => message,
                    }
                })
                .filter(|m| !m.is_empty())
                .collect()
        })
        .unwrap_or_default();
    NodeError {
        node_id: node_id.to_owned(),
        class_type: detail.get("class_type").and_then(text),
        messages,
    }
}

/// Parses the answer to `/task/openapi/outputs`, following the table in the field guide.
pub fn parse_outputs(body: &str) -> Result<OutputsAnswer, ApiError> {
    parse_poll_v1(body).map(|polled| polled.answer)
}

/// The answer to `/task/openapi/outputs` as a poll: the state, the cost the files report, and
/// the progress socket a running task's answer (804) carries.
pub fn parse_poll_v1(body: &str) -> Result<Polled, ApiError> {
    let envelope = Envelope::parse(body)?;
    let socket = envelope.data.as_object().and_then(socket_of);
    let answer = outputs_answer(envelope)?;
    let usage = match &answer {
        OutputsAnswer::Done(files) => Usage::from_files(files),
        _ => Usage::default(),
    };
    Ok(Polled {
        answer,
        usage,
        api: ApiVersion::V1,
        socket,
    })
}

fn outputs_answer(envelope: Envelope) -> Result<OutputsAnswer, ApiError> {
    match Code::from_i64(envelope.code) {
        Some(Code::Success) => match envelope.data {
            Value::Null => Ok(OutputsAnswer::Running),
            Value::Array(items) if items.is_empty() => Ok(OutputsAnswer::Empty),
            Value::Array(items) => {
                let files: Vec<OutputFile> = items.iter().filter_map(parse_output_file).collect();
                if files.is_empty() {
                    Err(ApiError::Shape("outputs: no fileUrl in any item".into()))
                } else {
                    Ok(OutputsAnswer::Done(files))
                }
            }
            _ => Err(ApiError::Shape(
                "outputs: data is neither a list nor null".into(),
            )),
        },
        Some(Code::TaskIsRunning) => Ok(OutputsAnswer::Running),
        Some(Code::TaskIsQueued) => Ok(OutputsAnswer::Queued),
        Some(Code::TaskStatusError) => Ok(OutputsAnswer::Failed(parse_failed_reason(
            envelope.data.get("failedReason").unwrap_or(&envelope.data),
        ))),
        Some(Code::TaskNotFound | Code::TaskNotFounded) => Ok(OutputsAnswer::NotFound),
        _ => Err(envelope.into_service_error()),
    }
}

fn parse_output_file(item: &Value) -> Option<OutputFile> {
    let map = item.as_object()?;
    Some(OutputFile {
        file_url: field(map, "fileUrl")?,
        file_type: field(map, "fileType").unwrap_or_default(),
        task_cost_time: field(map, "taskCostTime"),
        node_id: field(map, "nodeId"),
        consume_coins: field(map, "consumeCoins"),
        consume_money: field(map, "consumeMoney"),
        third_party_consume_money: field(map, "thirdPartyConsumeMoney"),
    })
}

pub(crate) fn parse_failed_reason(value: &Value) -> FailedReason {
    let Some(map) = value.as_object() else {
        return FailedReason {
            exception_message: text(value).filter(|s| !s.is_empty()),
            ..FailedReason::default()
        };
    };
    FailedReason {
        node_name: field(map, "node_name"),
        node_id: field(map, "node_id"),
        exception_type: field(map, "exception_type"),
        exception_message: field(map, "exception_message"),
        traceback: map
            .get("traceback")
            .map(parse_traceback)
            .unwrap_or_default(),
    }
}

/// The traceback is a JSON array of lines inside a string; take a real array or plain text too.
fn parse_traceback(value: &Value) -> Vec<String> {
    let lines = |items: &[Value]| items.iter().filter_map(text).collect::<Vec<_>>();
    match value {
        Value::Array(items) => lines(items),
        Value::String(s) => match json::parse(s) {
            Some(Value::Array(items)) => lines(&items),
            _ if s.is_empty() => Vec::new(),
            _ => vec![s.clone()],
        },
        _ => Vec::new(),
    }
}

/// Parses the answer to `/uc/openapi/accountStatus`.
pub fn parse_account(body: &str) -> Result<AccountStatus, ApiError> {
    let data = Envelope::parse(body)?.success_data()?;
    let map = data
        .as_object()
        .ok_or_else(|| ApiError::Shape("accountStatus: data is not an object".into()))?;
    Ok(AccountStatus {
        remain_coins: field(map, "remainCoins"),
        current_task_counts: field(map, "currentTaskCounts"),
        remain_money: field(map, "remainMoney"),
        currency: field(map, "currency"),
        api_type: field(map, "apiType"),
    })
}

/// Parses the answer to `/task/openapi/upload`.
pub fn parse_upload(body: &str) -> Result<Uploaded, ApiError> {
    let data = Envelope::parse(body)?.success_data()?;
    let map = data
        .as_object()
        .ok_or_else(|| ApiError::Shape("upload: data is not an object".into()))?;
    Ok(Uploaded {
        file_name: field(map, "fileName")
            .ok_or_else(|| ApiError::Shape("upload: no fileName".into()))?,
        file_type: field(map, "fileType"),
        api: ApiVersion::V1,
    })
}

/// Parses the answer to `GET /api/webapp/apiCallDemo`.
pub fn parse_app_demo(body: &str) -> Result<AppDemo, ApiError> {
    let data = Envelope::parse(body)?.success_data()?;
    let map = data
        .as_object()
        .ok_or_else(|| ApiError::Shape("apiCallDemo: data is not an object".into()))?;
    let fields = map
        .get("nodeInfoList")
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(parse_app_field).collect())
        .unwrap_or_default();
    Ok(AppDemo {
        webapp_name: field(map, "webappName"),
        fields,
    })
}

fn parse_app_field(item: &Value) -> Option<AppField> {
    let map = item.as_object()?;
    Some(AppField {
        node_id: field(map, "nodeId")?,
        node_name: field(map, "nodeName"),
        field_name: field(map, "fieldName")?,
        field_value: map.get("fieldValue").cloned().unwrap_or(Value::Null),
        field_type: field(map, "fieldType")
            .unwrap_or_default()
            .to_ascii_uppercase(),
        choices: map.get("fieldData").map(parse_choices).unwrap_or_default(),
        description: field(map, "description"),
        description_en: field(map, "descriptionEn"),
    })
}

/// LIST choices arrive as `"[[\"a\",\"b\"],{\"default\":\"a\"}]"` (a string holding JSON), or as
/// a plain list; take the first list of scalars found.
fn parse_choices(value: &Value) -> Vec<String> {
    let parsed;
    let value = match value {
        Value::String(s) => match json::parse(s) {
            Some(v) => {
                parsed = v;
                &parsed
            }
            None => return Vec::new(),
        },
        other => other,
    };
    match value {
        Value::Array(items) if items.iter().all(|i| !i.is_array() && !i.is_object()) => {
            items.iter().filter_map(text).collect()
        }
        Value::Array(items) => items
            .iter()
            .find(|i| i.is_array())
            .map(parse_choices)
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed document's run answer, verbatim.
    const SEED_RUN_ANSWER: &str = r#"{
    "code": 0,
    "msg": "success",
    "errorMessages": null,
    "data": {
        "netWssUrl": null,
        "taskId": "1983070826507472898",
        "clientId": "4c8a885af070060139abecdbffc97978",
        "taskStatus": "QUEUED",
        "promptTips": "{\"result\": true, \"error\": null, \"outputs_to_execute\": [\"160\"], \"node_errors\": {}}"
    }
}"#;

    /// The seed document's outputs answer, verbatim.
    const SEED_OUTPUTS_ANSWER: &str = r#"{
  "code": 0,
  "msg": "success",
  "data": [
    {
      "fileUrl": "https://rh-images.xiaoyaoyou.com/de0db6f2564c8697b07df55a77f07be9/output/ComfyUI_00033_hpgko_1742822929.png",
      "fileType": "png",
      "taskCostTime": "0",
      "nodeId": "9"
    }
  ]
}"#;

    /// The seed's webhook `eventData`: an outputs answer inside a string, with a numeric cost.
    const SEED_WEBHOOK_EVENT_DATA: &str = "{\"code\":0,\"msg\":\"success\",\"data\":[{\"fileUrl\":\"https://rh-images.xiaoyaoyou.com/de0db6f2564c8697b07df55a77f07be9/output/ComfyUI_00033_hpgko_1742822929.png\",\"fileType\":\"png\",\"taskCostTime\":0,\"nodeId\":\"9\"}]}";

    #[test]
    fn seed_run_answer() {
        let run = parse_run(SEED_RUN_ANSWER).expect("seed run answer parses");
        assert_eq!(run.task_id, "1983070826507472898");
        assert_eq!(run.task_status.as_deref(), Some("QUEUED"));
        assert_eq!(
            run.client_id.as_deref(),
            Some("4c8a885af070060139abecdbffc97978")
        );
        let tips = run.prompt_tips.expect("promptTips parsed");
        assert_eq!(tips.result, Some(true));
        assert_eq!(tips.outputs_to_execute, vec!["160".to_string()]);
        assert!(tips.node_errors.is_empty());
        assert_eq!(tips.error, None);
    }

    #[test]
    fn seed_outputs_answer() {
        let OutputsAnswer::Done(files) = parse_outputs(SEED_OUTPUTS_ANSWER).expect("parses") else {
            panic!("expected Done");
        };
        assert_eq!(files.len(), 1);
        assert!(files[0]
            .file_url
            .ends_with("ComfyUI_00033_hpgko_1742822929.png"));
        assert_eq!(files[0].file_type, "png");
        assert_eq!(files[0].task_cost_time.as_deref(), Some("0"));
        assert_eq!(files[0].node_id.as_deref(), Some("9"));
        assert!(files[0].is_image());
    }

    #[test]
    fn seed_webhook_event_data_is_an_outputs_answer() {
        let OutputsAnswer::Done(files) = parse_outputs(SEED_WEBHOOK_EVENT_DATA).expect("parses")
        else {
            panic!("expected Done");
        };
        assert_eq!(files[0].task_cost_time.as_deref(), Some("0"));
    }

    #[test]
    fn task_id_as_a_big_number_keeps_every_digit() {
        let body = r#"{"code":0,"msg":"success","data":{"taskId":1983070826507472898,"taskStatus":"QUEUED"}}"#;
        assert_eq!(
            parse_run(body).expect("parses").task_id,
            "1983070826507472898"
        );
    }

    #[test]
    fn every_outputs_shape_in_the_field_guide() {
        let running_obj =
            r#"{"code":804,"msg":"APIKEY_TASK_IS_RUNNING","data":{"netWssUrl":"wss://x"}}"#;
        assert_eq!(parse_outputs(running_obj), Ok(OutputsAnswer::Running));
        let queued = r#"{"code":813,"msg":"APIKEY_TASK_IS_QUEUED","data":null}"#;
        assert_eq!(parse_outputs(queued), Ok(OutputsAnswer::Queued));
        let null_data = r#"{"code":0,"msg":"success","data":null}"#;
        assert_eq!(parse_outputs(null_data), Ok(OutputsAnswer::Running));
        let empty = r#"{"code":0,"msg":"success","data":[]}"#;
        assert_eq!(parse_outputs(empty), Ok(OutputsAnswer::Empty));
        let not_found = r#"{"code":807,"msg":"APIKEY_TASK_NOT_FOUND","data":null}"#;
        assert_eq!(parse_outputs(not_found), Ok(OutputsAnswer::NotFound));
        let bad_key = r#"{"code":802,"msg":"APIKEY_UNAUTHORIZED","data":null}"#;
        assert_eq!(
            parse_outputs(bad_key),
            Err(ApiError::Service {
                code: 802,
                msg: "APIKEY_UNAUTHORIZED".into()
            })
        );
    }

    #[test]
    fn failed_reason_with_traceback_inside_a_string() {
        let body = r#"{"code":805,"msg":"APIKEY_TASK_STATUS_ERROR","data":{"failedReason":{
            "node_name":"KSampler","node_id":"3","exception_type":"torch.OutOfMemoryError",
            "exception_message":"CUDA out of memory",
            "traceback":"[\"Traceback (most recent call last):\\n\", \"  File \\\"execution.py\\\"\\n\"]"}}}"#;
        let Ok(OutputsAnswer::Failed(reason)) = parse_outputs(body) else {
            panic!("expected Failed");
        };
        assert_eq!(reason.node_name.as_deref(), Some("KSampler"));
        assert_eq!(
            reason.exception_type.as_deref(),
            Some("torch.OutOfMemoryError")
        );
        assert_eq!(
            reason.exception_message.as_deref(),
            Some("CUDA out of memory")
        );
        assert_eq!(reason.traceback.len(), 2);
        assert!(reason.traceback[1].contains("execution.py"));
    }

    #[test]
    fn failed_with_no_reason_still_fails() {
        let body = r#"{"code":805,"msg":"APIKEY_TASK_STATUS_ERROR","data":null}"#;
        assert_eq!(
            parse_outputs(body),
            Ok(OutputsAnswer::Failed(FailedReason::default()))
        );
    }

    #[test]
    fn node_errors_are_listed_per_node() {
        let body = r#"{"code":0,"msg":"success","data":{"taskId":"1","taskStatus":"FAILED",
            "promptTips":"{\"result\": false, \"error\": {\"type\": \"prompt_outputs_failed_validation\", \"message\": \"Prompt outputs failed validation\"}, \"outputs_to_execute\": [], \"node_errors\": {\"112\": {\"errors\": [{\"type\": \"custom_validation_failed\", \"message\": \"Invalid image file\", \"details\": \"image: api/missing.png\", \"extra_info\": {}}], \"dependent_outputs\": [\"160\"], \"class_type\": \"LoadImage\"}}}"}}"#;
        let tips = parse_run(body).expect("parses").prompt_tips.expect("tips");
        assert_eq!(tips.result, Some(false));
        assert_eq!(
            tips.error.as_deref(),
            Some("Prompt outputs failed validation")
        );
        assert_eq!(tips.node_errors.len(), 1);
        assert_eq!(tips.node_errors[0].node_id, "112");
        assert_eq!(tips.node_errors[0].class_type.as_deref(), Some("LoadImage"));
        assert_eq!(
            tips.node_errors[0].messages,
            vec!["Invalid image file: image: api/missing.png"]
        );
    }

    #[test]
    fn garbage_is_not_json() {
        for body in [
            "<html><body>502 Bad Gateway</body></html>",
            "{\"code\":0,\"msg\":\"succ",
            "",
            "[1,2]",
            "{\"msg\":\"no code\"}",
        ] {
            assert_eq!(parse_outputs(body), Err(ApiError::NotJson), "{body}");
        }
    }

    /// What our relay sends in place of an upstream answer that is not JSON (server/src/relay.rs,
    /// `not_json`): read exactly as the HTML it replaces was, by every parser that gets it.
    #[test]
    fn the_relays_stand_in_for_a_page_that_is_not_json_reads_as_not_json() {
        let stand_in = r#"{"code":null,"msg":"relay: RunningHub answered HTTP 200 with text/html, not JSON","data":null,"relay":"not-json"}"#;
        assert_eq!(Envelope::parse(stand_in), Err(ApiError::NotJson));
        assert_eq!(parse_outputs(stand_in), Err(ApiError::NotJson));
        assert_eq!(parse_run(stand_in).map(|_| ()), Err(ApiError::NotJson));
        assert_eq!(
            super::super::v2::parse_query(stand_in).map(|_| ()),
            Err(ApiError::NotJson)
        );
        // So a run that got it may have created a task, and v2 falls back to v1 as before.
        assert!(ApiError::NotJson.answer_lost());
    }

    #[test]
    fn code_as_a_string_is_accepted() {
        let body = r#"{"code":"813","msg":"APIKEY_TASK_IS_QUEUED","data":null}"#;
        assert_eq!(parse_outputs(body), Ok(OutputsAnswer::Queued));
    }

    #[test]
    fn account_values_are_strings_or_null() {
        let body = r#"{"code":0,"msg":"success","data":{"remainCoins":"1234","currentTaskCounts":0,"remainMoney":null,"currency":null,"apiType":"NORMAL"}}"#;
        let account = parse_account(body).expect("parses");
        assert_eq!(account.remain_coins.as_deref(), Some("1234"));
        assert_eq!(account.current_task_counts.as_deref(), Some("0"));
        assert_eq!(account.remain_money, None);
        assert_eq!(account.api_type.as_deref(), Some("NORMAL"));
    }

    #[test]
    fn upload_answer() {
        let body =
            r#"{"code":0,"msg":"success","data":{"fileName":"api/abc.png","fileType":"input"}}"#;
        assert_eq!(parse_upload(body).expect("parses").file_name, "api/abc.png");
        let too_big = r#"{"code":809,"msg":"APIKEY_FILE_SIZE_EXCEEDED","data":null}"#;
        assert_eq!(
            parse_upload(too_big).expect_err("809").code(),
            Some(Code::FileSizeExceeded)
        );
    }

    #[test]
    fn app_demo_fields_and_list_choices() {
        let body = r#"{"code":0,"msg":"success","data":{"webappName":"Interior","nodeInfoList":[
            {"nodeId":"112","nodeName":"LoadImage","fieldName":"image","fieldValue":"a.jpg","fieldType":"IMAGE","description":"SU截图","descriptionEn":"SU screenshot"},
            {"nodeId":"7","fieldName":"style","fieldValue":"modern","fieldType":"LIST","fieldData":"[[\"modern\",\"nordic\"],{\"default\":\"modern\"}]"},
            {"nodeId":9,"fieldName":"seed","fieldValue":42,"fieldType":"int"}]}}"#;
        let demo = parse_app_demo(body).expect("parses");
        assert_eq!(demo.webapp_name.as_deref(), Some("Interior"));
        assert_eq!(demo.fields.len(), 3);
        assert_eq!(demo.fields[1].choices, vec!["modern", "nordic"]);
        assert_eq!(demo.fields[2].node_id, "9");
        assert_eq!(demo.fields[2].field_type, "INT");
    }

    #[test]
    fn file_kinds() {
        let file = |url: &str, kind: &str| OutputFile {
            file_url: url.into(),
            file_type: kind.into(),
            ..OutputFile::default()
        };
        assert!(file("https://x/a.PNG", "").is_image());
        assert!(file("https://x/a", "jpg").is_image());
        assert!(!file("https://x/a.mp4", "mp4").is_image());
        assert!(!file("https://x/a.txt?x=1", "").is_image());
    }
}
