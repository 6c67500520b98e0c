//! Funeral services: the price catalogue of each funeral home, bookings for the deceased
//! and their priced lines. "One active booking per deceased" is the unique `active_key`
//! (the blind index of the deceased's ID number while the booking is active, NULL after;
//! both stores let any number of NULLs through a unique index).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("funeral_service_item")
                .col(uuid("id").primary_key())
                .col(string_len("home_id", 64))
                .col(string_len("code", 32))
                .col(string_len("name", 64))
                .col(string_len("kind", 16))
                // Fen (分): integers, never floats, for money.
                .col(big_integer("price_fen"))
                .col(boolean("basic"))
                .col(boolean("active"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("funeral_service_item_code")
                .table("funeral_service_item")
                .col("home_id")
                .col("code")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("funeral_booking")
                .col(uuid("id").primary_key())
                .col(string_len("home_id", 64))
                .col(uuid("booked_by"))
                .col(string_len("status", 24))
                .col(text("deceased_name_sealed"))
                .col(text("deceased_id_sealed"))
                .col(string_len("deceased_id_index", 64))
                .col(string_len("deceased_id_masked", 18))
                .col(date("date_of_death"))
                .col(text("certificate_number_sealed"))
                .col(string_len("certificate_number_masked", 48))
                .col(uuid("certificate_media_id"))
                // Body transport, when asked for: `requested`, `proposed` (the home
                // offered another time), `agreed`.
                .col(string_len_null("transport_status", 16))
                .col(text_null("transport_address_sealed"))
                .col(text_null("transport_contact_name_sealed"))
                .col(text_null("transport_contact_phone_sealed"))
                .col(timestamp_with_time_zone_null("transport_requested_at"))
                .col(timestamp_with_time_zone_null("transport_proposed_at"))
                .col(timestamp_with_time_zone_null("transport_at"))
                .col(uuid_null("farewell_slot_id"))
                .col(uuid_null("cremation_slot_id"))
                // The Beijing date of the first service, for the home's day list.
                .col(date("service_date"))
                .col(big_integer("total_fen"))
                .col(string_len_null("active_key", 64))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        for (name, cols, unique) in [
            ("funeral_booking_active", vec!["active_key"], true),
            (
                "funeral_booking_home",
                vec!["home_id", "service_date"],
                false,
            ),
            ("funeral_booking_booker", vec!["booked_by"], false),
        ] {
            let mut index = Index::create();
            index.name(name).table("funeral_booking");
            for c in cols {
                index.col(c);
            }
            if unique {
                index.unique();
            }
            m.create_index(index.to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("funeral_booking_line")
                .col(uuid("id").primary_key())
                .col(uuid("booking_id"))
                .col(integer("position"))
                .col(string_len("code", 32))
                .col(string_len("name", 64))
                .col(string_len("kind", 16))
                .col(integer("quantity"))
                // The catalogue price when booked: later price changes leave it alone.
                .col(big_integer("unit_price_fen"))
                .col(boolean("free"))
                .col(big_integer("amount_fen"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("funeral_booking_line_booking")
                .table("funeral_booking_line")
                .col("booking_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "funeral_booking_line",
            "funeral_booking",
            "funeral_service_item",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
