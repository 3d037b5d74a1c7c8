//! ONNX export: a model as an ONNX graph that onnxruntime (and every engine with an ONNX
//! runtime) scores on the recipe-applied, unscaled features — the same input as the LightGBM
//! file (see [`crate::lightgbm`]): numbers as they are, dates as days since 1970-01-01, each
//! category as a 0/1 column, missing values as NaN; one `double` tensor `features` [N, F] in,
//! `score` [N, 1] out (P(yes), or the amount).
//!
//! - Linear and logistic regression: in double precision, the app's own steps — `IsNaN`/`Where`
//!   put each feature's fill in for a missing value, `Sub`/`Div` standardise, `Cast` to float
//!   and back rounds to single precision as the app stores features, `MatMul` + `Add`
//!   the weights and intercept, `Sigmoid` for a yes/no.
//! - Decision tree, forest and boosting (yes/no or amount): `ai.onnx.ml` opset 3's
//!   `TreeEnsembleRegressor` with double thresholds (`nodes_values_as_tensor`: float32
//!   thresholds would move rows to other leaves), each the largest raw value whose standardised
//!   value is still on the left (as for LightGBM), missing values to their fill's side
//!   (`nodes_missing_value_tracks_true`); a forest averages, boosting adds its base score; the
//!   operator's output is float32 (as the standard says), so scores agree to ~1e-7, then `Cast`
//!   to double and `Sigmoid` for a yes/no.
//!
//! - Naive Bayes (yes/no): each class's Gaussian log-likelihood in double precision
//!   (`ReduceSum` over the features of `0.5 · (ln 2πσ² + (x − μ)² / σ²)`), P(yes) as the logistic
//!   function of their difference (the same as the app's shares of the two exponentials).
//! - The MLP (yes/no or amount): its float32 weights widened to doubles, `MatMul` + `Add` and
//!   `Relu` per hidden layer in double precision (the app computes in float32: they agree to
//!   ~1e-6), `Sigmoid` for a yes/no, `mean + scale · output` for an amount.
//!
//! Not written yet: several classes, k-means / Gaussian mixtures, the SVM and free-text inputs
//! (each refused with the reason).

mod proto;
#[cfg(test)]
mod tests;

use prost::Message as _;

use crate::error::{Error, Result};
use crate::lightgbm::{Scaling, fills};
use crate::ml::models::TrainedModel;
use crate::ml::models::boosting::Link;
use crate::ml::models::trees::Tree;
use crate::ml::saved::SavedModel;
use proto::{
    AttributeProto, Dimension, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto,
    TensorShapeProto, TensorTypeProto, TypeProto, ValueInfoProto, attribute_type, data_type,
};

/// The input and output names.
pub const INPUT: &str = "features";
pub const OUTPUT: &str = "score";

/// ONNX IR version 8 (ONNX 1.10+) and the operator sets used.
const IR_VERSION: i64 = 8;
const OPSET: i64 = 17;
const ML_OPSET: i64 = 3;
const ML_DOMAIN: &str = "ai.onnx.ml";

/// A model written as ONNX.
pub struct OnnxExport {
    pub bytes: Vec<u8>,
    /// The names of the input's columns, in order.
    pub features: Vec<String>,
}

