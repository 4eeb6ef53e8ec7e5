//! From what the user entered to `nodeInfoList`: only what differs from the app's defaults is
//! sent (plus required pictures), each value in the JSON type of the default it replaces.

use super::decimal;
use crate::protocol::FieldValue as Value;
use crate::protocol::{AppField, NodeInfo, SU_REFERENCE_NODE, SU_SCREENSHOT_NODE, SU_WEBAPP_ID};

/// How a field is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Image,
    Text,
    Int,
    Float,
    List,
    Switch,
}

impl FieldKind {
    /// RunningHub's `fieldType`; unknown types are edited as text.
    pub fn from_type(field_type: &str) -> FieldKind {
        match field_type.to_ascii_uppercase().as_str() {
            "IMAGE" | "VIDEO" | "AUDIO" => FieldKind::Image,
            "INT" | "INTEGER" => FieldKind::Int,
            "FLOAT" | "NUMBER" => FieldKind::Float,
            "LIST" | "SELECT" | "COMBO" => FieldKind::List,
            "SWITCH" | "BOOLEAN" | "BOOL" => FieldKind::Switch,
            _ => FieldKind::Text,
        }
    }
}

/// One input of the form, as the app describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    pub node_id: String,
    pub field_name: String,
    pub kind: FieldKind,
    /// The app's default (its JSON type is the type sent back).
    pub default: Value,
    pub choices: Vec<String>,
    pub description: Option<String>,
    pub description_en: Option<String>,
    /// A picture the user must give (the app's default is only an example).
    pub required: bool,
    /// The node's class as the app names it (`LoadImage`), for the progress view.
    pub node_name: Option<String>,
}

impl FieldSpec {
    /// A field of a loaded app.
    pub fn from_app(field: &AppField) -> FieldSpec {
        let kind = FieldKind::from_type(&field.field_type);
        let optional_words = |d: &Option<String>| {
            d.as_deref()
                .is_some_and(|d| d.contains("可选") || d.to_ascii_lowercase().contains("optional"))
        };
        let is_su_reference = field.node_id == SU_REFERENCE_NODE;
        FieldSpec {
            node_id: field.node_id.clone(),
            field_name: field.field_name.clone(),
            kind,
            default: field.field_value.clone(),
            choices: field.choices.clone(),
            description: field.description.clone(),
            description_en: field.description_en.clone(),
            required: kind == FieldKind::Image
                && !is_su_reference
                && !optional_words(&field.description)
                && !optional_words(&field.description_en),
            node_name: field.node_name.clone(),
        }
    }

    /// The text shown in the editor before the user changes anything.
    pub fn default_text(&self) -> String {
        if self.kind == FieldKind::Image {
            // The default picture is the app's example: start empty so the user gives their own.
            return String::new();
        }
        self.default.text().unwrap_or_default()
    }
}

/// The SketchUp app's inputs, known without asking the server (works even when the app list
/// can't be loaded).
pub fn su_preset() -> Vec<FieldSpec> {
    let image = |node: &str, required: bool| FieldSpec {
        node_id: node.to_owned(),
        field_name: "image".to_owned(),
        kind: FieldKind::Image,
        default: Value::default(),
        choices: Vec::new(),
        description: None,
        description_en: None,
        required,
        node_name: Some("LoadImage".to_owned()),
    };
    vec![
        image(SU_SCREENSHOT_NODE, true),
        image(SU_REFERENCE_NODE, false),
    ]
}

/// Node names the form knows (`(node id, class name)`), once per node, for the progress view.
pub fn node_names(specs: &[FieldSpec]) -> Vec<(String, String)> {
    let mut names: Vec<(String, String)> = Vec::new();
    for spec in specs {
        if let Some(name) = spec.node_name.as_ref().filter(|n| !n.is_empty()) {
            if !names.iter().any(|(id, _)| *id == spec.node_id) {
                names.push((spec.node_id.clone(), name.clone()));
            }
        }
    }
    names
}

/// True for the SketchUp app, whose nodes get friendly labels.
pub fn is_su_app(webapp_id: &str) -> bool {
    webapp_id.trim() == SU_WEBAPP_ID
}

/// Why the form can't be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormProblem {
    /// A required picture is missing (node id).
    MissingImage(String),
    /// A number field holds something else (node id, field name).
    NotANumber(String, String),
    /// An advanced override lacks its node id or field name (row number, from 1).
    IncompleteOverride(usize),
}

