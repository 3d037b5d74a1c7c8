//! What sells together: the rules table (filter by product, least lift, sort), support against
//! confidence coloured by lift, and "customers who bought X also bought".

use egui_plot::{Legend, Plot, Points};
use polars::prelude::*;
use workbench_core::basket::Outcome;

use crate::ui::app::{Command, OrdersCommand, OrdersResult, OrdersRun, OrdersTable};
use crate::ui::format;
use crate::ui::widgets::table::table_ui;

/// The column the rules table is sorted by (highest first).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RuleSort {
    #[default]
    Lift,
    Confidence,
    Support,
    Leverage,
}

impl RuleSort {
    const ALL: [Self; 4] = [Self::Lift, Self::Confidence, Self::Support, Self::Leverage];

    fn column(self) -> &'static str {
        match self {
            Self::Lift => "lift",
            Self::Confidence => "confidence",
            Self::Support => "support",
            Self::Leverage => "leverage",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Key {
    run: u64,
    filter: String,
    min_lift: f64,
    sort: RuleSort,
}

#[derive(Default)]
pub struct BasketView {
    filter: String,
    min_lift: f64,
    sort: RuleSort,
    /// The product "who bought it also bought" is shown for.
    picked: Option<u32>,
    /// The scatter's bands, keyed by run id.
    bands: Option<(u64, Vec<Band>)>,
    /// The rules table as filtered and sorted, with what it was made from.
    shown: Option<(Key, Result<DataFrame, String>)>,
}

/// The rules as filtered and sorted (computed when the filter changes, not every frame).
fn shown(outcome: &Outcome, rules: &DataFrame, key: &Key) -> Result<DataFrame, String> {
    // Which rules name the product: matched on the item names, the table filtered by polars.
    let needle = key.filter.trim().to_lowercase();
    let names = |ids: &[u32]| {
        ids.iter().any(|&i| {
            outcome
                .orders
                .items
                .get(i as usize)
                .is_some_and(|n| n.to_lowercase().contains(&needle))
        })
    };
    let mask: BooleanChunked = outcome
        .rules
        .iter()
        .map(|r| needle.is_empty() || names(&r.antecedents) || names(&r.consequents))
        .collect();
    let named = rules.filter(&mask).map_err(|e| e.to_string())?;
    named
        .lazy()
        .filter(col("lift").gt_eq(lit(key.min_lift)))
        .sort(
            [key.sort.column()],
            SortMultipleOptions::default().with_order_descending(true),
        )
        .collect()
        .map_err(|e| e.to_string())
}

pub fn results_ui(
    ui: &mut egui::Ui,
    run: &OrdersRun,
    result: &OrdersResult,
    view: &mut BasketView,
    exporting: bool,
    cmds: &mut Vec<Command>,
) {
    let OrdersResult::Baskets { outcome, rules } = result else {
        return;
    };
    super::super::heading_ui(
        ui,
        "What sells together",
        &format!(
            "{} orders, {} products: {} groups bought together in at least {:.2}% of orders, {} rules with confidence ≥ {:.0}%",
            format::count(outcome.orders.len()),
            format::count(outcome.orders.items.len()),
            format::count(outcome.itemsets.len()),
            100.0 * outcome.settings.min_support,
            format::count(outcome.rules.len()),
            100.0 * outcome.settings.min_confidence
        ),
    );
    if outcome.rules.is_empty() {
        ui.label("No rules at these thresholds: lower the least support or confidence in Model.");
        return;
    }
    if view.bands.as_ref().is_none_or(|(id, _)| *id != run.id) {
        view.bands = Some((run.id, bands(outcome)));
    }
    let banded = view.bands.as_ref().map_or(&[][..], |(_, b)| b.as_slice());
    let picked = &mut view.picked;
    ui.columns(2, |cols| {
        super::chart_ui(&mut cols[0], cmds, "rules", |ui| scatter_ui(ui, banded));
        also_bought_ui(&mut cols[1], outcome, picked);
    });
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        ui.label("Product");
        ui.add(
            egui::TextEdit::singleline(&mut view.filter)
                .hint_text("any")
                .desired_width(140.0),
        );
        ui.label("Least lift");
        ui.add(
            egui::DragValue::new(&mut view.min_lift)
                .range(0.0..=1000.0)
                .speed(0.05),
        );
        let name = ui.label("Sort by").id;
        egui::ComboBox::from_id_salt("rule_sort")
            .selected_text(view.sort.column())
            .show_ui(ui, |ui| {
                for s in RuleSort::ALL {
                    ui.selectable_value(&mut view.sort, s, s.column());
                }
            })
            .response
            .labelled_by(name);
        ui.separator();
        if ui
            .add_enabled(!exporting, egui::Button::new("Export the rules…"))
            .clicked()
        {
            cmds.push(OrdersCommand::ExportDialog(OrdersTable::Rules).into());
        }
    });
    let key = Key {
        run: run.id,
        filter: view.filter.clone(),
        min_lift: view.min_lift,
        sort: view.sort,
    };
    if view.shown.as_ref().is_none_or(|(k, _)| *k != key) {
        view.shown = Some((key.clone(), shown(outcome, rules, &key)));
    }
    match view.shown.as_ref().map(|(_, r)| r) {
        Some(Ok(df)) => {
            ui.weak(format!("{} rules shown", format::count(df.height())));
            table_ui(ui, "basket_rules", df, None);
        }
        Some(Err(e)) => {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        None => {}
    }
}

/// A lift band of the scatter: its name, its colour, its points, and each point's rule in
/// words.
type Band = (&'static str, egui::Color32, Vec<[f64; 2]>, Vec<String>);

/// The scatter's points and hover texts by lift band (made once per run, not every frame).
fn bands(outcome: &workbench_core::basket::Outcome) -> Vec<Band> {
    let shown: Vec<&workbench_core::basket::Rule> = outcome.rules.iter().take(5_000).collect();
    // Lift bands, coloured from grey (no link) to a strong red (a strong link).
    let bands = [
        (0.0, 1.0, "lift < 1", egui::Color32::from_rgb(140, 140, 140)),
        (
            1.0,
            1.5,
            "lift 1–1.5",
            egui::Color32::from_rgb(240, 210, 120),
        ),
        (
            1.5,
            3.0,
            "lift 1.5–3",
            egui::Color32::from_rgb(245, 160, 70),
        ),
        (3.0, 6.0, "lift 3–6", egui::Color32::from_rgb(230, 90, 50)),
        (
            6.0,
            f64::INFINITY,
            "lift ≥ 6",
            egui::Color32::from_rgb(190, 30, 60),
        ),
    ];
    // Per band, its points and each point's rule in words (the hover label).
    bands
        .iter()
        .map(|&(lo, hi, name, color)| {
            let rules: Vec<&&workbench_core::basket::Rule> = shown
                .iter()
                .filter(|r| r.lift >= lo && r.lift < hi)
                .collect();
            let points = rules.iter().map(|r| [r.support, r.confidence]).collect();
            let texts = rules
                .iter()
                .map(|r| {
                    format!(
                        "{} -> {}\nsupport {:.4}, confidence {:.3}, lift {:.2}",
                        outcome.orders.names(&r.antecedents),
                        outcome.orders.names(&r.consequents),
                        r.support,
                        r.confidence,
                        r.lift
                    )
                })
                .collect();
            (name, color, points, texts)
        })
        .collect()
}

/// Support against confidence, coloured by lift, the rule named on hover.
fn scatter_ui(ui: &mut egui::Ui, banded: &[Band]) {
    ui.strong("Rules: how common (support) and how reliable (confidence)").on_hover_text("Each point is a rule \"bought X -> also bought Y\"; colour is lift: how many times more likely Y is with X than without. Hover a point for its rule.");
    Plot::new("basket_scatter")
        .height(260.0)
        .legend(Legend::default())
        .x_axis_label("support (share of orders)")
        .y_axis_label("confidence")
        .allow_scroll(false)
        .label_formatter(|hover| match hover {
            egui_plot::HoverPosition::NearDataPoint {
                plot_name, index, ..
            } => banded
                .iter()
                .find(|(n, ..)| n == plot_name)
                .and_then(|(.., t)| t.get(*index).cloned()),
            egui_plot::HoverPosition::Elsewhere { .. } => None,
        })
        .show(ui, |p| {
            for (name, color, points, _) in banded {
                if !points.is_empty() {
                    p.points(Points::new(*name, points.clone()).radius(3.0).color(*color));
                }
            }
        });
}

/// For a picked product: the rules that start from it alone.
fn also_bought_ui(
    ui: &mut egui::Ui,
    outcome: &workbench_core::basket::Outcome,
    picked: &mut Option<u32>,
) {
    let items = &outcome.orders.items;
    let name = ui.strong("Customers who bought … also bought").id;
    let current = picked
        .and_then(|i| items.get(i as usize))
        .map_or("pick a product", String::as_str);
    egui::ComboBox::from_id_salt("also_bought")
        .selected_text(current)
        .height(400.0)
        .width(220.0)
        .show_ui(ui, |ui| {
            for (i, name) in items.iter().enumerate() {
                ui.selectable_value(picked, Some(i as u32), name);
            }
        })
        .response
        .labelled_by(name);
    let Some(item) = *picked else {
        ui.weak("Pick a product to see what its buyers buy with it.");
        return;
    };
    let mut rules = outcome.also_bought(item);
    rules.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    if rules.is_empty() {
        ui.weak("No rule starts from this product at these thresholds.");
        return;
    }
    egui::ScrollArea::vertical().id_salt("also_bought_list").max_height(220.0).show(ui, |ui| {
        for r in rules.iter().take(20) {
            ui.label(format!(
                "{:.0}% of orders with {} also hold {} ({:.1}× as often as in all orders; {} orders)",
                100.0 * r.confidence,
                items.get(item as usize).map_or("?", String::as_str),
                outcome.orders.names(&r.consequents).replace('|', " and "),
                r.lift,
                format::count(r.count as usize)
            ));
        }
    });
}
