//! VADER sentiment (Hutto & Gilbert, ICWSM 2014): the rules and the lexicon of the reference
//! implementation, vaderSentiment 3.3.2, ported rule for rule so that the compound score is the
//! same number (`tests/text.rs` holds it to the package's own examples and to generated
//! sentences). The lexicon and emoji files are the package's own, under its MIT licence
//! (`crates/core/assets/vader/`).
//!
//! Where Python's string semantics matter they are kept: whitespace is `str.split()`'s,
//! punctuation is `string.punctuation`, capitals are `str.isupper()`, and the "but" rule
//! reproduces the reference's `list.index` look-up (a value repeated before "but" is changed at
//! its first position only).

use polars::prelude::{PlHashMap as HashMap, PlHashSet as HashSet};
use std::sync::OnceLock;

static LEXICON: &str = include_str!("../../assets/vader/vader_lexicon.txt");
static EMOJI: &str = include_str!("../../assets/vader/emoji_utf8_lexicon.txt");

const B_INCR: f64 = 0.293;
const B_DECR: f64 = -0.293;
const C_INCR: f64 = 0.733;
const N_SCALAR: f64 = -0.74;

const NEGATE: [&str; 59] = [
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
];

const BOOSTERS_UP: [&str; 60] = [
    "absolutely",
    "amazingly",
    "awfully",
    "completely",
    "considerable",
    "considerably",
    "decidedly",
    "deeply",
    "effing",
    "enormous",
    "enormously",
    "entirely",
    "especially",
    "exceptional",
    "exceptionally",
    "extreme",
    "extremely",
    "fabulously",
    "flipping",
    "flippin",
    "frackin",
    "fracking",
    "fricking",
    "frickin",
    "frigging",
    "friggin",
    "fully",
    "fuckin",
    "fucking",
    "fuggin",
    "fugging",
    "greatly",
    "hella",
    "highly",
    "hugely",
    "incredible",
    "incredibly",
    "intensely",
    "major",
    "majorly",
    "more",
    "most",
    "particularly",
    "purely",
    "quite",
    "really",
    "remarkably",
    "so",
    "substantially",
    "thoroughly",
    "total",
    "totally",
    "tremendous",
    "tremendously",
    "uber",
    "unbelievably",
    "unusually",
    "utter",
    "utterly",
    "very",
];

const BOOSTERS_DOWN: [&str; 24] = [
    "almost",
    "barely",
    "hardly",
    "just enough",
    "kind of",
    "kinda",
    "kindof",
    "kind-of",
    "less",
    "little",
    "marginal",
    "marginally",
    "occasional",
    "occasionally",
    "partly",
    "scarce",
    "scarcely",
    "slight",
    "slightly",
    "somewhat",
    "sort of",
    "sorta",
    "sortof",
    "sort-of",
];

const SPECIAL_CASES: [(&str, f64); 9] = [
    ("the shit", 3.0),
    ("the bomb", 3.0),
    ("bad ass", 1.5),
    ("badass", 1.5),
    ("bus stop", 0.0),
    ("yeah right", -2.0),
    ("kiss of death", -1.5),
    ("to die for", 3.0),
    ("beating heart", 3.5),
];

/// The scores of one text, as the reference gives them (`compound` rounded to 4 decimals,
/// the proportions to 3).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Polarity {
    pub neg: f64,
    pub neu: f64,
    pub pos: f64,
    pub compound: f64,
}

/// The label VADER's authors recommend for a compound score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Label {
    Positive,
    Neutral,
    Negative,
}

impl Label {
    pub const ALL: [Label; 3] = [Label::Positive, Label::Neutral, Label::Negative];

    /// Positive at 0.05 and above, negative at −0.05 and below, neutral between.
    pub fn of(compound: f64) -> Label {
        if compound >= 0.05 {
            Label::Positive
        } else if compound <= -0.05 {
            Label::Negative
        } else {
            Label::Neutral
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Label::Positive => "positive",
            Label::Neutral => "neutral",
            Label::Negative => "negative",
        }
    }
}

/// The analyser: the lexicon, the emoji descriptions and the rule tables.
pub struct Vader {
    lexicon: HashMap<String, f64>,
    emojis: HashMap<char, String>,
    boosters: HashMap<&'static str, f64>,
    negate: HashSet<&'static str>,
    special: HashMap<&'static str, f64>,
}