/// A raw override from the advanced editor.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawOverride {
    pub node_id: String,
    pub field_name: String,
    /// JSON if it parses as JSON (numbers, true/false, quoted strings, objects), text otherwise.
    pub value: String,
}

/// Builds `nodeInfoList` from the fields and what was entered for each (same order), then the
/// advanced overrides, which replace a field with the same node and name.
pub fn build_node_list(
    fields: &[FieldSpec],
    values: &[String],
    overrides: &[RawOverride],
) -> Result<Vec<NodeInfo>, FormProblem> {
    let mut nodes = Vec::new();
    for (field, entered) in fields.iter().zip(values) {
        let entered = entered.trim();
        let value = match field.kind {
            FieldKind::Image => {
                if entered.is_empty() {
                    if field.required {
                        return Err(FormProblem::MissingImage(field.node_id.clone()));
                    }
                    continue;
                }
                Value::from(entered)
            }
            FieldKind::Int | FieldKind::Float => {
                let number =
                    parse_number(entered, field.kind == FieldKind::Int).ok_or_else(|| {
                        FormProblem::NotANumber(field.node_id.clone(), field.field_name.clone())
                    })?;
                if same_number(&field.default, &number) {
                    continue;
                }
                if field.default.is_string() {
                    // The default came as a string: send a string, as the app expects.
                    Value::from(entered)
                } else {
                    number
                }
            }
            FieldKind::Switch => {
                let on = entered == "true";
                let default_on = field.default.as_bool().unwrap_or_else(|| {
                    (field.default.text()).is_some_and(|t| t.eq_ignore_ascii_case("true"))
                });
                if on == default_on {
                    continue;
                }
                if field.default.is_string() {
                    Value::from(on.to_string().as_str())
                } else {
                    Value::from(on)
                }
            }
            FieldKind::Text | FieldKind::List => {
                if field.default.text().as_deref() == Some(entered) {
                    continue;
                }
                Value::from(entered)
            }
        };
        nodes.push(NodeInfo {
            node_id: field.node_id.clone(),
            field_name: field.field_name.clone(),
            field_value: value,
            description: None,
        });
    }
    for (i, raw) in overrides.iter().enumerate() {
        let (node_id, field_name) = (raw.node_id.trim(), raw.field_name.trim());
        if node_id.is_empty() && field_name.is_empty() && raw.value.trim().is_empty() {
            continue;
        }
        if node_id.is_empty() || field_name.is_empty() {
            return Err(FormProblem::IncompleteOverride(i + 1));
        }
        let value = Value::parse(raw.value.trim()).unwrap_or_else(|| Value::from(raw.value.trim()));
        nodes.retain(|n| !(n.node_id == node_id && n.field_name == field_name));
        nodes.push(NodeInfo {
            node_id: node_id.to_owned(),
            field_name: field_name.to_owned(),
            field_value: value,
            description: None,
        });
    }
    Ok(nodes)
}

/// What a number field sends: a whole number, or a float (written `2.0`, `0.5`).
fn parse_number(text: &str, integer: bool) -> Option<Value> {
    if integer {
        text.parse::<i64>().ok().map(Value::from)
    } else {
        decimal::parse(text)
            .filter(|f| f.is_finite())
            .map(|f| Value::of(&f))
    }
}

