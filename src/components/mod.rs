//! The page's parts, one component a file. They render state and wire events; the decisions live
//! in `protocol` and `lifecycle`.

pub mod account_check;
pub mod advanced_editor;
pub mod batch_view;
pub mod blocked_guide;
pub mod compare_view;
pub mod consent_banner;
pub mod failure_details;
pub mod field_input;
pub mod history_panel;
pub mod image_input;
pub mod job_view;
pub mod key_field;
pub mod lang_switch;
pub mod node_error_list;
pub mod output_list;
pub mod progress_bar;
pub mod render_form;
pub mod share_button;
pub mod site_picker;
pub mod text_field;
pub mod viewer;

pub use account_check::AccountCheck;
pub use advanced_editor::AdvancedEditor;
pub use batch_view::BatchView;
pub use blocked_guide::BlockedGuide;
pub use compare_view::CompareView;
pub use consent_banner::ConsentBanner;
pub use failure_details::FailureDetails;
pub use field_input::FieldInput;
pub use history_panel::HistoryPanel;
pub use image_input::ImageInput;
pub use job_view::JobView;
pub use key_field::KeyField;
pub use lang_switch::LangSwitch;
pub use node_error_list::NodeErrorList;
pub use output_list::OutputList;
pub use progress_bar::ProgressBar;
pub use render_form::RenderForm;
pub use share_button::ShareButton;
pub use site_picker::SitePicker;
pub use text_field::TextField;
pub use viewer::Viewer;
