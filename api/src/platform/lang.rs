//! The caller's language: Chinese unless `Accept-Language` prefers English.
use actix_web::http::header::{ACCEPT_LANGUAGE, HeaderMap};

/// The two languages every message exists in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The BCP 47 tag sent back in `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_headers(headers: &HeaderMap) -> Lang {
        headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map_or(Lang::Zh, Lang::from_accept_language)
    }

    /// Picks the better-weighted of Chinese and English; Chinese wins ties and unknowns.
    pub fn from_accept_language(header: &str) -> Lang {
        let (mut zh, mut en) = (-1.0_f32, -1.0_f32);
        for (position, item) in header.split(',').enumerate() {
            let mut parts = item.trim().split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            // Earlier items win among equal weights, as browsers list them by preference.
            let weight = q - position as f32 * 1e-4;
            if tag == "en" || tag.starts_with("en-") {
                en = en.max(weight);
            } else if tag == "zh" || tag.starts_with("zh-") || tag == "*" {
                zh = zh.max(weight);
            }
        }
        if en > 0.0 && en > zh {
            Lang::En
        } else {
            Lang::Zh
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn english_only_when_preferred() {
        assert_eq!(Lang::from_accept_language("en"), Lang::En);
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(
            Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Lang::Zh
        );
        assert_eq!(Lang::from_accept_language("en;q=0.5,zh;q=0.9"), Lang::Zh);
        assert_eq!(Lang::from_accept_language("fr"), Lang::Zh);
        assert_eq!(Lang::from_accept_language("en;q=0"), Lang::Zh);
        assert_eq!(Lang::from_accept_language(""), Lang::Zh);
    }
}
