//! ID numbers were masked as `110105********002X`: the eight hidden characters were
//! exactly the birth date, and `real_name.birth_date` held it in clear, so every bound
//! number could be rebuilt. Masks now keep the first three and the last four
//! characters (`110***********002X`), and the clear birth date goes: age is computed
//! from the sealed number.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every clear column that holds a masked ID number.
const MASKED: [(&str, &str); 8] = [
    ("real_name", "id_number_masked"),
    ("application_member", "id_number_masked"),
    ("divorce_application", "party1_masked"),
    ("divorce_application", "party2_masked"),
    ("funeral_booking", "deceased_id_masked"),
    ("marriage_party", "id_number_masked"),
    ("tomb_visitor", "id_number_masked"),
    ("transferee", "id_number_masked"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for (table, column) in MASKED {
            // Only the old shape (six shown, eight hidden, four shown) is rewritten.
            db.execute_unprepared(&format!(
                "UPDATE {table} SET {column} = substr({column}, 1, 3) || '***********' || substr({column}, 15, 4) \
                 WHERE length({column}) = 18 AND substr({column}, 7, 8) = '********' AND substr({column}, 4, 1) <> '*'"
            ))
            .await?;
        }
        db.execute_unprepared("ALTER TABLE real_name DROP COLUMN birth_date")
            .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // The hidden digits and the birth dates are gone from clear columns on purpose;
        // going back would mean re-deriving them from the sealed numbers.
        Err(DbErr::Migration(
            "the ID-number mask migration cannot be undone".into(),
        ))
    }
}
