//! One file per workflow step; each is a function that reads state and pushes commands.

pub mod clean;
pub mod data;
pub mod database;
pub mod forecast;
pub mod model;
pub mod orders;
pub mod predictions;
pub mod steps;
pub mod text;
pub mod train;
pub mod uplift;

/// A panel heading with a one-line explanation under it.
pub fn heading_ui(ui: &mut egui::Ui, title: &str, subtitle: &str) {
    ui.add_space(4.0);
    ui.heading(title);
    ui.weak(subtitle);
    ui.add_space(6.0);
}

/// Text explaining what a step is waiting for, centred in the panel.
/// A run's progress bar with `text`, and while `busy` a Cancel button (true when clicked) and
/// a spinner. `fraction` is the job's progress while running; a run that ended shows full.
pub fn run_progress_ui(
    ui: &mut egui::Ui,
    text: String,
    running: bool,
    fraction: f64,
    busy: bool,
) -> bool {
    ui.horizontal(|ui| {
        let fraction = if running { fraction } else { 1.0 };
        ui.add(
            egui::ProgressBar::new(fraction as f32)
                .desired_width(420.0)
                .text(text),
        );
        let cancel = busy && ui.button("Cancel").clicked();
        if busy {
            ui.spinner();
        }
        cancel
    })
    .inner
}

pub fn waiting_ui(ui: &mut egui::Ui, text: &str) {
    ui.add_space(40.0);
    ui.vertical_centered(|ui| {
        ui.label(egui::RichText::new(text).size(16.0).weak());
    });
}

/// A drop-down of `choices` (value, text) for `value`, labelled by the widget `label` (so tests
/// and screen readers find it by its label's text).
pub fn labelled_combo<T: PartialEq + Clone>(
    ui: &mut egui::Ui,
    id: (&str, &str),
    width: f32,
    label: egui::Id,
    value: &mut T,
    choices: Vec<(T, String)>,
) {
    let selected = choices
        .iter()
        .find(|(v, _)| v == value)
        .map(|(_, t)| t.clone())
        .unwrap_or_default();
    egui::ComboBox::from_id_salt(id)
        .selected_text(selected)
        .width(width)
        .height(400.0)
        .show_ui(ui, |ui| {
            for (v, text) in choices {
                ui.selectable_value(value, v, text);
            }
        })
        .response
        .labelled_by(label);
}

/// Model's "Question" row as a room other than the customer models shows it: the customer
/// questions (choosing one pushes `leave`, which ends this room, then the task) and the rooms'
/// own questions. It wraps when the window is narrow.
pub fn question_row_ui(
    ui: &mut egui::Ui,
    state: &crate::ui::app::AppState,
    leave: crate::ui::app::Command,
    cmds: &mut Vec<crate::ui::app::Command>,
) {
    use workbench_core::ml::Task;
    ui.horizontal_wrapped(|ui| {
        ui.label("Question");
        for t in Task::ALL {
            if ui.radio(false, t.label()).clicked() {
                cmds.push(leave.clone());
                let mut settings = state.settings.clone();
                settings.task = Some(t);
                cmds.push(crate::ui::app::ModelCommand::Change(Box::new(settings)).into());
            }
        }
        orders::question_choice_ui(ui, state, cmds);
    });
}
