//! The console's schema, identical on PostgreSQL and SQLite: operators and their sessions,
//! sign-in failures and the audit log, then the kiosks and their pairing codes.

use sea_orm_migration::prelude::*;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateOperatorTables), Box::new(CreateKioskTables)]
    }
}

#[derive(DeriveIden)]
enum Operators {
    Table,
    Id,
    Email,
    DisplayName,
    Role,
    PasswordHash,
    Disabled,
    CreatedAt,
    UpdatedAt,
    PasswordChangedAt,
    LastSignInAt,
}

#[derive(DeriveIden)]
enum OperatorSessions {
    Table,
    IdHash,
    OperatorId,
    CreatedAt,
    LastSeenAt,
    ClientAddress,
    UserAgent,
}

#[derive(DeriveIden)]
enum SignInFailures {
    Table,
    Key,
    Failures,
    LastFailureAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    OccurredAt,
    Event,
    OperatorId,
    Email,
    ClientAddress,
    Detail,
}

struct CreateOperatorTables;

impl MigrationName for CreateOperatorTables {
    fn name(&self) -> &str {
        "m20261206_000001_create_operator_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateOperatorTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Operators::Table)
                    .col(
                        ColumnDef::new(Operators::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    // Lower-cased on the way in, so the unique index ignores case.
                    .col(
                        ColumnDef::new(Operators::Email)
                            .string_len(254)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(Operators::DisplayName)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Operators::Role).string_len(16).not_null())
                    .col(ColumnDef::new(Operators::PasswordHash).text().not_null())
                    .col(
                        ColumnDef::new(Operators::Disabled)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Operators::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Operators::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Operators::PasswordChangedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Operators::LastSignInAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OperatorSessions::Table)
                    .col(
                        ColumnDef::new(OperatorSessions::IdHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(OperatorSessions::OperatorId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OperatorSessions::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OperatorSessions::LastSeenAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OperatorSessions::ClientAddress)
                            .string_len(64)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(OperatorSessions::UserAgent)
                            .string_len(256)
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_operator_sessions_operator")
                            .from(OperatorSessions::Table, OperatorSessions::OperatorId)
                            .to(Operators::Table, Operators::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_operator_sessions_operator")
                    .table(OperatorSessions::Table)
                    .col(OperatorSessions::OperatorId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInFailures::Table)
                    // `account:<email>` or `client:<address>`.
                    .col(
                        ColumnDef::new(SignInFailures::Key)
                            .string_len(300)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(SignInFailures::Failures)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(SignInFailures::LastFailureAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(ColumnDef::new(AuditLog::Id).uuid().not_null().primary_key())
                    .col(
                        ColumnDef::new(AuditLog::OccurredAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditLog::Event).string_len(40).not_null())
                    // No foreign key: the trail outlives the operators it names.
                    .col(ColumnDef::new(AuditLog::OperatorId).uuid().null())
                    .col(ColumnDef::new(AuditLog::Email).string_len(254).null())
                    .col(
                        ColumnDef::new(AuditLog::ClientAddress)
                            .string_len(64)
                            .null(),
                    )
                    .col(ColumnDef::new(AuditLog::Detail).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_operator")
                    .table(AuditLog::Table)
                    .col(AuditLog::OperatorId)
                    .col(AuditLog::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            SignInFailures::Table.into_iden(),
            OperatorSessions::Table.into_iden(),
            Operators::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Kiosks {
    Table,
    Id,
    Name,
    CameraId,
    Mode,
    CreatedAt,
    CreatedBy,
    PairedAt,
    LastSeenAt,
    RevokedAt,
    SessionHash,
}

#[derive(DeriveIden)]
enum KioskPairings {
    Table,
    CodeHash,
    KioskId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum KioskEndedSessions {
    Table,
    SessionHash,
    KioskId,
    EndedAt,
}

struct CreateKioskTables;

impl MigrationName for CreateKioskTables {
    fn name(&self) -> &str {
        "m20261207_000002_create_kiosk_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateKioskTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Kiosks::Table)
                    .col(ColumnDef::new(Kiosks::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Kiosks::Name).string_len(80).not_null())
                    // A kiosk is a camera of its own: two kiosks reporting as one camera would
                    // hear each other's results.
                    .col(
                        ColumnDef::new(Kiosks::CameraId)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Kiosks::Mode).string_len(8).not_null())
                    .col(
                        ColumnDef::new(Kiosks::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    // No foreign key: a kiosk outlives the account of the admin who made it.
                    .col(ColumnDef::new(Kiosks::CreatedBy).uuid().not_null())
                    .col(
                        ColumnDef::new(Kiosks::PairedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Kiosks::LastSeenAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Kiosks::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Kiosks::SessionHash)
                            .string_len(64)
                            .null()
                            .unique_key(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(KioskPairings::Table)
                    .col(
                        ColumnDef::new(KioskPairings::CodeHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(KioskPairings::KioskId).uuid().not_null())
                    .col(
                        ColumnDef::new(KioskPairings::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(KioskPairings::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(KioskPairings::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_kiosk_pairings_kiosk")
                            .from(KioskPairings::Table, KioskPairings::KioskId)
                            .to(Kiosks::Table, Kiosks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_kiosk_pairings_kiosk")
                    .table(KioskPairings::Table)
                    .col(KioskPairings::KioskId)
                    .to_owned(),
            )
            .await?;
        // No foreign key: a deleted kiosk's device must still be told it was disconnected.
        manager
            .create_table(
                Table::create()
                    .table(KioskEndedSessions::Table)
                    .col(
                        ColumnDef::new(KioskEndedSessions::SessionHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(KioskEndedSessions::KioskId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(KioskEndedSessions::EndedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            KioskEndedSessions::Table.into_iden(),
            KioskPairings::Table.into_iden(),
            Kiosks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