/// The analyser, built on first use (the lexicon is parsed once per process).
pub fn vader() -> &'static Vader {
    static V: OnceLock<Vader> = OnceLock::new();
    V.get_or_init(Vader::new)
}

/// `str.isspace()`: Unicode White_Space plus the four ASCII separators Python counts.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(py_space)
}

/// The titlecase letters (Unicode category Lt): `str.isupper()` is false when one is present.
fn titlecase(c: char) -> bool {
    matches!(
        c,
        '\u{1c5}' | '\u{1c8}' | '\u{1cb}' | '\u{1f2}' | '\u{1fbc}' | '\u{1fcc}' | '\u{1ffc}'
    ) || ('\u{1f88}'..='\u{1f8f}').contains(&c)
        || ('\u{1f98}'..='\u{1f9f}').contains(&c)
        || ('\u{1fa8}'..='\u{1faf}').contains(&c)
}

/// `str.isupper()`: at least one cased character, and no lower- or titlecase one.
fn py_isupper(s: &str) -> bool {
    let mut cased = false;
    for c in s.chars() {
        if c.is_lowercase() || titlecase(c) {
            return false;
        }
        if c.is_uppercase() {
            cased = true;
        }
    }
    cased
}

/// Python's `round(x, digits)`: the decimal nearest to the exact binary value. Away from a
/// tie the scaled value rounds the same way, and dividing the integer by the power of ten gives
/// the double nearest that decimal, as parsing it does; near a tie (where scaling may have moved
/// the value across it) the decimal is formatted from the exact value.
fn py_round(x: f64, digits: usize) -> f64 {
    let scale = 10f64.powi(digits as i32);
    let y = x * scale;
    let frac = (y - y.trunc()).abs();
    if y.abs() < 1e15 && (frac - 0.5).abs() > 1e-6 {
        return y.round() / scale;
    }
    format!("{x:.digits$}").parse().unwrap_or(x)
}

/// `parts` joined by single spaces, in `buf`.
fn joined<'a>(buf: &'a mut String, parts: &[&str]) -> &'a str {
    buf.clear();
    for (k, p) in parts.iter().enumerate() {
        if k > 0 {
            buf.push(' ');
        }
        buf.push_str(p);
    }
    buf.as_str()
}

/// A token with its leading and trailing ASCII punctuation removed, unless that leaves two
/// characters or fewer (then it was probably an emoticon and is kept whole).
fn strip_punctuation(token: &str) -> &str {
    let stripped = token.trim_matches(|c: char| c.is_ascii_punctuation());
    if stripped.chars().count() <= 2 {
        token
    } else {
        stripped
    }
}

impl Vader {
    fn new() -> Vader {
        let mut lexicon = HashMap::default();
        for line in LEXICON.trim_end_matches('\n').split('\n') {
            if line.is_empty() {
                continue;
            }
            let mut fields = py_strip(line).split('\t');
            if let (Some(word), Some(Ok(v))) = (fields.next(), fields.next().map(str::parse)) {
                lexicon.insert(word.to_owned(), v);
            }
        }
        let mut emojis = HashMap::default();
        for line in EMOJI.trim_end_matches('\n').split('\n') {
            let mut fields = py_strip(line).split('\t');
            if let (Some(e), Some(description)) = (fields.next(), fields.next()) {
                // The reference looks emojis up one character at a time: only one-character
                // entries can ever match.
                let mut chars = e.chars();
                if let (Some(c), None) = (chars.next(), chars.next()) {
                    emojis.insert(c, description.to_owned());
                }
            }
        }
        let mut boosters: HashMap<&'static str, f64> =
            BOOSTERS_UP.iter().map(|w| (*w, B_INCR)).collect();
        for w in BOOSTERS_DOWN {
            boosters.insert(w, B_DECR);
        }
        Vader {
            lexicon,
            emojis,
            boosters,
            negate: NEGATE.into_iter().collect(),
            special: SPECIAL_CASES.into_iter().collect(),
        }
    }

    /// Whether a lower-cased word is in the lexicon.
    fn known(&self, w: &str) -> bool {
        self.lexicon.contains_key(w)
    }

    fn negated(&self, lower: &str) -> bool {
        self.negate.contains(lower) || lower.contains("n't")
    }

