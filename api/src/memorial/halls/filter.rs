//! The sensitive-word filter of memorial messages. Words and texts are compared in one
//! normal form, so that the usual tricks do not slip past it: upper case, full-width
//! letters and digits (`ＦＵＣＫ`), and spaces, punctuation or symbols put between the
//! characters (`赌 博`, `赌.博`, `f-u-c-k`), and traditional characters for simplified
//! ones (`賭博` is `赌博`).

/// The normal form: traditional characters folded to simplified, full-width forms to
/// half-width, lower case, and only letters and digits kept (CJK ideographs count as
/// letters).
pub fn normalise(text: &str) -> String {
    simplet2s::convert(text)
        .chars()
        .map(half_width)
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Full-width ASCII (U+FF01..U+FF5E) to ASCII; other characters unchanged.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Whether `text` contains any of `words` (already normalised).
pub fn hits<'a>(text: &str, words: impl IntoIterator<Item = &'a String>) -> bool {
    let text = normalise(text);
    words
        .into_iter()
        .any(|w| !w.is_empty() && text.contains(w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> Vec<String> {
        ["赌博", "fuck"].iter().map(|w| normalise(w)).collect()
    }

    #[test]
    fn plain_words_hit() {
        assert!(hits("来赌博吧", &words()));
        assert!(!hits("永远怀念您", &words()));
    }

    #[test]
    fn tricks_do_not_slip_past() {
        for text in [
            "赌 博",
            "赌.博",
            "赌，博",
            "赌\u{3000}博",
            "ＦＵＣＫ",
            "F u-c*K",
            "ｆ ｕ ｃ ｋ",
            "來賭博吧",
            "賭 博",
        ] {
            assert!(hits(text, &words()), "{text}");
        }
    }

    #[test]
    fn normal_form_of_words() {
        assert_eq!(normalise(" Ｆｕ ck! "), "fuck");
        assert_eq!(normalise("赌・博"), "赌博");
        assert_eq!(normalise("賭博"), "赌博", "traditional folds to simplified");
    }
}
