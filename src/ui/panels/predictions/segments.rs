//! Segments: the k sweep, the customer map and one card per segment, which the user can name.

use egui_plot::{Corner, Legend, Line, PlotPoints, Points, VLine};
use workbench_core::ml::metrics::SegmentMetrics;
use workbench_core::ml::segments::{Density, segment_name};
use workbench_core::train::{Insights, TrainOutcome};

use crate::ui::app::Command;
use crate::ui::format;

use super::{PredictionsView, card, png_button, small_plot};

/// The name shown for segment `s` (1-based).
/// The colour of segment `s` (1-based) on the map and its legend: hues a golden angle apart.
pub fn segment_color(s: usize) -> egui::Color32 {
    let hue = ((s.saturating_sub(1)) as f32 * 0.618_034).fract();
    egui::ecolor::Hsva::new(hue, 0.75, 0.85, 1.0).into()
}

/// The density grid as a texture, made once per grid (kept in the view between frames).
pub(super) fn map_texture(
    ctx: &egui::Context,
    view: &mut PredictionsView,
    d: &Density,
) -> egui::TextureHandle {
    let key = view.shown_run;
    if let Some((k, t)) = &view.map_texture
        && *k == key
    {
        return t.clone();
    }
    let top = d.cells.iter().map(|c| c.1).max().unwrap_or(1).max(1) as f32;
    let pixels: Vec<egui::Color32> = d
        .cells
        .iter()
        .map(|&(s, n)| {
            if n == 0 {
                return egui::Color32::TRANSPARENT;
            }
            let strength = 0.35 + 0.65 * (1.0 + n as f32).ln() / (1.0 + top).ln();
            segment_color(s as usize).gamma_multiply(strength)
        })
        .collect();
    let image = egui::ColorImage::new([d.width, d.height], pixels);
    let t = ctx.load_texture("segment_map", image, egui::TextureOptions::NEAREST);
    view.map_texture = Some((key, t.clone()));
    t
}