/// `model` as an ONNX model (see the module documentation).
pub fn export(model: &SavedModel) -> Result<OnnxExport> {
    let schema = &model.features;
    schema.check()?;
    let fill = fills(schema)?;
    let width = schema.names.len();
    if width == 0 {
        return Err(Error::InvalidInput(
            "the model reads no features, so there is nothing to export".into(),
        ));
    }
    let scaling = Scaling {
        means: &schema.means,
        scales: &schema.scales,
        fills: &fill,
    };
    let mut g = Graph::default();
    match &model.model {
        TrainedModel::Logistic { weights, intercept }
        | TrainedModel::Linear { weights, intercept } => {
            if weights.len() != width {
                return Err(Error::Model(
                    "the model's weights don't match its features".into(),
                ));
            }
            g.standardised(&fill, &schema.means, &schema.scales);
            g.constant("weights", vec![width as i64, 1], weights.clone());
            g.constant("intercept", vec![1], vec![*intercept]);
            g.node("MatMul", &["standardised", "weights"], "dot", vec![]);
            let logistic = matches!(model.model, TrainedModel::Logistic { .. });
            g.node(
                "Add",
                &["dot", "intercept"],
                if logistic { "logit" } else { OUTPUT },
                vec![],
            );
            if logistic {
                g.node("Sigmoid", &["logit"], OUTPUT, vec![]);
            }
        }
        TrainedModel::NaiveBayes(nb) if nb.classes.len() == 2 => {
            g.standardised(&fill, &schema.means, &schema.scales);
            g.int64s("feature_axis", vec![1]);
            g.constant("half", vec![1], vec![0.5]);
            for (c, class) in nb.classes.iter().enumerate() {
                if class.mean.len() != width || class.variance.len() != width {
                    return Err(Error::Model("the naive Bayes model is malformed".into()));
                }
                let name = |s: &str| format!("{s}_{c}");
                let k: Vec<f64> = class
                    .variance
                    .iter()
                    .map(|v| (2.0 * std::f64::consts::PI * v).ln())
                    .collect();
                g.constant(&name("mean"), vec![width as i64], class.mean.clone());
                g.constant(
                    &name("variance"),
                    vec![width as i64],
                    class.variance.clone(),
                );
                g.constant(&name("log_2pi_variance"), vec![width as i64], k);
                g.constant(
                    &name("log_prior"),
                    vec![1],
                    vec![class.prior.max(f64::MIN_POSITIVE).ln()],
                );
                g.node(
                    "Sub",
                    &["standardised", &name("mean")],
                    &name("off"),
                    vec![],
                );
                g.node(
                    "Mul",
                    &[&name("off"), &name("off")],
                    &name("square"),
                    vec![],
                );
                g.node(
                    "Div",
                    &[&name("square"), &name("variance")],
                    &name("scaled"),
                    vec![],
                );
                g.node(
                    "Add",
                    &[&name("scaled"), &name("log_2pi_variance")],
                    &name("term"),
                    vec![],
                );
                g.node(
                    "ReduceSum",
                    &[&name("term"), "feature_axis"],
                    &name("sum"),
                    vec![int("keepdims", 1)],
                );
                g.node("Mul", &["half", &name("sum")], &name("half_sum"), vec![]);
                g.node(
                    "Sub",
                    &[&name("log_prior"), &name("half_sum")],
                    &name("log_likelihood"),
                    vec![],
                );
            }
            g.node(
                "Sub",
                &["log_likelihood_1", "log_likelihood_0"],
                "log_odds",
                vec![],
            );
            g.node("Sigmoid", &["log_odds"], OUTPUT, vec![]);
        }
        TrainedModel::Mlp(m) => {
            use crate::ml::models::mlp::Output;
            let (layers, output) = m.parts();
            if matches!(output, Output::Classes { .. }) {
                return Err(Error::InvalidInput(
                    "ONNX export of a model with several classes is not built yet: a yes/no or an amount is".into(),
                ));
            }
            if layers.first().is_none_or(|l| l.inputs != width) {
                return Err(Error::Model(
                    "the network's layers don't match its features".into(),
                ));
            }
            g.standardised(&fill, &schema.means, &schema.scales);
            let mut input = "standardised".to_owned();
            for (i, l) in layers.iter().enumerate() {
                let (w, b) = (format!("w{i}"), format!("b{i}"));
                g.constant(
                    &w,
                    vec![l.inputs as i64, l.outputs as i64],
                    l.weights.iter().map(|&v| f64::from(v)).collect(),
                );
                g.constant(
                    &b,
                    vec![l.outputs as i64],
                    l.biases.iter().map(|&v| f64::from(v)).collect(),
                );
                let (product, sum) = (format!("product{i}"), format!("layer{i}"));
                g.node("MatMul", &[&input, &w], &product, vec![]);
                g.node("Add", &[&product, &b], &sum, vec![]);
                input = if i + 1 < layers.len() {
                    let relu = format!("relu{i}");
                    g.node("Relu", &[&sum], &relu, vec![]);
                    relu
                } else {
                    sum
                };
            }
            match output {
                Output::Amount { mean, scale } => {
                    g.constant("amount_mean", vec![1], vec![*mean]);
                    g.constant("amount_scale", vec![1], vec![*scale]);
                    g.node("Mul", &["amount_scale", &input], "scaled_amount", vec![]);
                    g.node("Add", &["amount_mean", "scaled_amount"], OUTPUT, vec![]);
                }
                _ => g.node("Sigmoid", &[&input], OUTPUT, vec![]),
            }
        }
        TrainedModel::DecisionTree(t) => {
            trees(&mut g, &[&t.tree], &scaling, 0.0, "SUM", false)?;
        }
        TrainedModel::Forest(f) => {
            let refs: Vec<&Tree> = f.trees.iter().collect();
            trees(&mut g, &refs, &scaling, 0.0, "AVERAGE", false)?;
        }
        TrainedModel::Boosting(b) => {
            if b.link == Link::Softmax {
                return Err(Error::InvalidInput(
                    "ONNX export of a model with several classes is not built yet: a yes/no or an amount is".into(),
                ));
            }
            let refs: Vec<&Tree> = b.trees.iter().collect();
            trees(
                &mut g,
                &refs,
                &scaling,
                b.base,
                "SUM",
                b.link == Link::Logistic,
            )?;
        }
        _ => {
            return Err(Error::InvalidInput(format!(
                "ONNX export of a {} is not built yet: linear and logistic regression, naive Bayes, the neural network, decision trees, forests and boosting are",
                model.kind.label().to_lowercase()
            )));
        }
    }
    let features = schema.names.clone();
    let model_proto = ModelProto {
        ir_version: IR_VERSION,
        producer_name: "marketing-workbench".into(),
        producer_version: env!("CARGO_PKG_VERSION").into(),
        doc_string: format!(
            "{} predicting {}. Input '{INPUT}': double [N, {width}], the columns after the recipe, unscaled, missing values as NaN: {}.",
            model.kind.label(),
            model.target.as_deref().unwrap_or("segments"),
            features.join(", ")
        ),
        graph: Some(GraphProto {
            node: g.nodes,
            name: "marketing_workbench".into(),
            initializer: g.constants,
            input: vec![value_info(INPUT, &[None, Some(width as i64)])],
            output: vec![value_info(OUTPUT, &[None, Some(1)])],
        }),
        opset_import: vec![
            OperatorSetIdProto {
                domain: String::new(),
                version: OPSET,
            },
            OperatorSetIdProto {
                domain: ML_DOMAIN.into(),
                version: ML_OPSET,
            },
        ],
    };
    Ok(OnnxExport {
        bytes: model_proto.encode_to_vec(),
        features,
    })
}

