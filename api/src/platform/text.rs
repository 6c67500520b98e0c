//! Text as people type it, made safe and comparable in one place for every room:
//! identifiers (ID numbers, plates, phone numbers, grave locations, codes) are
//! normalised before they are checked and stored, personal names follow one rule, and
//! free text that staff or other people read loses control and bidi characters.
use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

/// An identifier as a Chinese keyboard may type it, made comparable: NFKC (full-width
/// `１１０１`, `Ａ` and the ideographic space become ASCII), every kind of space removed,
/// upper case. `１１０１０５…ｘ` and `110105…X` are the same number.
pub fn identifier(text: &str) -> String {
    text.nfkc()
        .filter(|c| !c.is_whitespace() && !is_invisible(*c))
        .flat_map(char::to_uppercase)
        .collect()
}

/// Characters that change how text shows without showing themselves: bidi controls
/// (U+202E turns what follows around), zero-width characters, the byte-order mark.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Free text (notes, reasons, messages, biographies) with line breaks kept, tabs as
/// spaces, and every other control character and every bidi control removed.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| (c.is_control() && c != '\n') || is_invisible(c) || is_line_separator(c))
    {
        return Cow::Borrowed(text);
    }
    let unified = text.replace("\r\n", "\n");
    Cow::Owned(
        unified
            .chars()
            .filter_map(|c| match c {
                '\n' | '\r' => Some('\n'),
                c if is_line_separator(c) => Some('\n'),
                '\t' => Some(' '),
                c if c.is_control() || is_invisible(c) => None,
                c => Some(c),
            })
            .collect(),
    )
}

fn is_line_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{0085}')
}

/// Why a personal name was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum NameError {
    /// Empty, or longer than [`NAME_MAX_CHINESE`] / [`NAME_MAX_LATIN`].
    Length,
    /// A character outside the rule (a digit, punctuation, an emoji, a line break).
    Characters,
}

/// Most characters of a name in Chinese characters (long minority names included).
pub const NAME_MAX_CHINESE: usize = 30;
/// Most characters of a foreigner's name in Latin letters.
pub const NAME_MAX_LATIN: usize = 60;

/// A personal name as on an ID card or passport: Chinese characters (every CJK block,
/// the extension planes included) with the middle dot `·` between parts of a minority
/// name, or Latin letters with single spaces (a foreigner's name, upper-cased). Dots
/// typed as `•`, `・`, `‧` or `．` become `·`; NFKC and trimming come first.
pub fn person_name(text: &str) -> Result<String, NameError> {
    let text: String = text.nfkc().collect();
    let text = text.trim();
    if text.is_empty() {
        return Err(NameError::Length);
    }
    if text.chars().any(is_han) {
        chinese_name(text)
    } else {
        latin_name(text)
    }
}

fn chinese_name(text: &str) -> Result<String, NameError> {
    let name: String = text
        .chars()
        .map(|c| {
            if matches!(c, '•' | '・' | '‧' | '．' | '.' | '･') {
                '·'
            } else {
                c
            }
        })
        .collect();
    let parts_ok = name
        .split('·')
        .all(|part| !part.is_empty() && part.chars().all(is_han));
    if !parts_ok {
        return Err(NameError::Characters);
    }
    if name.chars().count() > NAME_MAX_CHINESE {
        return Err(NameError::Length);
    }
    Ok(name)
}

fn latin_name(text: &str) -> Result<String, NameError> {
    if !text.chars().all(|c| c.is_ascii_alphabetic() || c == ' ') {
        return Err(NameError::Characters);
    }
    let name = text
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if name.chars().count() > NAME_MAX_LATIN {
        return Err(NameError::Length);
    }
    Ok(name.to_ascii_uppercase())
}

/// A Chinese character of any CJK Unified Ideographs block, the compatibility block, or
/// an extension plane (B to I), or 〇.
fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3007}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}' | '\u{30000}'..='\u{323AF}')
}

