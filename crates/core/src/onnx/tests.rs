use super::*;
use crate::export_sql::tests::trained;
use crate::ml::models::ModelKind;

const RECIPE: &str = r#"{"steps":[{"step":"one_hot","column":"region"}]}"#;

fn ops(bytes: &[u8]) -> Vec<String> {
    let m = ModelProto::decode(bytes).unwrap();
    m.graph
        .unwrap()
        .node
        .into_iter()
        .map(|n| n.op_type)
        .collect()
}

#[test]
fn each_model_is_its_graph_of_double_precision_operators() {
    let logistic = export(&trained(ModelKind::Logistic, RECIPE)).unwrap();
    assert_eq!(
        ops(&logistic.bytes),
        [
            "IsNaN", "Where", "Sub", "Div", "Cast", "Cast", "MatMul", "Add", "Sigmoid"
        ]
    );
    let boosting = trained(ModelKind::Boosting, RECIPE);
    let file = export(&boosting).unwrap();
    assert_eq!(
        ops(&file.bytes),
        ["TreeEnsembleRegressor", "Cast", "Sigmoid"]
    );
    let m = ModelProto::decode(file.bytes.as_slice()).unwrap();
    assert_eq!(m.opset_import.len(), 2);
    let g = m.graph.unwrap();
    let node = &g.node[0];
    assert_eq!(node.domain, "ai.onnx.ml");
    let attr = |name: &str| node.attribute.iter().find(|a| a.name == name).unwrap();
    // Thresholds are doubles, on the raw scale, as in the LightGBM file.
    let values = attr("nodes_values_as_tensor").t.clone().unwrap();
    assert_eq!(values.data_type, proto::data_type::DOUBLE);
    let lgb = crate::lightgbm::export(&boosting).unwrap().text;
    let first_threshold = lgb
        .lines()
        .find_map(|l| l.strip_prefix("threshold="))
        .and_then(|l| l.split(' ').next())
        .map(|v| v.parse::<f64>().unwrap())
        .unwrap();
    assert!(values.double_data.contains(&first_threshold));
    // The input is a double tensor of every feature.
    let input = &g.input[0];
    let shape = input
        .r#type
        .as_ref()
        .and_then(|t| t.tensor_type.as_ref())
        .unwrap();
    assert_eq!(shape.elem_type, proto::data_type::DOUBLE);
    assert_eq!(
        shape.shape.as_ref().unwrap().dim[1].dim_value,
        Some(file.features.len() as i64)
    );
}

#[test]
fn what_is_not_built_is_refused_with_the_reason() {
    let e = export(&trained(ModelKind::KMeans, RECIPE)).err().unwrap();
    assert!(e.to_string().contains("not built yet"), "{e}");
}
