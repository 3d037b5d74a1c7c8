//! Toasts in the bottom-right corner: information fades after a few seconds, errors stay until
//! dismissed.

use std::time::{Duration, Instant};

const INFO_SECONDS: u64 = 6;

struct Notification {
    message: String,
    error: bool,
    created: Instant,
}

/// The notifications on screen.
#[derive(Default)]
pub struct Notifications {
    items: Vec<Notification>,
}

impl Notifications {
    pub fn info(&mut self, message: impl Into<String>) {
        self.push(message.into(), false);
    }

    pub fn error(&mut self, message: impl Into<String>) {
        self.push(message.into(), true);
    }

    fn push(&mut self, message: String, error: bool) {
        self.items.push(Notification {
            message,
            error,
            created: Instant::now(),
        });
        if self.items.len() > 6 {
            self.items.remove(0);
        }
    }

    /// The error messages on screen, oldest first.
    pub fn errors(&self) -> Vec<&str> {
        self.items
            .iter()
            .filter(|n| n.error)
            .map(|n| n.message.as_str())
            .collect()
    }

    pub fn ui(&mut self, ctx: &egui::Context) {
        let ttl = Duration::from_secs(INFO_SECONDS);
        self.items.retain(|n| n.error || n.created.elapsed() < ttl);
        if self.items.is_empty() {
            return;
        }
        if self.items.iter().any(|n| !n.error) {
            ctx.request_repaint_after(Duration::from_millis(500));
        }
        let mut dismiss = None;
        egui::Area::new(egui::Id::unique("notifications"))
            .anchor(egui::Align2::RIGHT_BOTTOM, [-12.0, -36.0])
            .order(egui::Order::Foreground)
            .fade_in(false)
            .show(ctx, |ui| {
                ui.set_max_width(460.0);
                for (i, n) in self.items.iter().enumerate() {
                    let visuals = &ui.visuals().clone();
                    let fill = visuals.extreme_bg_color;
                    let stroke = if n.error {
                        visuals.error_fg_color
                    } else {
                        visuals.widgets.noninteractive.bg_stroke.color
                    };
                    egui::Frame::popup(ui.style())
                        .fill(fill)
                        .stroke(egui::Stroke::new(1.0, stroke))
                        .show(ui, |ui| {
                            ui.horizontal(|ui| {
                                let text = egui::RichText::new(&n.message);
                                let text = if n.error {
                                    text.color(visuals.error_fg_color)
                                } else {
                                    text
                                };
                                ui.add(egui::Label::new(text).wrap());
                                if ui.small_button("✖").on_hover_text("Dismiss").clicked() {
                                    dismiss = Some(i);
                                }
                            });
                        });
                }
            });
        if let Some(i) = dismiss {
            self.items.remove(i);
        }
    }
}
