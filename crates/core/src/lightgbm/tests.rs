use super::*;
use crate::export_sql::tests::{table, trained};

/// One-hot regions, nothing filled: missing ages reach the model and take its fill.
const RECIPE: &str = r#"{"steps":[{"step":"one_hot","column":"region"}]}"#;

#[test]
fn a_raw_threshold_is_the_last_number_whose_standardised_value_is_on_the_left() {
    let fills = [0.0; 4];
    let means = [0.0, 41.3, -7.25, 1e6];
    let scales = [1.0, 13.7, 0.3, 2.5e5];
    let s = Scaling {
        means: &means,
        scales: &scales,
        fills: &fills,
    };
    for j in 0..4 {
        for t in [-1.234_567, 0.0, 0.1, 2.5, 1e-9] {
            let r = s.raw_threshold(j, t).unwrap();
            assert!(s.standardised(j, r) <= t, "{j} {t} {r}");
            assert!(s.standardised(j, r.next_up()) > t, "{j} {t} {r}");
        }
    }
    // No scaling: the largest double that rounds to at most the threshold in single
    // precision. 0.5 + 2⁻²⁵ is halfway to the next single above 0.5 and rounds to the even
    // one, 0.5; the next double up rounds up.
    assert_eq!(s.raw_threshold(0, 0.5).unwrap(), 0.5 + 2f64.powi(-25));
    for x in [-3.5, -0.0, 0.0, 1e-300, 7.0] {
        assert_eq!(from_key(key(x)).to_bits(), x.to_bits());
    }
    assert!(key(-1.0) < key(-0.5) && key(-0.5) < key(0.0) && key(0.0) < key(1e-300));
}

/// The app's scores of `df`, and the scores of the model read back from its LightGBM file on
/// the unscaled features (missing values as NaN).
fn both(model: &SavedModel, df: &polars::prelude::DataFrame) -> (Vec<f64>, Vec<f64>) {
    let file = export(model).unwrap();
    let back = parse(&file.text, Some("bought")).unwrap();
    assert_eq!(back.features.names, file.features);
    let clean = model.recipe.transform(df).unwrap();
    let app = model
        .model
        .predict(model.features.matrix(&clean).unwrap().rows())
        .unwrap();
    // As LightGBM reads them: the raw values in double precision.
    let raw = model.features.unscaled_matrix(&clean).unwrap();
    let back = match &back.model {
        TrainedModel::DecisionTree(t) => t.predict(raw.view()),
        TrainedModel::Forest(f) => f.predict(raw.view()),
        TrainedModel::Boosting(b) => b.predict(raw.view()),
        other => panic!("read back as {other:?}"),
    };
    (app, back.unwrap())
}

#[test]
fn a_written_model_read_back_scores_raw_rows_to_the_bit() {
    for kind in [ModelKind::Tree, ModelKind::Forest, ModelKind::Boosting] {
        let model = trained(kind, RECIPE);
        let df = table(400);
        let (app, back) = both(&model, &df);
        assert!(app.iter().any(|v| *v != app[0]), "{kind:?} learned nothing");
        for (i, (a, b)) in app.iter().zip(&back).enumerate() {
            // Equal doubles (bit for bit, but for the sign of a zero leaf: LightGBM's sum
            // starts from +0).
            assert!(a == b, "{kind:?} row {i}: {a} vs {b}");
        }
    }
}

#[test]
fn rows_on_either_side_of_every_raw_threshold_land_in_the_apps_leaf() {
    use polars::prelude::*;
    let model = trained(ModelKind::Boosting, RECIPE);
    let TrainedModel::Boosting(b) = &model.model else {
        panic!("not boosting")
    };
    let fills = fills(&model.features).unwrap();
    let s = Scaling {
        means: &model.features.means,
        scales: &model.features.scales,
        fills: &fills,
    };
    let (mut age, mut spend) = (Vec::new(), Vec::new());
    for t in &b.trees {
        for (n, &f) in t.feature.iter().enumerate() {
            let name = model.features.names.get(f.max(0) as usize);
            if f < 0 || !matches!(name.map(String::as_str), Some("age" | "spend")) {
                continue;
            }
            let r = s.raw_threshold(f as usize, t.threshold[n]).unwrap();
            let side = if name.map(String::as_str) == Some("age") {
                &mut age
            } else {
                &mut spend
            };
            side.extend([r, r.next_up(), r.next_down()]);
        }
    }
    assert!(!age.is_empty() && !spend.is_empty());
    let n = age.len().max(spend.len());
    let mut df = table(n);
    let cycle = |v: &[f64]| -> Vec<f64> { (0..n).map(|i| v[i % v.len()]).collect() };
    df.with_column(Column::new("age".into(), cycle(&age)))
        .unwrap();
    df.with_column(Column::new("spend".into(), cycle(&spend)))
        .unwrap();
    let (app, back) = both(&model, &df);
    for (i, (a, b)) in app.iter().zip(&back).enumerate() {
        assert_eq!(a.to_bits(), b.to_bits(), "row {i}: {a} vs {b}");
    }
}

