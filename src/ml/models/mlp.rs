//! Placeholder until the candle MLP lands (being written in parallel).

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use super::{Reporter, TrainData};
use crate::error::{Error, Result};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MlpParams {
    pub hidden_layers: usize,
    pub units: usize,
    pub epochs: usize,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub patience: usize,
    pub l2: f64,
}

impl Default for MlpParams {
    fn default() -> Self {
        Self {
            hidden_layers: 2,
            units: 64,
            epochs: 100,
            learning_rate: 1e-3,
            batch_size: 256,
            patience: 10,
            l2: 1e-4,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MlpModel {}

impl MlpModel {
    pub fn predict(&self, _x: ArrayView2<f64>) -> Result<Vec<f64>> {
        Err(Error::NotAvailable("mlp".into()))
    }
}

pub fn train(_: &MlpParams, _: &TrainData, _: u64, _: &mut Reporter) -> Result<MlpModel> {
    Err(Error::NotAvailable("mlp".into()))
}
