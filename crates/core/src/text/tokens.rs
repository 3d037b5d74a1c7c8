//! From text to terms: the language of a column, words (Unicode word boundaries for English and
//! other languages, jieba's dictionary segmentation for Chinese), stop words, Snowball stemming
//! and word pairs.
//!
//! Stop words: English is scikit-learn's list (the Glasgow IR group's 318 words, BSD-3), so
//! TF-IDF compares term for term with `TfidfVectorizer(stop_words="english")`; Chinese is
//! stopwords-iso's `stopwords-zh` 0.4.0 (npm, MIT). Both in `crates/core/assets/stopwords/`.

use polars::prelude::PlHashSet as HashSet;
use std::sync::OnceLock;

use jieba_rs::Jieba;
use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

static STOP_EN: &str = include_str!("../../assets/stopwords/en.txt");
static STOP_ZH: &str = include_str!("../../assets/stopwords/zh.txt");

/// The language a text column is read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    English,
    Chinese,
    /// Any other: Unicode word boundaries, no stop words, no stemming.
    Other,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::English, Language::Chinese, Language::Other];

    /// The code written in metrics and accepted by `--language`.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Chinese => "zh",
            Language::Other => "other",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Chinese => "Chinese",
            Language::Other => "Other (word boundaries)",
        }
    }
}

/// The language most of the texts are in (whatlang, one vote per text over up to 500 texts;
/// texts it cannot place do not vote). English and Chinese are read as themselves; anything
/// else as [`Language::Other`].
pub fn detect<'a>(texts: impl Iterator<Item = &'a str>) -> Language {
    let (mut en, mut zh, mut other) = (0usize, 0usize, 0usize);
    for t in texts.take(500) {
        match whatlang::detect(t).map(|i| i.lang()) {
            Some(whatlang::Lang::Eng) => en += 1,
            Some(whatlang::Lang::Cmn) => zh += 1,
            Some(_) => other += 1,
            None => {}
        }
    }
    if zh > en && zh >= other {
        Language::Chinese
    } else if en >= other && en > 0 {
        Language::English
    } else {
        Language::Other
    }
}

/// How texts become terms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenOptions {
    pub language: Language,
    /// Snowball stemming (English only): "refunds", "refunded" → "refund".
    pub stem: bool,
    /// Adjacent word pairs ("late delivery") as terms too, formed after stop words are removed.
    pub pairs: bool,
}

impl TokenOptions {
    pub fn new(language: Language) -> Self {
        TokenOptions {
            language,
            stem: false,
            pairs: true,
        }
    }
}

fn jieba() -> &'static Jieba {
    static J: OnceLock<Jieba> = OnceLock::new();
    J.get_or_init(Jieba::new)
}

fn stop_words(language: Language) -> &'static HashSet<&'static str> {
    static EN: OnceLock<HashSet<&'static str>> = OnceLock::new();
    static ZH: OnceLock<HashSet<&'static str>> = OnceLock::new();
    static NONE: OnceLock<HashSet<&'static str>> = OnceLock::new();
    match language {
        Language::English => EN.get_or_init(|| STOP_EN.lines().collect()),
        // Latin words in Chinese posts ("the", "and") are dropped too.
        Language::Chinese => ZH.get_or_init(|| STOP_ZH.lines().chain(STOP_EN.lines()).collect()),
        Language::Other => NONE.get_or_init(HashSet::default),
    }
}

/// Turns texts into terms; safe to share between threads.
pub struct Tokenizer {
    options: TokenOptions,
    stemmer: Option<Stemmer>,
    stop: &'static HashSet<&'static str>,
}

impl Tokenizer {
    pub fn new(options: &TokenOptions) -> Self {
        let stemmer = (options.stem && options.language == Language::English)
            .then(|| Stemmer::create(Algorithm::English));
        Tokenizer {
            stop: stop_words(options.language),
            options: options.clone(),
            stemmer,
        }
    }

    pub fn options(&self) -> &TokenOptions {
        &self.options
    }

    /// The words of a text, lower-cased, without stop words, numbers, punctuation or emoji
    /// (and stemmed when asked).
    pub fn words(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut keep = |w: &str| {
            let w = w.trim();
            if !w.chars().any(char::is_alphabetic) {
                return;
            }
            let lower = w.to_lowercase();
            // One Latin letter is noise; one Chinese character is often a word (好, 差).
            if lower.chars().count() == 1 && lower.is_ascii() {
                return;
            }
            if self.stop.contains(lower.as_str()) {
                return;
            }
            match &self.stemmer {
                Some(s) => out.push(s.stem(&lower).into_owned()),
                None => out.push(lower),
            }
        };
        match self.options.language {
            Language::Chinese => {
                for t in jieba().cut(text, true) {
                    keep(t.word);
                }
            }
            Language::English | Language::Other => {
                for w in text.unicode_words() {
                    keep(w);
                }
            }
        }
        out
    }

    /// The terms of a text: its words, and with pairs on, each adjacent pair joined by a space.
    pub fn terms(&self, text: &str) -> Vec<String> {
        self.terms_of(self.words(text))
    }

    /// The terms of a text from its [`Tokenizer::words`].
    pub fn terms_of(&self, words: Vec<String>) -> Vec<String> {
        if !self.options.pairs || words.len() < 2 {
            return words;
        }
        let mut out = Vec::with_capacity(words.len() * 2 - 1);
        for w in words.windows(2) {
            let mut pair = String::with_capacity(w[0].len() + 1 + w[1].len());
            pair.push_str(&w[0]);
            pair.push(' ');
            pair.push_str(&w[1]);
            out.push(pair);
        }
        let mut terms = words;
        terms.append(&mut out);
        terms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_words_pairs_and_stems() {
        let t = Tokenizer::new(&TokenOptions::new(Language::English));
        assert_eq!(
            t.terms("The delivery was LATE, again! 2 boxes"),
            vec!["delivery", "late", "boxes", "delivery late", "late boxes"]
        );
        let stemmed = Tokenizer::new(&TokenOptions {
            stem: true,
            pairs: false,
            ..TokenOptions::new(Language::English)
        });
        assert_eq!(stemmed.words("Refunds refunded"), vec!["refund", "refund"]);
    }

    #[test]
    fn chinese_is_segmented_into_words() {
        let t = Tokenizer::new(&TokenOptions {
            pairs: false,
            ..TokenOptions::new(Language::Chinese)
        });
        let words = t.words("我们的快递太慢了，但是客服很好 iPhone 😀");
        assert!(words.contains(&"快递".to_owned()), "{words:?}");
        assert!(words.contains(&"客服".to_owned()), "{words:?}");
        assert!(words.contains(&"iphone".to_owned()), "{words:?}");
        assert!(!words.iter().any(|w| w == "😀" || w == "，"), "{words:?}");
    }

    #[test]
    fn language_is_detected() {
        let en = [
            "The parcel came late and the box was damaged",
            "Great price, fast delivery",
        ];
        assert_eq!(detect(en.iter().copied()), Language::English);
        let zh = ["快递太慢了，包装也坏了", "价格便宜，质量很好，推荐购买"];
        assert_eq!(detect(zh.iter().copied()), Language::Chinese);
    }
}