    /// The scores of a text (a sentence, a post).
    pub fn polarity(&self, text: &str) -> Polarity {
        let mut plain = String::with_capacity(text.len());
        let mut prev_space = true;
        for c in text.chars() {
            // The emoji lexicon has no ASCII character: most characters need no look-up.
            let emoji = if c.is_ascii() {
                None
            } else {
                self.emojis.get(&c)
            };
            match emoji {
                Some(description) => {
                    if !prev_space {
                        plain.push(' ');
                    }
                    plain.push_str(description);
                    prev_space = false;
                }
                None => {
                    plain.push(c);
                    prev_space = c == ' ';
                }
            }
        }
        let text = py_strip(&plain);
        let words: Vec<&str> = text
            .split(py_space)
            .filter(|w| !w.is_empty())
            .map(strip_punctuation)
            .collect();
        let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
        let upper = words.iter().filter(|w| py_isupper(w)).count();
        let cap_diff = upper > 0 && upper < words.len();

        let n = words.len();
        let mut sentiments = Vec::with_capacity(n);
        for i in 0..n {
            let w = lower[i].as_str();
            if self.boosters.contains_key(w) || (i + 1 < n && w == "kind" && lower[i + 1] == "of") {
                sentiments.push(0.0);
                continue;
            }
            sentiments.push(self.valence(&words, &lower, cap_diff, i));
        }
        but_check(&lower, &mut sentiments);
        self.score(&sentiments, text)
    }

    /// The valence of word `i` with its modifiers: negation, capitals, degree words within
    /// three words before it, idioms, "least".
    fn valence(&self, words: &[&str], lower: &[String], cap_diff: bool, i: usize) -> f64 {
        let Some(&own) = self.lexicon.get(&lower[i]) else {
            return 0.0;
        };
        let mut valence = own;
        if lower[i] == "no" && i + 1 != words.len() && self.known(&lower[i + 1]) {
            valence = 0.0;
        }
        if (i > 0 && lower[i - 1] == "no")
            || (i > 1 && lower[i - 2] == "no")
            || (i > 2 && lower[i - 3] == "no" && (lower[i - 1] == "or" || lower[i - 1] == "nor"))
        {
            valence = own * N_SCALAR;
        }
        if py_isupper(words[i]) && cap_diff {
            if valence > 0.0 {
                valence += C_INCR;
            } else {
                valence -= C_INCR;
            }
        }
        for start in 0..3 {
            if i > start && !self.known(&lower[i - (start + 1)]) {
                let k = i - (start + 1);
                let mut s = self.scalar(words[k], &lower[k], valence, cap_diff);
                if start == 1 && s != 0.0 {
                    s *= 0.95;
                }
                if start == 2 && s != 0.0 {
                    s *= 0.9;
                }
                valence += s;
                valence = self.negation_check(valence, lower, start, i);
                if start == 2 {
                    valence = self.idioms(valence, lower, i);
                }
            }
        }
        self.least_check(valence, lower, i)
    }

    /// The push of a degree word before a sentiment word (0 for any other word).
    fn scalar(&self, word: &str, lower: &str, valence: f64, cap_diff: bool) -> f64 {
        let Some(&b) = self.boosters.get(lower) else {
            return 0.0;
        };
        let mut scalar = if valence < 0.0 { -b } else { b };
        if py_isupper(word) && cap_diff {
            if valence > 0.0 {
                scalar += C_INCR;
            } else {
                scalar -= C_INCR;
            }
        }
        scalar
    }

    fn negation_check(&self, valence: f64, lower: &[String], start: usize, i: usize) -> f64 {
        let w = |k: usize| lower[i - k].as_str();
        match start {
            0 if self.negated(w(1)) => valence * N_SCALAR,
            1 if w(2) == "never" && (w(1) == "so" || w(1) == "this") => valence * 1.25,
            1 if w(2) == "without" && w(1) == "doubt" => valence,
            1 if self.negated(w(2)) => valence * N_SCALAR,
            2 if (w(3) == "never" && (w(2) == "so" || w(2) == "this"))
                || (w(1) == "so" || w(1) == "this") =>
            {
                valence * 1.25
            }
            2 if w(3) == "without" && (w(2) == "doubt" || w(1) == "doubt") => valence,
            2 if self.negated(w(3)) => valence * N_SCALAR,
            _ => valence,
        }
    }

