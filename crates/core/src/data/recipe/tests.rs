#![cfg(test)]
//! Tests of the parent module, which declares this file under #[cfg(test)].

use super::*;

fn table() -> DataFrame {
    df!(
        "id" => ["a", "b", "c", "d"],
        "age" => [Some(20i64), None, Some(40), Some(30)],
        "region" => [Some("N"), Some("S"), None, Some("N")],
        "spend" => [1.0, 2.0, 3.0, 4.0],
    )
    .unwrap()
}

fn recipe(steps: Vec<Step>) -> Recipe {
    Recipe {
        steps: steps.into_iter().map(RecipeStep::from).collect(),
    }
}

fn run(steps: Vec<Step>) -> DataFrame {
    recipe(steps).fit_transform(&table()).unwrap().1
}

fn f64s(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    df.column(name)
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect()
}

#[test]
fn fits_and_replays_each_step() {
    let r = recipe(vec![
        Step::DropColumns {
            columns: vec!["id".into()],
        },
        Step::FillMissing {
            column: "age".into(),
            strategy: FillStrategy::Mean,
            value: None,
            add_flag: false,
        },
        Step::OneHot {
            column: "region".into(),
            max_categories: 20,
        },
        Step::Standardize {
            columns: vec!["spend".into()],
        },
    ]);
    let (fitted, out) = r.fit_transform(&table()).unwrap();
    assert_eq!(
        out.get_column_names(),
        ["age", "region=N", "region=S", "spend"]
    );
    assert_eq!(
        out.column("age").unwrap().get(1).unwrap(),
        AnyValue::Int64(30)
    );
    let n: Vec<i32> = out
        .column("region=N")
        .unwrap()
        .i32()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert_eq!(n, [1, 0, 0, 1]);
    // (1 − 2.5) / sd, sd = sqrt(1.25)
    assert!((f64s(&out, "spend")[0].unwrap() + 1.341_640_786).abs() < 1e-6);

    // Replaying on new rows uses what was learned, not the new rows' statistics.
    let new = df!(
        "id" => ["x"], "age" => [None::<i64>], "region" => [Some("W")], "spend" => [2.5],
    )
    .unwrap();
    let out = fitted.transform(&new).unwrap();
    assert_eq!(
        out.column("age").unwrap().get(0).unwrap(),
        AnyValue::Int64(30)
    );
    assert_eq!(
        out.column("region=N").unwrap().get(0).unwrap(),
        AnyValue::Int32(0)
    );
    assert_eq!(
        out.column("spend").unwrap().get(0).unwrap(),
        AnyValue::Float64(0.0)
    );

    // Save → load gives the same output, for the recipe and for the fitted recipe.
    let again = Recipe::from_json(&r.to_json()).unwrap();
    assert_eq!(again, r);
    let json = serde_json::to_string(&fitted).unwrap();
    let fitted_again: FittedRecipe = serde_json::from_str(&json).unwrap();
    assert!(
        fitted_again
            .transform(&table())
            .unwrap()
            .equals_missing(&fitted.transform(&table()).unwrap())
    );
}

#[test]
fn missing_column_is_named() {
    let err = recipe(vec![Step::DropColumns {
        columns: vec!["nope".into()],
    }])
    .fit_transform(&table())
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "column 'nope' is not in the data (needed by recipe step 1)"
    );

    let (fitted, _) = recipe(vec![Step::Standardize {
        columns: vec!["spend".into()],
    }])
    .fit_transform(&table())
    .unwrap();
    let err = fitted
        .transform(&df!("x" => [1]).unwrap())
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "column 'spend' is not in the data (needed by recipe step 1)"
    );
}

#[test]
fn recipe_json_is_readable_and_steps_can_be_disabled() {
    let r = Recipe::from_json(
        r#"{"steps":[{"step":"fill_missing","column":"age","strategy":"median"},
                     {"step":"one_hot","column":"region","enabled":false}]}"#,
    )
    .unwrap();
    assert_eq!(r.steps.len(), 2);
    assert!(!r.steps[1].enabled);
    let (fitted, out, effects) = r.fit_transform_with_effects(&table()).unwrap();
    assert_eq!(fitted.steps.len(), 1);
    assert_eq!(
        out.column("age").unwrap().get(1).unwrap(),
        AnyValue::Int64(30)
    );
    assert!(out.column("region").is_ok());
    let e = effects[0].unwrap();
    assert_eq!((e.missing_before, e.missing_after), (2, 1));
    assert!(effects[1].is_none());
}