#[test]
fn models_without_trees_and_unsupported_files_are_refused_with_the_reason() {
    let e = export(&trained(ModelKind::Logistic, RECIPE)).err().unwrap();
    assert!(e.to_string().contains("no LightGBM form"), "{e}");
    let text = export(&trained(ModelKind::Boosting, RECIPE)).unwrap().text;
    let cut = &text[..text.len() / 2];
    let e = parse(cut, None).err().unwrap();
    assert!(e.to_string().contains("before 'end of trees'"), "{e}");
    let e = parse("hello\n", None).err().unwrap();
    assert!(e.to_string().contains("line 1"), "{e}");
    let poisson = text.replace("objective=binary sigmoid:1", "objective=poisson");
    let e = parse(&poisson, None).err().unwrap();
    assert!(e.to_string().contains("'poisson' is not supported"), "{e}");
    let line = text
        .lines()
        .position(|l| l.starts_with("decision_type="))
        .unwrap();
    let categorical = text.replacen("decision_type=10", "decision_type=11", 1);
    let categorical = categorical.replacen("decision_type=8", "decision_type=9", 1);
    let e = parse(&categorical, None).err().unwrap();
    assert!(
        e.to_string().contains("categories are not supported")
            && e.to_string().contains(&format!("line {}", line + 1)),
        "{e}"
    );
}

#[test]
fn missing_values_go_where_lightgbm_sends_them() {
    // One split on x ≤ 0.5; NaN goes right by default_left = 0, a None-type NaN counts as 0.
    let file = |decision: u8| {
        format!(
            "tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\nmax_feature_idx=0\nobjective=regression\nfeature_names=x\n\nTree=0\nnum_leaves=2\nnum_cat=0\nsplit_feature=0\nthreshold=0.5\ndecision_type={decision}\nleft_child=-1\nright_child=-2\nleaf_value=1 2\nshrinkage=1\n\nend of trees\n"
        )
    };
    let score = |decision: u8, x: f64| {
        let m = parse(&file(decision), None).unwrap();
        m.model.predict(ndarray::array![[x as f32]].view()).unwrap()[0]
    };
    assert_eq!(score(8, f64::NAN), 2.0); // NaN type, default right
    assert_eq!(score(10, f64::NAN), 1.0); // NaN type, default left
    assert_eq!(score(0, f64::NAN), 1.0); // None: NaN is 0 ≤ 0.5
    assert_eq!(score(8, 0.5), 1.0);
    assert_eq!(score(8, 0.6), 2.0);
    // Read back and written again, it routes the same.
    let m = parse(&file(8), None).unwrap();
    let again = parse(&export(&m).unwrap().text, None).unwrap();
    assert_eq!(
        again
            .model
            .predict(ndarray::array![[f32::NAN]].view())
            .unwrap()[0],
        2.0
    );
    // The model file keeps the NaN fill as null and reads it back.
    let json = serde_json::to_string(&m).unwrap();
    assert!(json.contains("\"fill\":null"), "{json}");
    let read: SavedModel = serde_json::from_str(&json).unwrap();
    assert!(matches!(read.features.inputs[0].encoding, Encoding::Number { fill } if fill.is_nan()));
}

#[test]
fn a_dropped_model_file_is_told_from_a_table_by_its_first_line() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(ModelKind::Tree, RECIPE);
    let file = dir.path().join("model.txt");
    std::fs::write(&file, export(&model).unwrap().text).unwrap();
    assert!(looks_like_model(&file));
    let table = dir.path().join("customers.txt");
    std::fs::write(&table, "tree\tcount\noak\t3\n").unwrap();
    assert!(!looks_like_model(&table));
    assert!(!looks_like_model(&dir.path().join("missing.txt")));
}