    /// Special-case phrases around word `i` (`i` ≥ 3), and two-word degree phrases before it.
    fn idioms(&self, mut valence: f64, lower: &[String], i: usize) -> f64 {
        let w = |k: usize| lower[k].as_str();
        let mut buf = String::with_capacity(64);
        let onezero = [w(i - 1), w(i)];
        let twoonezero = [w(i - 2), w(i - 1), w(i)];
        let twoone = [w(i - 2), w(i - 1)];
        let threetwoone = [w(i - 3), w(i - 2), w(i - 1)];
        let threetwo = [w(i - 3), w(i - 2)];
        for seq in [
            &onezero[..],
            &twoonezero[..],
            &twoone[..],
            &threetwoone[..],
            &threetwo[..],
        ] {
            if let Some(&v) = self.special.get(joined(&mut buf, seq)) {
                valence = v;
                break;
            }
        }
        if lower.len() - 1 > i
            && let Some(&v) = self.special.get(joined(&mut buf, &[w(i), w(i + 1)]))
        {
            valence = v;
        }
        if lower.len() - 1 > i + 1
            && let Some(&v) = self
                .special
                .get(joined(&mut buf, &[w(i), w(i + 1), w(i + 2)]))
        {
            valence = v;
        }
        for gram in [&threetwoone[..], &threetwo[..], &twoone[..]] {
            if let Some(&b) = self.boosters.get(joined(&mut buf, gram)) {
                valence += b;
            }
        }
        valence
    }

    fn least_check(&self, valence: f64, lower: &[String], i: usize) -> f64 {
        if i > 1 && !self.known(&lower[i - 1]) && lower[i - 1] == "least" {
            if lower[i - 2] != "at" && lower[i - 2] != "very" {
                return valence * N_SCALAR;
            }
        } else if i > 0 && !self.known(&lower[i - 1]) && lower[i - 1] == "least" {
            return valence * N_SCALAR;
        }
        valence
    }

    fn score(&self, sentiments: &[f64], text: &str) -> Polarity {
        if sentiments.is_empty() {
            return Polarity {
                neg: 0.0,
                neu: 0.0,
                pos: 0.0,
                compound: 0.0,
            };
        }
        let mut sum: f64 = sentiments.iter().sum();
        let exclamations = text.matches('!').count().min(4) as f64 * 0.292;
        let questions = match text.matches('?').count() {
            q @ 2..=3 => q as f64 * 0.18,
            q if q > 3 => 0.96,
            _ => 0.0,
        };
        let punct = exclamations + questions;
        if sum > 0.0 {
            sum += punct;
        } else if sum < 0.0 {
            sum -= punct;
        }
        let compound = (sum / (sum * sum + 15.0).sqrt()).clamp(-1.0, 1.0);
        let (mut pos_sum, mut neg_sum, mut neu_count) = (0.0, 0.0, 0.0);
        for &s in sentiments {
            if s > 0.0 {
                pos_sum += s + 1.0;
            }
            if s < 0.0 {
                neg_sum += s - 1.0;
            }
            if s == 0.0 {
                neu_count += 1.0;
            }
        }
        if pos_sum > f64::abs(neg_sum) {
            pos_sum += punct;
        } else if pos_sum < f64::abs(neg_sum) {
            neg_sum -= punct;
        }
        let total = pos_sum + neg_sum.abs() + neu_count;
        Polarity {
            neg: py_round((neg_sum / total).abs(), 3),
            neu: py_round((neu_count / total).abs(), 3),
            pos: py_round((pos_sum / total).abs(), 3),
            compound: py_round(compound, 4),
        }
    }
}

/// "but" shifts the weight: words before the first "but" count half, words after it half as
/// much again. As in the reference, each position's value is looked up by equality, so a value
/// that occurs earlier in the list is the one changed.
fn but_check(lower: &[String], sentiments: &mut [f64]) {
    let Some(bi) = lower.iter().position(|w| w == "but") else {
        return;
    };
    for k in 0..sentiments.len() {
        let s = sentiments[k];
        let Some(si) = sentiments.iter().position(|&v| v == s) else {
            continue;
        };
        if si < bi {
            sentiments[si] = s * 0.5;
        } else if si > bi {
            sentiments[si] = s * 1.5;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_examples() {
        let v = vader();
        // vaderSentiment 3.3.2's own output for its first examples.
        assert_eq!(
            v.polarity("VADER is smart, handsome, and funny."),
            Polarity {
                neg: 0.0,
                neu: 0.254,
                pos: 0.746,
                compound: 0.8316
            }
        );
        assert_eq!(v.polarity("").compound, 0.0);
        assert_eq!(Label::of(0.05), Label::Positive);
        assert_eq!(Label::of(-0.0499), Label::Neutral);
    }
}