fn same_number(default: &Value, number: &Value) -> bool {
    let as_f64 = |v: &Value| {
        if v.is_number() || v.is_string() {
            decimal::parse(v.text()?.trim())
        } else {
            None
        }
    };
    matches!((as_f64(default), as_f64(number)), (Some(a), Some(b)) if a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(text: &str) -> Value {
        Value::parse(text).expect("a JSON number")
    }

    fn field(node: &str, name: &str, kind: &str, default: Value) -> FieldSpec {
        FieldSpec::from_app(&AppField {
            node_id: node.into(),
            field_name: name.into(),
            field_value: default,
            field_type: kind.into(),
            ..AppField::default()
        })
    }

    #[test]
    fn su_preset_sends_the_screenshot_and_leaves_out_an_empty_reference() {
        let fields = su_preset();
        let nodes =
            build_node_list(&fields, &["api/a.png".into(), String::new()], &[]).expect("ok");
        assert_eq!(nodes, vec![NodeInfo::text("112", "image", "api/a.png")]);
        let both =
            build_node_list(&fields, &["api/a.png".into(), " api/b.png ".into()], &[]).expect("ok");
        assert_eq!(both[1], NodeInfo::text("158", "image", "api/b.png"));
        assert_eq!(
            build_node_list(&fields, &[String::new(), String::new()], &[]),
            Err(FormProblem::MissingImage("112".into()))
        );
    }

    #[test]
    fn only_changed_fields_are_sent_in_the_defaults_type() {
        let fields = vec![
            field("1", "image", "IMAGE", Value::from("example.jpg")),
            field("2", "prompt", "STRING", Value::from("a modern living room")),
            field("3", "seed", "INT", Value::from("42")),
            field("4", "denoise", "FLOAT", num("0.75")),
            field("5", "style", "LIST", Value::from("modern")),
            field("6", "upscale", "SWITCH", Value::from("true")),
            field("7", "steps", "INT", Value::from(20i64)),
        ];
        let untouched: Vec<String> = fields.iter().map(|f| f.default_text()).collect();
        let mut values = untouched.clone();
        values[0] = "api/room.png".into();
        assert_eq!(
            build_node_list(&fields, &values, &[]).expect("ok"),
            vec![NodeInfo::text("1", "image", "api/room.png")]
        );
        values[1] = "a nordic kitchen".into();
        values[2] = "7".into();
        values[3] = "0.5".into();
        values[4] = "nordic".into();
        values[5] = "false".into();
        values[6] = "20".into();
        let nodes = build_node_list(&fields, &values, &[]).expect("ok");
        let sent: Vec<(&str, &Value)> = nodes
            .iter()
            .map(|n| (n.node_id.as_str(), &n.field_value))
            .collect();
        assert_eq!(
            sent,
            vec![
                ("1", &Value::from("api/room.png")),
                ("2", &Value::from("a nordic kitchen")),
                ("3", &Value::from("7")),
                ("4", &num("0.5")),
                ("5", &Value::from("nordic")),
                ("6", &Value::from("false")),
            ]
        );
    }

    #[test]
    fn bad_numbers_are_refused() {
        let fields = vec![field("3", "seed", "INT", Value::from(42i64))];
        assert_eq!(
            build_node_list(&fields, &["4.5".into()], &[]),
            Err(FormProblem::NotANumber("3".into(), "seed".into()))
        );
        assert_eq!(
            build_node_list(&fields, &["43".into()], &[]).expect("ok")[0].field_value,
            Value::from(43i64)
        );
    }

    #[test]
    fn overrides_replace_and_parse_json() {
        let fields = su_preset();
        let overrides = vec![
            RawOverride {
                node_id: "112".into(),
                field_name: "image".into(),
                value: "api/x.png".into(),
            },
            RawOverride {
                node_id: "9".into(),
                field_name: "seed".into(),
                value: "123".into(),
            },
            RawOverride {
                node_id: "9".into(),
                field_name: "on".into(),
                value: "true".into(),
            },
            RawOverride::default(),
        ];
        let nodes =
            build_node_list(&fields, &["api/a.png".into(), String::new()], &overrides).expect("ok");
        assert_eq!(nodes.len(), 3);
        assert_eq!(nodes[0], NodeInfo::text("112", "image", "api/x.png"));
        assert_eq!(nodes[1].field_value, Value::from(123i64));
        assert_eq!(nodes[2].field_value, Value::from(true));
        let incomplete = vec![RawOverride {
            node_id: "9".into(),
            ..RawOverride::default()
        }];
        assert_eq!(
            build_node_list(&fields, &["a".into(), String::new()], &incomplete),
            Err(FormProblem::IncompleteOverride(1))
        );
    }

    #[test]
    fn required_pictures() {
        let mut optional = AppField {
            node_id: "5".into(),
            field_name: "image".into(),
            field_type: "IMAGE".into(),
            ..AppField::default()
        };
        optional.description_en = Some("Mask (optional)".into());
        assert!(!FieldSpec::from_app(&optional).required);
        let reference = AppField {
            node_id: "158".into(),
            field_name: "image".into(),
            field_type: "IMAGE".into(),
            ..AppField::default()
        };
        assert!(!FieldSpec::from_app(&reference).required);
        let main = AppField {
            node_id: "112".into(),
            field_name: "image".into(),
            field_type: "IMAGE".into(),
            ..AppField::default()
        };
        assert!(FieldSpec::from_app(&main).required);
    }
}
