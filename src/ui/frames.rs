//! The app's own frame times: an overlay (View → Frame times) and, with `--frame-stats FILE`,
//! every frame recorded by phase and written as p50 / p95 / max when the window closes.
//!
//! Two times per frame: `ui`, the app's own work on the UI thread (reading workers' events,
//! applying commands, laying out every panel — what the app controls), measured here; and
//! `frame`, eframe's CPU time for the whole frame, which adds painting (on this machine a
//! software rasteriser, on a desktop the GPU driver's share).

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::Instant;

use workbench_core::data::export::write_json;
use workbench_core::error::Result;

/// Frames the overlay summarises.
const RECENT: usize = 240;

/// One phase's frames.
#[derive(Default)]
struct Phase {
    name: String,
    ui: Vec<f32>,
    frame: Vec<f32>,
}

/// Frame times, recent and (when asked) all of them by phase.
#[derive(Default)]
pub struct FrameStats {
    /// Whether the overlay is shown.
    pub overlay: bool,
    /// Where the summary goes when the window closes; also turns recording on.
    pub out: Option<PathBuf>,
    recent: VecDeque<(f32, Option<f32>)>,
    phases: Vec<Phase>,
    started: Option<Instant>,
}

/// The 50th and 95th percentiles and the maximum of `v`, in milliseconds.
fn percentiles(v: &[f32]) -> serde_json::Value {
    if v.is_empty() {
        return serde_json::Value::Null;
    }
    let mut s: Vec<f32> = v.to_vec();
    s.sort_by(f32::total_cmp);
    let at = |q: f64| s[((s.len() - 1) as f64 * q).round() as usize] as f64 * 1000.0;
    serde_json::json!({
        "p50": at(0.5),
        "p95": at(0.95),
        "max": at(1.0),
    })
}

impl FrameStats {
    /// Records into phase `name` from now on (the first phase is "start").
    pub fn set_phase(&mut self, name: &str) {
        if self.phases.last().is_none_or(|p| p.name != name) {
            self.phases.push(Phase {
                name: name.to_owned(),
                ..Phase::default()
            });
        }
    }

    /// Marks the start of the app's work for a frame.
    pub fn begin_frame(&mut self) {
        self.started = Some(Instant::now());
    }

    /// Marks its end; `previous` is eframe's CPU time of the previous frame (it is only known
    /// one frame later), which goes with that frame's record.
    pub fn end_frame(&mut self, previous: Option<f32>) {
        let Some(t) = self.started.take() else {
            return;
        };
        let ui = t.elapsed().as_secs_f32();
        if let Some(last) = self.recent.back_mut() {
            last.1 = previous;
        }
        self.recent.push_back((ui, None));
        if self.recent.len() > RECENT {
            self.recent.pop_front();
        }
        if self.out.is_some() {
            if self.phases.is_empty() {
                self.set_phase("start");
            }
            if let (Some(p), Some(prev)) = (self.phases.last_mut(), previous) {
                // The previous frame belongs to the phase that was current then; a phase change
                // happens between frames, so at worst one frame lands in the next phase.
                p.frame.push(prev);
            }
            if let Some(p) = self.phases.last_mut() {
                p.ui.push(ui);
            }
        }
    }

    /// Per phase: frames, and p50 / p95 / max of both times in milliseconds.
    pub fn summary(&self) -> serde_json::Value {
        let phases: Vec<serde_json::Value> = self
            .phases
            .iter()
            .map(|p| {
                serde_json::json!({
                    "phase": p.name,
                    "frames": p.ui.len(),
                    "ui_ms": percentiles(&p.ui),
                    "frame_ms": percentiles(&p.frame),
                })
            })
            .collect();
        serde_json::json!({ "phases": phases })
    }

    /// Writes the summary where `--frame-stats` asked (atomically), if it asked.
    pub fn write(&self) -> Result<()> {
        match &self.out {
            Some(path) => write_json(&self.summary(), path),
            None => Ok(()),
        }
    }

    /// The overlay: the last frame's times and the recent p50 / p95 / max.
    pub fn overlay_ui(&self, ctx: &egui::Context) {
        if !self.overlay {
            return;
        }
        let ui_times: Vec<f32> = self.recent.iter().map(|r| r.0).collect();
        let frame_times: Vec<f32> = self.recent.iter().filter_map(|r| r.1).collect();
        let line = |v: &[f32]| -> String {
            match percentiles(v) {
                serde_json::Value::Object(m) => format!(
                    "p50 {:.1} · p95 {:.1} · max {:.1} ms",
                    m["p50"].as_f64().unwrap_or(0.0),
                    m["p95"].as_f64().unwrap_or(0.0),
                    m["max"].as_f64().unwrap_or(0.0)
                ),
                _ => "–".to_owned(),
            }
        };
        egui::Area::new(egui::Id::unique("frame_overlay"))
            .anchor(egui::Align2::RIGHT_BOTTOM, [-12.0, -36.0])
            .interactable(false)
            .show(ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.strong(format!("Frame times (last {})", ui_times.len()));
                    ui.label(format!("app: {}", line(&ui_times)))
                        .on_hover_text("The app's own work per frame on the UI thread.");
                    ui.label(format!("whole frame: {}", line(&frame_times)))
                        .on_hover_text("eframe's CPU time per frame, painting included.");
                });
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_hand() {
        let v: Vec<f32> = (1..=100).map(|i| i as f32 / 1000.0).collect();
        let p = percentiles(&v);
        assert!((p["p50"].as_f64().unwrap() - 51.0).abs() < 1e-3, "{p}");
        assert!((p["p95"].as_f64().unwrap() - 95.0).abs() < 1e-3, "{p}");
        assert!((p["max"].as_f64().unwrap() - 100.0).abs() < 1e-3, "{p}");
    }
}
