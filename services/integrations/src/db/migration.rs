//! The integrations schema, identical on PostgreSQL and SQLite.
//!
//! JSON values (a destination's config, secrets and filter, a delivery's payload) are stored
//! as text: both backends keep them byte for byte, and only this service reads them.

use sea_orm_migration::prelude::*;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateDeliveryTables)]
    }
}

#[derive(DeriveIden)]
enum Destinations {
    Table,
    Id,
    Name,
    Kind,
    Enabled,
    DisabledReason,
    Config,
    Secrets,
    EventTypes,
    Departments,
    Cameras,
    MappingField,
    AllowPrivate,
    FailingSince,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Persons {
    Table,
    Id,
    FirstName,
    LastName,
    Email,
    IdNumber,
    Department,
    Status,
    Version,
    Deleted,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    EventId,
    DestinationId,
    PersonId,
    AttendanceId,
    EventType,
    MarkKind,
    StreamSequence,
    Payload,
    Status,
    Attempts,
    Retries,
    NextAttemptAt,
    LeaseUntil,
    LastStatusCode,
    LastResponse,
    LastError,
    Refusal,
    ExternalRecord,
    CreatedAt,
    UpdatedAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum DeliveryAttempts {
    Table,
    Id,
    DeliveryId,
    N,
    At,
    StatusCode,
    Response,
    DurationMs,
    Outcome,
    Error,
}

#[derive(DeriveIden)]
enum ExternalRecords {
    Table,
    DestinationId,
    AttendanceId,
    Kind,
    ExternalId,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MarksSeen {
    Table,
    AttendanceId,
    Kind,
    EventId,
}

struct CreateDeliveryTables;

impl MigrationName for CreateDeliveryTables {
    fn name(&self) -> &str {
        "m20261207_000001_create_delivery_tables"
    }
}

fn ts(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn ts_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for CreateDeliveryTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Destinations::Table)
                    .col(
                        ColumnDef::new(Destinations::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Destinations::Name)
                            .string_len(100)
                            .not_null()
                            .unique_key(),
                    )
                    // webhook | odoo | frappe | door
                    .col(ColumnDef::new(Destinations::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(Destinations::Enabled).boolean().not_null())
                    .col(ColumnDef::new(Destinations::DisabledReason).text().null())
                    // Kind-specific settings (the webhook's URL); never a secret.
                    .col(ColumnDef::new(Destinations::Config).text().not_null())
                    // Kept apart from the config: given out once (create, rotate), never listed.
                    .col(ColumnDef::new(Destinations::Secrets).text().not_null())
                    // JSON arrays; departments/cameras NULL for "any".
                    .col(ColumnDef::new(Destinations::EventTypes).text().not_null())
                    .col(ColumnDef::new(Destinations::Departments).text().null())
                    .col(ColumnDef::new(Destinations::Cameras).text().null())
                    .col(
                        ColumnDef::new(Destinations::MappingField)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Destinations::AllowPrivate)
                            .boolean()
                            .not_null(),
                    )
                    .col(ts_null(Destinations::FailingSince))
                    .col(ts(Destinations::CreatedAt))
                    .col(ts(Destinations::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Persons::Table)
                    .col(ColumnDef::new(Persons::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Persons::FirstName).text().not_null())
                    .col(ColumnDef::new(Persons::LastName).text().not_null())
                    .col(ColumnDef::new(Persons::Email).text().null())
                    .col(ColumnDef::new(Persons::IdNumber).text().null())
                    .col(ColumnDef::new(Persons::Department).text().null())
                    .col(ColumnDef::new(Persons::Status).string_len(16).not_null())
                    // The PERSONS stream sequence of the event that wrote the row: an older
                    // event delivered late never overwrites a newer one.
                    .col(ColumnDef::new(Persons::Version).big_integer().not_null())
                    .col(ColumnDef::new(Persons::Deleted).boolean().not_null())
                    .col(ts(Persons::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    .col(
                        ColumnDef::new(Deliveries::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Deliveries::EventId).uuid().not_null())
                    .col(ColumnDef::new(Deliveries::DestinationId).uuid().not_null())
                    .col(ColumnDef::new(Deliveries::PersonId).uuid().not_null())
                    .col(ColumnDef::new(Deliveries::AttendanceId).uuid().not_null())
                    .col(
                        ColumnDef::new(Deliveries::EventType)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Deliveries::MarkKind).string_len(16).null())
                    // The ATTENDANCE stream sequence: the order of one person's deliveries.
                    .col(
                        ColumnDef::new(Deliveries::StreamSequence)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Deliveries::Payload).text().not_null())
                    .col(ColumnDef::new(Deliveries::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Deliveries::Attempts).integer().not_null())
                    // Attempts since the delivery was last (re)scheduled: the schedule's index.
                    .col(ColumnDef::new(Deliveries::Retries).integer().not_null())
                    .col(ts(Deliveries::NextAttemptAt))
                    .col(ts_null(Deliveries::LeaseUntil))
                    .col(ColumnDef::new(Deliveries::LastStatusCode).integer().null())
                    .col(ColumnDef::new(Deliveries::LastResponse).text().null())
                    .col(ColumnDef::new(Deliveries::LastError).text().null())
                    .col(ColumnDef::new(Deliveries::Refusal).string_len(32).null())
                    .col(ColumnDef::new(Deliveries::ExternalRecord).text().null())
                    .col(ts(Deliveries::CreatedAt))
                    .col(ts(Deliveries::UpdatedAt))
                    .col(ts_null(Deliveries::DeliveredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deliveries::Table, Deliveries::DestinationId)
                            .to(Destinations::Table, Destinations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A replayed event inserts nothing twice.
        manager
            .create_index(
                Index::create()
                    .name("deliveries_event_destination")
                    .table(Deliveries::Table)
                    .col(Deliveries::EventId)
                    .col(Deliveries::DestinationId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // What the dispatcher claims.
        manager
            .create_index(
                Index::create()
                    .name("deliveries_due")
                    .table(Deliveries::Table)
                    .col(Deliveries::Status)
                    .col(Deliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        // The order check: an earlier undelivered mark of the same person to the same place.
        manager
            .create_index(
                Index::create()
                    .name("deliveries_order")
                    .table(Deliveries::Table)
                    .col(Deliveries::DestinationId)
                    .col(Deliveries::PersonId)
                    .col(Deliveries::StreamSequence)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("deliveries_created")
                    .table(Deliveries::Table)
                    .col(Deliveries::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DeliveryAttempts::Table)
                    .col(
                        ColumnDef::new(DeliveryAttempts::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(DeliveryAttempts::DeliveryId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(DeliveryAttempts::N).integer().not_null())
                    .col(ts(DeliveryAttempts::At))
                    .col(
                        ColumnDef::new(DeliveryAttempts::StatusCode)
                            .integer()
                            .null(),
                    )
                    .col(ColumnDef::new(DeliveryAttempts::Response).text().null())
                    .col(
                        ColumnDef::new(DeliveryAttempts::DurationMs)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(DeliveryAttempts::Outcome)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(DeliveryAttempts::Error).text().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeliveryAttempts::Table, DeliveryAttempts::DeliveryId)
                            .to(Deliveries::Table, Deliveries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("delivery_attempts_delivery")
                    .table(DeliveryAttempts::Table)
                    .col(DeliveryAttempts::DeliveryId)
                    .col(DeliveryAttempts::N)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ExternalRecords::Table)
                    .col(
                        ColumnDef::new(ExternalRecords::DestinationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ExternalRecords::AttendanceId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ExternalRecords::Kind)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ExternalRecords::ExternalId)
                            .text()
                            .not_null(),
                    )
                    .col(ts(ExternalRecords::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(ExternalRecords::DestinationId)
                            .col(ExternalRecords::AttendanceId)
                            .col(ExternalRecords::Kind),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ExternalRecords::Table, ExternalRecords::DestinationId)
                            .to(Destinations::Table, Destinations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The first event of each (record, mark kind): a later one is a correction of it.
        manager
            .create_table(
                Table::create()
                    .table(MarksSeen::Table)
                    .col(ColumnDef::new(MarksSeen::AttendanceId).uuid().not_null())
                    .col(ColumnDef::new(MarksSeen::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(MarksSeen::EventId).uuid().not_null())
                    .primary_key(
                        Index::create()
                            .col(MarksSeen::AttendanceId)
                            .col(MarksSeen::Kind),
                    )
                    .to_owned(),
            )
            .await
    }
}