pub(super) fn segments_ui(
    ui: &mut egui::Ui,
    o: &TrainOutcome,
    m: &SegmentMetrics,
    view: &mut PredictionsView,
    cmds: &mut Vec<Command>,
) {
    view.segment_names.resize(m.k, String::new());
    ui.horizontal_wrapped(|ui| {
        card(ui, "Segments", m.k.to_string(), "How many groups of customers were found.");
        card(ui, "Inertia", format::number(m.inertia), "Mean squared distance of a customer to its segment's centre, in standardised units; lower is tighter.");
        card(ui, "Silhouette", format!("{:.3}", m.silhouette), "How well customers sit in their own segment rather than the next (−1 to 1; above 0.25 is a usable structure).");
    });
    let Some(Insights::Segments(report)) = &o.insights else {
        return;
    };
    // One card per segment, in plain words; names can be edited.
    egui::ScrollArea::horizontal()
        .id_salt("segment_cards")
        .show(ui, |ui| {
            ui.horizontal_top(|ui| {
                for c in &report.cards {
                    egui::Frame::group(ui.style()).show(ui, |ui| {
                        ui.set_width(250.0);
                        ui.vertical(|ui| {
                            let name = &mut view.segment_names[c.segment - 1];
                            ui.add(
                                egui::TextEdit::singleline(name)
                                    .hint_text(format!("Segment {}", c.segment))
                                    .desired_width(230.0),
                            )
                            .on_hover_text("Name this segment");
                            ui.label(format!(
                                "{} customers, {:.0}% of all",
                                format::count(c.size),
                                100.0 * c.share
                            ));
                            for t in &c.traits {
                                ui.label(format!("• {t}"));
                            }
                            for (col, rate, overall) in &c.rates {
                                ui.weak(format!(
                                    "{col}: {:.1}% (overall {:.1}%)",
                                    100.0 * rate,
                                    100.0 * overall
                                ));
                            }
                        });
                    });
                }
            });
        });
    ui.add_space(6.0);
    ui.columns(2, |cols| {
        let ui = &mut cols[0];
        ui.strong("Choosing k: inertia (elbow) and silhouette");
        let inertia: Vec<[f64; 2]> = report.sweep.iter().map(|p| [p.k as f64, p.inertia]).collect();
        let silhouette: Vec<[f64; 2]> = report.sweep.iter().map(|p| [p.k as f64, p.silhouette]).collect();
        let current = m.k as f64;
        let chart = ui.scope(|ui| small_plot("elbow", 150.0)
            .y_axis_label("inertia")
            .legend(Legend::default().position(Corner::RightTop))
            .show(ui, |p| {
                p.line(Line::new("inertia", PlotPoints::from(inertia.clone())));
                p.points(Points::new("k", inertia).radius(3.0));
                p.vline(VLine::new("chosen k", current));
            }));
        png_button(ui, cmds, "elbow", chart.response.rect);
        let chart = ui.scope(|ui| small_plot("silhouette", 150.0)
            .x_axis_label("k (segments)")
            .y_axis_label("silhouette")
            .legend(Legend::default().position(Corner::RightTop))
            .show(ui, |p| {
                p.line(Line::new("silhouette", PlotPoints::from(silhouette.clone())));
                p.points(Points::new("k", silhouette).radius(3.0));
                p.vline(VLine::new("chosen k", current));
            }));
        png_button(ui, cmds, "silhouette", chart.response.rect);
        ui.weak("Look for the k after which inertia stops falling fast, with a high silhouette; set it in Model and train again.");
        let ui = &mut cols[1];
        let texture = report
            .density
            .as_ref()
            .map(|d| map_texture(ui.ctx(), view, d));
        let shown = report.density.as_ref().map_or(report.map.len(), |d| d.customers);
        ui.strong(format!(
            "Customer map ({} customers; the two directions in which customers differ most)",
            format::count(shown)
        ))
        .on_hover_text("Each pixel is coloured by the most common segment of the customers there, brighter where there are more. Hover to see a customer.");
        let scope = ui.scope(|ui| small_plot("segment_map", 320.0)
            .allow_drag(true)
            .allow_zoom(true)
            .legend(Legend::default().position(Corner::RightTop))
            .show(ui, |p| {
                match (&report.density, &texture) {
                    (Some(d), Some(t)) => {
                        let center = egui_plot::PlotPoint::new(
                            (d.min[0] + d.max[0]) / 2.0,
                            (d.min[1] + d.max[1]) / 2.0,
                        );
                        let size = egui::vec2((d.max[0] - d.min[0]) as f32, (d.max[1] - d.min[1]) as f32);
                        p.image(egui_plot::PlotImage::new("", t.id(), center, size));
                    }
                    _ => {
                        for s in 1..=m.k {
                            let pts: Vec<[f64; 2]> = report
                                .map
                                .iter()
                                .zip(&report.map_segments)
                                .filter(|(_, g)| **g as usize == s)
                                .map(|(p, _)| *p)
                                .collect();
                            p.points(
                                Points::new(segment_name(&view.segment_names, s), pts)
                                    .radius(1.8)
                                    .color(segment_color(s)),
                            );
                        }
                    }
                }
                p.pointer_coordinate()
            }));
        let response = scope.inner;
        ui.horizontal_wrapped(|ui| {
            for s in 1..=m.k {
                ui.label(egui::RichText::new("■").color(segment_color(s)));
                ui.label(segment_name(&view.segment_names, s));
                ui.add_space(6.0);
            }
        });
        png_button(ui, cmds, "segment_map", scope.response.rect);
        // Hover: the nearest drawn customer.
        if let Some(pointer) = response.inner
            && response.response.hovered()
        {
            let bounds = response.transform.bounds();
            let (sx, sy) = (bounds.width().max(1e-9), bounds.height().max(1e-9));
            let nearest = report
                .map
                .iter()
                .enumerate()
                .map(|(i, q)| (i, ((q[0] - pointer.x) / sx).powi(2) + ((q[1] - pointer.y) / sy).powi(2)))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((i, d)) = nearest
                && d < 0.0004
            {
                let row = report.map_rows[i] as usize;
                let text: Vec<String> = o
                    .predictions
                    .columns()
                    .iter()
                    .take(6)
                    .map(|c| format!("{}: {}", c.name(), c.get(row).map(|v| format::cell(&v)).unwrap_or_default()))
                    .collect();
                let seg = segment_name(&view.segment_names, report.map_segments[i] as usize);
                response.response.on_hover_text(format!("{seg}\n{}", text.join("\n")));
            }
        }
    });
}
