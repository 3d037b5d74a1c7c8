//! Reusable widgets.

pub mod notifications;
pub mod png;
pub mod table;

use egui_plot::Bar;

use workbench_core::data::profile::Histogram;

/// Bars of a histogram, each centred on its bin.
pub fn histogram_bars(h: &Histogram) -> Vec<Bar> {
    let width = h
        .edges
        .get(1)
        .zip(h.edges.first())
        .map_or(1.0, |(b, a)| b - a);
    h.counts
        .iter()
        .enumerate()
        .map(|(i, &n)| Bar::new(h.edges[i] + width / 2.0, n as f64).width(width * 0.95))
        .collect()
}
