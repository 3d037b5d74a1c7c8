//! TF-IDF: a vocabulary fitted on some texts (terms in at least `min_df` of them, the most
//! frequent `max_terms` kept), and any texts turned into a sparse, row-normalised matrix, as
//! scikit-learn's `TfidfVectorizer(sublinear_tf=True, smooth_idf=True, norm="l2")` computes it:
//! tf = 1 + ln(count), idf = ln((1 + n) / (1 + df)) + 1.

use polars::prelude::PlHashMap as HashMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::tokens::{TokenOptions, Tokenizer};
use crate::error::{Error, Result};

/// How the vocabulary is chosen and the weights computed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TfidfSettings {
    pub tokens: TokenOptions,
    /// A term must occur in at least this many texts.
    pub min_df: usize,
    /// At most this many terms, the most frequent (ties in alphabetical order).
    pub max_terms: usize,
    /// 1 + ln(count) instead of the count.
    pub sublinear_tf: bool,
}

impl TfidfSettings {
    pub fn new(tokens: TokenOptions) -> Self {
        TfidfSettings {
            tokens,
            min_df: 2,
            max_terms: 50_000,
            sublinear_tf: true,
        }
    }
}

/// A sparse matrix in compressed rows: row `i`'s entries are `indices[indptr[i]..indptr[i+1]]`
/// (column numbers, ascending) with `values` alongside.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Csr {
    pub rows: usize,
    pub cols: usize,
    pub indptr: Vec<usize>,
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl Csr {
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }

    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// The same matrix stored by columns (the transpose in compressed rows).
    pub fn transpose(&self) -> Csr {
        let mut counts = vec![0usize; self.cols + 1];
        for &j in &self.indices {
            counts[j as usize + 1] += 1;
        }
        for j in 0..self.cols {
            counts[j + 1] += counts[j];
        }
        let mut next = counts.clone();
        let mut indices = vec![0u32; self.nnz()];
        let mut values = vec![0f32; self.nnz()];
        for i in 0..self.rows {
            let (idx, val) = self.row(i);
            for (&j, &v) in idx.iter().zip(val) {
                let at = &mut next[j as usize];
                indices[*at] = i as u32;
                values[*at] = v;
                *at += 1;
            }
        }
        Csr {
            rows: self.cols,
            cols: self.rows,
            indptr: counts,
            indices,
            values,
        }
    }
}

/// The fitted vocabulary: terms, their inverse document frequencies, and how often each was
/// seen in the fitting texts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Vectorizer {
    pub settings: TfidfSettings,
    /// The kept terms, in alphabetical order (column `j` of the matrix is `terms[j]`).
    pub terms: Vec<String>,
    pub idf: Vec<f64>,
    /// Occurrences of each term in the fitting texts.
    pub counts: Vec<u64>,
    /// Fitting texts each term occurs in.
    pub documents: Vec<u64>,
    /// How many texts the vocabulary was fitted on (missing ones count as empty).
    pub fitted_on: usize,
    /// Term → column, built on first use (also after reading a model file).
    #[serde(skip)]
    index: OnceLock<HashMap<String, u32>>,
}

/// Each text's terms, in parallel and in order; `None` for a missing text.
pub fn tokenize_all(
    texts: &[Option<&str>],
    tokenizer: &Tokenizer,
    cancel: &AtomicBool,
) -> Result<Vec<Vec<String>>> {
    let out: Vec<Vec<String>> = texts
        .par_iter()
        .map(|t| {
            if cancel.load(Ordering::Relaxed) {
                return Vec::new();
            }
            t.map(|t| tokenizer.terms(t)).unwrap_or_default()
        })
        .collect();
    if cancel.load(Ordering::Relaxed) {
        return Err(Error::Cancelled);
    }
    Ok(out)
}

impl Vectorizer {
    /// Fits the vocabulary on already tokenized texts.
    pub fn fit(docs: &[Vec<String>], settings: &TfidfSettings) -> Result<Vectorizer> {
        let mut seen: HashMap<&str, (u64, u64)> = HashMap::default();
        for doc in docs {
            let mut distinct: Vec<&str> = doc.iter().map(String::as_str).collect();
            for t in &distinct {
                seen.entry(t).or_default().0 += 1;
            }
            distinct.sort_unstable();
            distinct.dedup();
            for t in distinct {
                seen.entry(t).or_default().1 += 1;
            }
        }
        let mut kept: Vec<(&str, u64, u64)> = seen
            .into_iter()
            .filter(|(_, (_, df))| *df as usize >= settings.min_df.max(1))
            .map(|(t, (c, df))| (t, c, df))
            .collect();
        if kept.is_empty() {
            return Err(Error::InvalidInput(format!(
                "no term occurs in {} or more texts: the texts are too few or too short",
                settings.min_df.max(1)
            )));
        }
        if kept.len() > settings.max_terms {
            kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            kept.truncate(settings.max_terms.max(1));
        }
        kept.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let n = docs.len() as f64;
        let v = Vectorizer {
            settings: settings.clone(),
            terms: kept.iter().map(|k| k.0.to_owned()).collect(),
            idf: kept
                .iter()
                .map(|k| ((1.0 + n) / (1.0 + k.2 as f64)).ln() + 1.0)
                .collect(),
            counts: kept.iter().map(|k| k.1).collect(),
            documents: kept.iter().map(|k| k.2).collect(),
            fitted_on: docs.len(),
            index: OnceLock::new(),
        };
        Ok(v)
    }