#[test]
fn fill_variants() {
    let out = run(vec![
        Step::FillMissing {
            column: "region".into(),
            strategy: FillStrategy::MissingCategory,
            value: None,
            add_flag: true,
        },
        Step::FillMissing {
            column: "age".into(),
            strategy: FillStrategy::Constant,
            value: Some("99".into()),
            add_flag: false,
        },
    ]);
    assert_eq!(
        out.column("region").unwrap().get(2).unwrap().get_str(),
        Some("missing")
    );
    assert_eq!(
        out.column("region_was_missing").unwrap().get(2).unwrap(),
        AnyValue::Int32(1)
    );
    assert_eq!(
        out.column("age").unwrap().get(1).unwrap(),
        AnyValue::Int64(99)
    );
    let err = recipe(vec![Step::FillMissing {
        column: "region".into(),
        strategy: FillStrategy::Mean,
        value: None,
        add_flag: false,
    }])
    .fit_transform(&table())
    .unwrap_err();
    assert!(err.to_string().contains("is text"), "{err}");
}

#[test]
fn row_steps() {
    assert_eq!(
        run(vec![Step::DropMissingRows { columns: vec![] }]).height(),
        2
    );
    assert_eq!(
        run(vec![Step::DropMissingRows {
            columns: vec!["age".into()]
        }])
        .height(),
        3
    );
    let out = run(vec![Step::FilterRows {
        column: "spend".into(),
        op: FilterOp::GreaterOrEqual,
        value: "2.5".into(),
    }]);
    assert_eq!(f64s(&out, "spend"), [Some(3.0), Some(4.0)]);
    let out = run(vec![Step::FilterRows {
        column: "region".into(),
        op: FilterOp::Equals,
        value: "N".into(),
    }]);
    assert_eq!(out.height(), 2);
    let out = run(vec![Step::FilterRows {
        column: "region".into(),
        op: FilterOp::IsMissing,
        value: String::new(),
    }]);
    assert_eq!(out.height(), 1);
    let out = run(vec![Step::RemoveDuplicates {
        columns: vec!["region".into()],
    }]);
    assert_eq!(out.height(), 3);
    let err = recipe(vec![Step::FilterRows {
        column: "spend".into(),
        op: FilterOp::Less,
        value: "lots".into(),
    }])
    .fit_transform(&table())
    .unwrap_err();
    assert!(err.to_string().contains("'lots' is not a number"), "{err}");
}

#[test]
fn value_steps() {
    let out = run(vec![
        Step::ClipOutliers {
            column: "spend".into(),
            method: ClipMethod::Percentiles {
                low: 0.0,
                high: 50.0,
            },
        },
        Step::LogTransform {
            column: "age".into(),
        },
        Step::Derive {
            name: "ratio".into(),
            left: "spend".into(),
            op: Arithmetic::Divide,
            right: "spend".into(),
        },
        Step::Rename {
            from: "id".into(),
            to: "customer".into(),
        },
    ]);
    // The median of 1..4 is 2.5: values above are clipped to it.
    assert_eq!(
        f64s(&out, "spend"),
        [Some(1.0), Some(2.0), Some(2.5), Some(2.5)]
    );
    assert!((f64s(&out, "age")[0].unwrap() - 21f64.ln()).abs() < 1e-12);
    assert_eq!(f64s(&out, "ratio"), [Some(1.0); 4]);
    assert!(out.column("customer").is_ok());

    let out = run(vec![
        Step::MinMax {
            columns: vec!["spend".into()],
        },
        Step::Bin {
            column: "age".into(),
            bins: 2,
        },
    ]);
    assert_eq!(
        f64s(&out, "spend"),
        [Some(0.0), Some(1.0 / 3.0), Some(2.0 / 3.0), Some(1.0)]
    );
    // Median of 20, 30, 40 is 30: 20 and 30 in bin 1, 40 in bin 2, missing stays missing.
    assert_eq!(
        f64s(&out, "age_bin"),
        [Some(1.0), None, Some(2.0), Some(1.0)]
    );
}

#[test]
fn types_and_dates() {
    let df = df!(
        "when" => ["2024-01-01", "2024-02-15", "2024-03-31"],
        "amount" => ["1,5", "2", "x"],
        "flag" => ["yes", "no", "maybe"],
    )
    .unwrap();
    let r = recipe(vec![
        Step::ChangeType {
            column: "when".into(),
            to: ColumnType::Date,
        },
        Step::DateParts {
            column: "when".into(),
            parts: DateParts::default(),
        },
        Step::ChangeType {
            column: "amount".into(),
            to: ColumnType::Number,
        },
        Step::ChangeType {
            column: "flag".into(),
            to: ColumnType::Boolean,
        },
    ]);
    let (_, out) = r.fit_transform(&df).unwrap();
    assert_eq!(out.column("when").unwrap().dtype(), &DataType::Date);
    assert_eq!(
        f64s(&out, "when_days_since"),
        [Some(90.0), Some(45.0), Some(0.0)]
    );
    assert_eq!(f64s(&out, "when_month"), [Some(1.0), Some(2.0), Some(3.0)]);
    // 2024-01-01 was a Monday.
    assert_eq!(f64s(&out, "when_weekday")[0], Some(1.0));
    assert_eq!(f64s(&out, "amount"), [Some(1.5), Some(2.0), None]);
    assert_eq!(out.column("flag").unwrap().null_count(), 1);
}

