//! [`closed_set!`]: one declaration for a closed set of values (a status, a kind, a
//! business type): the enum, its wire and stored strings, the list of every value, and
//! the derives that make it the same enum in Rust, in serde and in the contract.

/// Declares an enum whose variants are written `Variant => "wire"`: it derives serde
/// (each variant named by its string) and `ToSchema` (an enum in the contract), and gets
/// `ALL` (every value, in order) and `as_str()` (the string on the wire and in the
/// database). Further methods go in an `impl` block of their own. serde's name and
/// `as_str` come from the same literal, so they cannot disagree (the test below shows
/// the mechanism once; the sets need no test each).
#[macro_export]
macro_rules! closed_set {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident => $wire:tt,)+
        }
    ) => {
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        $(#[$meta])*
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $wire)] $variant,)+
        }

        impl $name {
            /// Every value, in the order declared.
            pub const ALL: [$name; [$($wire),+].len()] = [$($name::$variant),+];

            /// The value as on the wire and in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }

            /// The value a stored string names, if it names one.
            pub fn from_stored(text: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|v| v.as_str() == text)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::closed_set! {
        /// A test set.
        pub enum Colour {
            /// 红
            Red => "red",
            DeepBlue => "deep_blue",
        }
    }

    #[test]
    fn each_value_has_its_string_on_the_wire_and_back() {
        assert_eq!(Colour::ALL, [Colour::Red, Colour::DeepBlue]);
        for v in Colour::ALL {
            assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
            assert_eq!(
                serde_json::from_value::<Colour>(v.as_str().into()).unwrap(),
                v
            );
        }
        assert!(serde_json::from_value::<Colour>("blue".into()).is_err());
    }

    #[test]
    fn a_stored_string_names_its_value_or_none() {
        for v in Colour::ALL {
            assert_eq!(Colour::from_stored(v.as_str()), Some(v));
        }
        assert_eq!(Colour::from_stored("Red"), None);
        assert_eq!(Colour::from_stored("deep blue"), None);
    }
}