/// The nodes and constants of a graph being built.
#[derive(Default)]
struct Graph {
    nodes: Vec<NodeProto>,
    constants: Vec<TensorProto>,
}

impl Graph {
    /// The app's features from the input: fills for missing values, then standardised and
    /// rounded to single precision (as the app stores them), as `standardised`, a double.
    fn standardised(&mut self, fill: &[f64], means: &[f64], scales: &[f64]) {
        let width = fill.len() as i64;
        self.constant("fill", vec![width], fill.to_vec());
        self.constant("mean", vec![width], means.to_vec());
        self.constant("scale", vec![width], scales.to_vec());
        self.node("IsNaN", &[INPUT], "missing", vec![]);
        self.node("Where", &["missing", "fill", INPUT], "filled", vec![]);
        self.node("Sub", &["filled", "mean"], "centred", vec![]);
        self.node("Div", &["centred", "scale"], "scaled", vec![]);
        self.node(
            "Cast",
            &["scaled"],
            "single",
            vec![int("to", i64::from(data_type::FLOAT))],
        );
        self.node(
            "Cast",
            &["single"],
            "standardised",
            vec![int("to", i64::from(data_type::DOUBLE))],
        );
    }

    fn int64s(&mut self, name: &str, values: Vec<i64>) {
        self.constants.push(TensorProto {
            dims: vec![values.len() as i64],
            data_type: data_type::INT64,
            name: name.to_owned(),
            int64_data: values,
            double_data: Vec::new(),
        });
    }

    fn constant(&mut self, name: &str, dims: Vec<i64>, values: Vec<f64>) {
        self.constants.push(tensor(name, dims, values));
    }

    fn node(&mut self, op: &str, inputs: &[&str], output: &str, attribute: Vec<AttributeProto>) {
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| (*s).to_owned()).collect(),
            output: vec![output.to_owned()],
            name: format!("{op}_{}", self.nodes.len()),
            op_type: op.to_owned(),
            attribute,
            domain: String::new(),
        });
    }
}

fn tensor(name: &str, dims: Vec<i64>, values: Vec<f64>) -> TensorProto {
    TensorProto {
        dims,
        data_type: data_type::DOUBLE,
        name: name.to_owned(),
        int64_data: Vec::new(),
        double_data: values,
    }
}