/// A mainland mobile number in E.164 (`+8613800138000`) as people type it: NFKC first
/// (full-width digits and `＋`), spaces, dashes and brackets dropped, then `+86`, `0086`
/// or `86` before the eleven digits accepted. Only mobiles (`1[3-9]` and nine digits):
/// SMS reach no landline.
pub fn mobile_number(text: &str) -> Option<String> {
    let compact: String = identifier(text)
        .chars()
        .filter(|c| !matches!(c, '-' | '(' | ')' | '.'))
        .collect();
    let national = compact
        .strip_prefix("+86")
        .or_else(|| compact.strip_prefix("0086"))
        .or_else(|| compact.strip_prefix("86").filter(|rest| rest.len() == 11))
        .unwrap_or(&compact);
    let bytes = national.as_bytes();
    let mobile = bytes.len() == 11
        && bytes[0] == b'1'
        && (b'3'..=b'9').contains(&bytes[1])
        && bytes.iter().all(u8::is_ascii_digit);
    mobile.then(|| format!("+86{national}"))
}

/// A mobile number in E.164 with the middle hidden, as answers show it: `+86 138****8000`.
pub fn mask_mobile(e164: &str) -> String {
    let national = e164.strip_prefix("+86").unwrap_or(e164);
    let chars: Vec<char> = national.chars().collect();
    if chars.len() < 8 {
        return "****".into();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("+86 {head}****{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_as_typed_become_e164() {
        for typed in [
            "13800138000",
            "138 0013 8000",
            "138-0013-8000",
            "+86 138 0013 8000",
            "0086 13800138000",
            "8613800138000",
            "\u{ff11}\u{ff13}\u{ff18}\u{ff10}\u{ff10}\u{ff11}\u{ff13}\u{ff18}\u{ff10}\u{ff10}\u{ff10}",
            "\u{ff0b}\u{ff18}\u{ff16}13800138000",
            "\u{200b}13800138000\u{3000}",
        ] {
            assert_eq!(
                mobile_number(typed).as_deref(),
                Some("+8613800138000"),
                "{typed:?}"
            );
        }
        for refused in [
            "",
            "12800138000",
            "1380013800",
            "138001380001",
            "010-69541234",
            "+1 2025550123",
            "1380013800x",
            "13800\u{7}138000",
        ] {
            assert_eq!(mobile_number(refused), None, "{refused:?}");
        }
        assert_eq!(mask_mobile("+8613800138000"), "+86 138****8000");
    }

    #[test]
    fn full_width_identifiers_are_the_ascii_ones() {
        assert_eq!(
            identifier(" １１０１０５１９４９１２３１００２ｘ "),
            "11010519491231002X"
        );
        assert_eq!(identifier("京Ａ１２３４５"), "京A12345");
        assert_eq!(identifier("138 0013\u{3000}8000"), "13800138000");
        assert_eq!(identifier("1\u{200B}38"), "138");
    }

    #[test]
    fn free_text_loses_controls_and_bidi_but_keeps_lines() {
        assert_eq!(clean("第一行\r\n第二行\t完"), "第一行\n第二行 完");
        assert_eq!(clean("付款\u{202E}0001\u{202C}元"), "付款0001元");
        assert_eq!(clean("a\u{0007}b\u{0085}c"), "ab\nc");
        assert!(matches!(clean("平常的文字"), Cow::Borrowed(_)));
    }

    #[test]
    fn names_follow_one_rule() {
        assert_eq!(person_name(" 张三 "), Ok("张三".into()));
        assert_eq!(
            person_name("阿卜杜热合曼•买买提"),
            Ok("阿卜杜热合曼·买买提".into())
        );
        assert_eq!(person_name("𠀀𪚥"), Ok("𠀀𪚥".into()), "extension planes");
        assert_eq!(person_name("John  Smith"), Ok("JOHN SMITH".into()));
        for bad in [
            "张\n三",
            "张\t三",
            "张\u{202E}三",
            "<b>张三</b>",
            "张三😀",
            "张三1",
            "·张三",
            "张··三",
            "张 三",
            "John3",
            "",
        ] {
            assert!(person_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(person_name(&"张".repeat(31)), Err(NameError::Length));
    }
}