#[test]
fn keeps_the_row_id() {
    let df = table().with_row_index(ROW_ID.into(), None).unwrap();
    let r = recipe(vec![
        Step::DropMissingRows { columns: vec![] },
        Step::RemoveDuplicates { columns: vec![] },
    ]);
    let (_, out) = r.fit_transform(&df).unwrap();
    let ids: Vec<u32> = out
        .column(ROW_ID)
        .unwrap()
        .u32()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert_eq!(ids, [0, 3]);
    let err = recipe(vec![Step::DropColumns {
        columns: vec![ROW_ID.into()],
    }])
    .fit_transform(&df)
    .unwrap_err();
    assert!(err.to_string().contains(ROW_ID));
}

#[test]
fn sentiment_adds_vader_scores() {
    let df = df!(
        "review" => [Some("I love it, great service!"), None, Some("Terrible. Never again.")],
        "n" => [1, 2, 3],
    )
    .unwrap();
    let recipe = Recipe {
        steps: vec![
            Step::Sentiment {
                column: "review".into(),
            }
            .into(),
        ],
    };
    let (_, out) = recipe.fit_transform(&df).unwrap();
    let s: Vec<Option<f64>> = out
        .column("review_sentiment")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect();
    assert!(s[0].unwrap() >= 0.05);
    assert_eq!(s[1], None);
    assert!(s[2].unwrap() <= -0.05);
    let v = crate::text::vader::vader();
    assert_eq!(s[0], Some(v.polarity("I love it, great service!").compound));
    let numbers = Recipe {
        steps: vec![Step::Sentiment { column: "n".into() }.into()],
    };
    assert!(numbers.fit_transform(&df).is_err());
}

#[test]
fn themes_are_learned_on_training_rows_and_placed_alike_on_new_ones() {
    let kinds = [
        [
            "The room was spotless and the bed wonderfully comfortable",
            "Lovely quiet room, comfortable bed and a great view",
            "Clean bright room, the bed was very comfortable",
        ],
        [
            "Breakfast was cold and the coffee tasted awful",
            "The breakfast buffet was a mess, cold coffee again",
            "Terrible breakfast, cold eggs and bitter coffee",
        ],
        [
            "Parking behind the building, the gate code is at reception",
            "The car park fills up early, parking permits at reception",
            "Street parking only, permits from reception",
        ],
    ];
    let comments: Vec<String> = (0..60)
        .map(|i| format!("{} ({i})", kinds[i % 3][(i / 3) % 3]))
        .collect();
    let df = df!("comment" => comments).unwrap();
    let recipe = Recipe {
        steps: vec![
            Step::Themes {
                column: "comment".into(),
                themes: 3,
            }
            .into(),
        ],
    };
    let (fitted, out) = recipe.fit_transform(&df).unwrap();
    let theme: Vec<Option<&str>> = out
        .column("comment_theme")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    // One theme per kind of comment, the same for every comment of a kind.
    for i in 0..60 {
        assert_eq!(theme[i], theme[i % 3], "row {i}");
    }
    assert_ne!(theme[0], theme[1]);
    assert_ne!(theme[1], theme[2]);
    assert_ne!(theme[0], theme[2]);
    assert!(theme[1].unwrap().contains("breakfast") || theme[1].unwrap().contains("coffee"));
    // New comments, read with the saved vocabulary and themes.
    let new = df!("comment" => [Some("cold coffee at breakfast"), Some("xyz"), None]).unwrap();
    let placed = fitted.transform(&new).unwrap();
    let t: Vec<Option<&str>> = placed
        .column("comment_theme")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(t, [theme[1], None, None]);
    // The fitted step survives a round trip through JSON (the model file).
    let back: FittedRecipe =
        serde_json::from_str(&serde_json::to_string(&fitted).unwrap()).unwrap();
    assert_eq!(back.transform(&new).unwrap(), placed);
}

#[test]
fn a_table_in_pieces_is_filtered_block_by_block_into_the_same_rows() {
    // Three pieces, as a table loaded piece by piece has (a chunk per piece).
    let mut pieces = table();
    pieces.vstack_mut_owned(table()).unwrap();
    pieces.vstack_mut_owned(table()).unwrap();
    assert_eq!(pieces.first_col_n_chunks(), 3);
    let mut whole = pieces.clone();
    whole.rechunk_mut();
    let r = recipe(vec![
        Step::FillMissing {
            column: "age".into(),
            strategy: FillStrategy::Median,
            value: None,
            add_flag: false,
        },
        Step::FilterRows {
            column: "region".into(),
            op: FilterOp::NotEquals,
            value: "S".into(),
        },
    ]);
    let (_, from_pieces) = r.fit_transform_owned(pieces).unwrap();
    let (_, from_whole) = r.fit_transform(&whole).unwrap();
    assert!(from_pieces.height() < 12 && from_pieces.height() > 0);
    assert!(from_pieces.equals_missing(&from_whole));
}