fn value_info(name: &str, dims: &[Option<i64>]) -> ValueInfoProto {
    ValueInfoProto {
        name: name.to_owned(),
        r#type: Some(TypeProto {
            tensor_type: Some(TensorTypeProto {
                elem_type: data_type::DOUBLE,
                shape: Some(TensorShapeProto {
                    dim: dims
                        .iter()
                        .map(|d| Dimension {
                            dim_value: *d,
                            dim_param: d.is_none().then(|| "N".to_owned()),
                        })
                        .collect(),
                }),
            }),
        }),
    }
}

fn ints(name: &str, v: Vec<i64>) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        ints: v,
        r#type: attribute_type::INTS,
        ..Default::default()
    }
}

fn int(name: &str, v: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        i: v,
        r#type: attribute_type::INT,
        ..Default::default()
    }
}

fn string(name: &str, v: &str) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        s: v.as_bytes().to_vec(),
        r#type: attribute_type::STRING,
        ..Default::default()
    }
}

fn strings(name: &str, v: Vec<&str>) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        strings: v.into_iter().map(|s| s.as_bytes().to_vec()).collect(),
        r#type: attribute_type::STRINGS,
        ..Default::default()
    }
}

fn tensor_attribute(name: &str, values: Vec<f64>) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        t: Some(tensor("", vec![values.len() as i64], values)),
        r#type: attribute_type::TENSOR,
        ..Default::default()
    }
}

/// The trees as one `TreeEnsembleRegressor`, then (for a yes/no) the logistic function.
fn trees(
    g: &mut Graph,
    trees: &[&Tree],
    scaling: &Scaling,
    base: f64,
    aggregate: &str,
    logistic: bool,
) -> Result<()> {
    let (mut tree_ids, mut node_ids, mut feature_ids, mut modes) = (vec![], vec![], vec![], vec![]);
    let (mut values, mut true_ids, mut false_ids, mut missing_true) =
        (vec![], vec![], vec![], vec![]);
    let (mut target_trees, mut target_nodes, mut weights) = (vec![], vec![], vec![]);
    let width = scaling.means.len();
    for (t, tree) in trees.iter().enumerate() {
        tree.validate(width)?;
        for n in 0..tree.nodes() {
            tree_ids.push(t as i64);
            node_ids.push(n as i64);
            let f = tree.feature[n];
            if f < 0 {
                feature_ids.push(0);
                modes.push("LEAF");
                values.push(0.0);
                true_ids.push(0);
                false_ids.push(0);
                missing_true.push(0);
                target_trees.push(t as i64);
                target_nodes.push(n as i64);
                weights.push(tree.value[n]);
            } else {
                let j = f as usize;
                let threshold = tree.threshold[n];
                let left = match tree.nan_right.get(n) {
                    Some(&right) => !right,
                    None => scaling.missing_left(j, threshold),
                };
                feature_ids.push(j as i64);
                modes.push("BRANCH_LEQ");
                values.push(scaling.raw_threshold(j, threshold)?);
                true_ids.push(i64::from(tree.left[n]));
                false_ids.push(i64::from(tree.left[n]) + 1);
                missing_true.push(i64::from(left));
            }
        }
    }
    let target_ids = vec![0; target_trees.len()];
    g.nodes.push(NodeProto {
        input: vec![INPUT.into()],
        output: vec!["trees".into()],
        name: "trees".into(),
        op_type: "TreeEnsembleRegressor".into(),
        attribute: vec![
            string("aggregate_function", aggregate),
            tensor_attribute("base_values_as_tensor", vec![base]),
            int("n_targets", 1),
            ints("nodes_falsenodeids", false_ids),
            ints("nodes_featureids", feature_ids),
            ints("nodes_missing_value_tracks_true", missing_true),
            strings("nodes_modes", modes),
            ints("nodes_nodeids", node_ids),
            ints("nodes_treeids", tree_ids),
            ints("nodes_truenodeids", true_ids),
            tensor_attribute("nodes_values_as_tensor", values),
            string("post_transform", "NONE"),
            ints("target_ids", target_ids),
            ints("target_nodeids", target_nodes),
            ints("target_treeids", target_trees),
            tensor_attribute("target_weights_as_tensor", weights),
        ],
        domain: ML_DOMAIN.into(),
    });
    g.node(
        "Cast",
        &["trees"],
        if logistic { "raw" } else { OUTPUT },
        vec![int("to", i64::from(data_type::DOUBLE))],
    );
    if logistic {
        g.node("Sigmoid", &["raw"], OUTPUT, vec![]);
    }
    Ok(())
}