    fn index(&self) -> &HashMap<String, u32> {
        self.index.get_or_init(|| {
            self.terms
                .iter()
                .enumerate()
                .map(|(j, t)| (t.clone(), j as u32))
                .collect()
        })
    }

    pub fn column_of(&self, term: &str) -> Option<usize> {
        self.index().get(term).map(|&j| j as usize)
    }

    /// Checks a vocabulary read from a file: one idf per term, all finite.
    pub fn check(&self) -> Result<()> {
        if self.idf.len() != self.terms.len() || self.idf.iter().any(|v| !v.is_finite()) {
            return Err(Error::Model(format!(
                "the model's text vocabulary is inconsistent ({} terms, {} weights)",
                self.terms.len(),
                self.idf.len()
            )));
        }
        Ok(())
    }

    /// The TF-IDF rows of tokenized texts (terms outside the vocabulary are ignored; a text
    /// with none of its terms is an empty row).
    pub fn transform(&self, docs: &[Vec<String>]) -> Csr {
        let index = self.index();
        let rows: Vec<Vec<(u32, f32)>> = docs
            .par_iter()
            .map(|doc| {
                let mut ids: Vec<u32> = doc
                    .iter()
                    .filter_map(|t| index.get(t.as_str()).copied())
                    .collect();
                ids.sort_unstable();
                let mut row: Vec<(u32, f64)> = Vec::new();
                for id in ids {
                    match row.last_mut() {
                        Some((j, c)) if *j == id => *c += 1.0,
                        _ => row.push((id, 1.0)),
                    }
                }
                for (j, c) in &mut row {
                    let tf = if self.settings.sublinear_tf {
                        1.0 + c.ln()
                    } else {
                        *c
                    };
                    *c = tf * self.idf[*j as usize];
                }
                let norm = row.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
                row.into_iter()
                    .map(|(j, w)| (j, if norm > 0.0 { w / norm } else { w } as f32))
                    .collect()
            })
            .collect();
        let mut m = Csr {
            rows: docs.len(),
            cols: self.terms.len(),
            indptr: Vec::with_capacity(docs.len() + 1),
            indices: Vec::new(),
            values: Vec::new(),
        };
        m.indptr.push(0);
        for row in rows {
            for (j, w) in row {
                m.indices.push(j);
                m.values.push(w);
            }
            m.indptr.push(m.indices.len());
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::super::tokens::Language;
    use super::*;

    #[test]
    fn weights_are_scikit_learns() {
        let docs: Vec<Vec<String>> = [vec!["a", "b", "b"], vec!["a", "c"], vec!["b"]]
            .iter()
            .map(|d| d.iter().map(|s| (*s).to_owned()).collect())
            .collect();
        let settings = TfidfSettings {
            min_df: 1,
            ..TfidfSettings::new(TokenOptions::new(Language::Other))
        };
        let Ok(v) = Vectorizer::fit(&docs, &settings) else {
            panic!("fit")
        };
        assert_eq!(v.terms, vec!["a", "b", "c"]);
        assert_eq!(v.documents, vec![2, 2, 1]);
        // idf(a) = ln(4/3) + 1; idf(c) = ln(4/2) + 1.
        assert!((v.idf[0] - ((4.0f64 / 3.0).ln() + 1.0)).abs() < 1e-12);
        assert!((v.idf[2] - (2.0f64.ln() + 1.0)).abs() < 1e-12);
        let m = v.transform(&docs);
        // Row 0: a has tf 1, b has tf 1 + ln 2, both times idf ln(4/3) + 1, then unit length.
        let (idx, val) = m.row(0);
        assert_eq!(idx, &[0, 1]);
        let (wa, wb) = (1.0f64, 1.0 + 2.0f64.ln());
        let norm = (wa * wa + wb * wb).sqrt();
        assert!((f64::from(val[0]) - wa / norm).abs() < 1e-6);
        assert!((f64::from(val[1]) - wb / norm).abs() < 1e-6);
        let t = m.transpose();
        // Term c is only in text 1, with that text's weight.
        assert_eq!(t.row(2), (&[1u32][..], &m.row(1).1[1..2]));
    }
}
