//! person-api's schema, one migration per change, identical on PostgreSQL and SQLite except
//! for PostgreSQL's trigram index, which only speeds up search.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(faceattend_outbox::migration::CreateOutboxTable),
            Box::new(CreatePersons),
            Box::new(CreatePersonMetadata),
            Box::new(CreatePersonFacets),
            Box::new(CreateFaceTables),
        ]
    }
}

#[derive(DeriveIden)]
enum Persons {
    Table,
    Id,
    FirstName,
    LastName,
    Email,
    EmailNormalized,
    Phone,
    PersonType,
    IdNumber,
    IdType,
    Department,
    Organization,
    Status,
    FaceEncodingCount,
    EnrolledAt,
    LastFaceEnrolled,
    SearchText,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PersonMetadata {
    Table,
    Id,
    PersonId,
    Address,
    EmergencyContact,
    EmergencyPhone,
    Preferences,
    CustomFields,
    CreatedAt,
    UpdatedAt,
}

struct CreatePersons;

impl MigrationName for CreatePersons {
    fn name(&self) -> &str {
        "m20261124_000002_create_persons"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreatePersons {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use faceattend_domain::person::limits;
        manager
            .create_table(
                Table::create()
                    .table(Persons::Table)
                    .col(ColumnDef::new(Persons::Id).uuid().not_null().primary_key())
                    .col(
                        ColumnDef::new(Persons::FirstName)
                            .string_len(limits::NAME as u32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Persons::LastName)
                            .string_len(limits::NAME as u32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Persons::Email).string_len(254).not_null())
                    .col(
                        ColumnDef::new(Persons::EmailNormalized)
                            .string_len(254)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Persons::Phone).string_len(16).null())
                    .col(
                        ColumnDef::new(Persons::PersonType)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Persons::IdNumber)
                            .string_len(limits::ID_NUMBER as u32)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Persons::IdType)
                            .string_len(limits::ID_TYPE as u32)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Persons::Department)
                            .string_len(limits::DEPARTMENT as u32)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Persons::Organization)
                            .string_len(limits::ORGANIZATION as u32)
                            .null(),
                    )
                    .col(ColumnDef::new(Persons::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Persons::FaceEncodingCount)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Persons::EnrolledAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Persons::LastFaceEnrolled)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Persons::SearchText).text().not_null())
                    .col(
                        ColumnDef::new(Persons::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Persons::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        // The spec's indexes, plus what uniqueness and filtered pages need. Each filter index
        // ends with `id`, so a filtered page walks its index in the list's order (creation)
        // and stops after the page instead of sorting every match.
        let indexes = [
            Index::create()
                .name("idx_person_email")
                .table(Persons::Table)
                .col(Persons::EmailNormalized)
                .unique()
                .to_owned(),
            Index::create()
                .name("idx_person_id_number")
                .table(Persons::Table)
                .col(Persons::IdNumber)
                .unique()
                .to_owned(),
            Index::create()
                .name("idx_person_status")
                .table(Persons::Table)
                .col(Persons::Status)
                .col(Persons::Id)
                .to_owned(),
            Index::create()
                .name("idx_person_type")
                .table(Persons::Table)
                .col(Persons::PersonType)
                .col(Persons::Id)
                .to_owned(),
            Index::create()
                .name("idx_person_department")
                .table(Persons::Table)
                .col(Persons::Department)
                .col(Persons::Id)
                .to_owned(),
            Index::create()
                .name("idx_person_organization")
                .table(Persons::Table)
                .col(Persons::Organization)
                .col(Persons::Id)
                .to_owned(),
            // Multi-company deployments filter by both.
            Index::create()
                .name("idx_person_department_organization")
                .table(Persons::Table)
                .col(Persons::Department)
                .col(Persons::Organization)
                .col(Persons::Id)
                .to_owned(),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        let db = manager.get_connection();
        if db.get_database_backend() == DatabaseBackend::Postgres {
            // Substring search (`LIKE '%term%'`) can use a trigram index; without pg_trgm it
            // still works, by scanning.
            let available = db
                .query_one_raw(Statement::from_string(
                    DatabaseBackend::Postgres,
                    "SELECT 1 AS ok FROM pg_available_extensions WHERE name = 'pg_trgm'",
                ))
                .await?
                .is_some();
            if available {
                db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                    .await?;
                db.execute_unprepared(
                    "CREATE INDEX idx_person_search_trgm ON persons USING gin (search_text gin_trgm_ops)",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Persons::Table).to_owned())
            .await
    }
}

struct CreatePersonMetadata;

impl MigrationName for CreatePersonMetadata {
    fn name(&self) -> &str {
        "m20261124_000003_create_person_metadata"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreatePersonMetadata {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PersonMetadata::Table)
                    .col(
                        ColumnDef::new(PersonMetadata::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(PersonMetadata::PersonId)
                            .uuid()
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(PersonMetadata::Address)
                            .string_len(500)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(PersonMetadata::EmergencyContact)
                            .string_len(200)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(PersonMetadata::EmergencyPhone)
                            .string_len(16)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(PersonMetadata::Preferences)
                            .json()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PersonMetadata::CustomFields)
                            .json()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PersonMetadata::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PersonMetadata::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_person_metadata_person")
                            .from(PersonMetadata::Table, PersonMetadata::PersonId)
                            .to(Persons::Table, Persons::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PersonMetadata::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum PersonFacets {
    Table,
    PersonType,
    Status,
    Department,
    Organization,
    HasFaces,
    Total,
}

/// How many persons share each combination of the list filters. Lists take their `total`
/// and the summary its counts from here, in a few rows, instead of counting persons; every
/// write adjusts it in the same transaction, so it is never stale.
struct CreatePersonFacets;

impl MigrationName for CreatePersonFacets {
    fn name(&self) -> &str {
        "m20261125_000004_create_person_facets"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreatePersonFacets {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PersonFacets::Table)
                    .col(
                        ColumnDef::new(PersonFacets::PersonType)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PersonFacets::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    // '' stands for "none": NULLs never collide in a unique key.
                    .col(
                        ColumnDef::new(PersonFacets::Department)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PersonFacets::Organization)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(ColumnDef::new(PersonFacets::HasFaces).boolean().not_null())
                    .col(ColumnDef::new(PersonFacets::Total).big_integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(PersonFacets::PersonType)
                            .col(PersonFacets::Status)
                            .col(PersonFacets::Department)
                            .col(PersonFacets::Organization)
                            .col(PersonFacets::HasFaces),
                    )
                    .to_owned(),
            )
            .await?;
        super::rebuild_facets(manager.get_connection()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PersonFacets::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PersonImages {
    Table,
    Id,
    PersonId,
    ImagePath,
    ContentType,
    FileSize,
    Sha256,
    Width,
    Height,
    IsPrimary,
    QualityScore,
    FaceLocation,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PersonFaceEncodings {
    Table,
    Id,
    PersonId,
    ImageId,
    Model,
    Dimension,
    Encoding,
    Confidence,
    QualityScore,
    IsPrimary,
    Source,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ObjectDeletions {
    Table,
    Path,
    RequestedAt,
}

/// Enrolled faces: the original photos (`person_images`, the bytes in the object store), the
/// encodings computed from them (`person_face_encodings`, model and dimension recorded so
/// vectors of different models never meet), and `object_deletions`, the photos whose erasure
/// from the object store was committed but not yet carried out.
struct CreateFaceTables;

impl MigrationName for CreateFaceTables {
    fn name(&self) -> &str {
        "m20261125_000005_create_face_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateFaceTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PersonImages::Table)
                    .col(
                        ColumnDef::new(PersonImages::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(PersonImages::PersonId).uuid().not_null())
                    .col(
                        ColumnDef::new(PersonImages::ImagePath)
                            .string_len(512)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PersonImages::ContentType)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PersonImages::FileSize)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PersonImages::Sha256)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(PersonImages::Width).integer().not_null())
                    .col(ColumnDef::new(PersonImages::Height).integer().not_null())
                    .col(ColumnDef::new(PersonImages::IsPrimary).boolean().not_null())
                    .col(
                        ColumnDef::new(PersonImages::QualityScore)
                            .float()
                            .not_null(),
                    )
                    .col(ColumnDef::new(PersonImages::FaceLocation).json().not_null())
                    .col(
                        ColumnDef::new(PersonImages::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PersonImages::Table, PersonImages::PersonId)
                            .to(Persons::Table, Persons::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_person_images_person_id")
                    .table(PersonImages::Table)
                    .col(PersonImages::PersonId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PersonFaceEncodings::Table)
                    .col(
                        ColumnDef::new(PersonFaceEncodings::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(PersonFaceEncodings::PersonId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(PersonFaceEncodings::ImageId).uuid().null())
                    .col(
                        ColumnDef::new(PersonFaceEncodings::Model)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PersonFaceEncodings::Dimension)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PersonFaceEncodings::Encoding)
                            .binary()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PersonFaceEncodings::Confidence)
                            .float()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PersonFaceEncodings::QualityScore)
                            .float()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PersonFaceEncodings::IsPrimary)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PersonFaceEncodings::Source)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PersonFaceEncodings::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PersonFaceEncodings::Table, PersonFaceEncodings::PersonId)
                            .to(Persons::Table, Persons::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PersonFaceEncodings::Table, PersonFaceEncodings::ImageId)
                            .to(PersonImages::Table, PersonImages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            (
                "idx_person_face_encodings_person_id",
                PersonFaceEncodings::PersonId,
            ),
            (
                "idx_person_face_encodings_image_id",
                PersonFaceEncodings::ImageId,
            ),
            (
                "idx_person_face_encodings_model",
                PersonFaceEncodings::Model,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(PersonFaceEncodings::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ObjectDeletions::Table)
                    .col(
                        ColumnDef::new(ObjectDeletions::Path)
                            .string_len(512)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ObjectDeletions::RequestedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ObjectDeletions::Table.into_iden(),
            PersonFaceEncodings::Table.into_iden(),
            PersonImages::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
