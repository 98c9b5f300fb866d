//! The attendance database's schema, shared by attendance-api and attendance-worker: one
//! migrator, so whichever service starts first brings the schema up to date and the other
//! finds nothing left to do. Identical on PostgreSQL and SQLite.
//!
//! Timestamps are `timestamp with time zone` (UTC, microseconds); dates are plain `date`s of
//! the site's calendar; enumerations are short strings, checked by the store on the way out.

use sea_orm_migration::prelude::*;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            // The worker publishes `attendance.v1.*` through the outbox, in the transaction of
            // the decision.
            Box::new(faceattend_outbox::migration::CreateOutboxTable),
            Box::new(CreateAttendanceTables),
            Box::new(CreateEvidenceTables),
            Box::new(CreatePersonDirectory),
            Box::new(CreateAuditLog),
            Box::new(AddDetectionVerdicts),
            Box::new(CreateJobTables),
            Box::new(AddDetectionEvidence),
            Box::new(CreateDailyStats),
            Box::new(AddExceptionOrganization),
            Box::new(IndexDetectionAppearances),
        ]
    }
}

/// Drops tables in order, ignoring those already gone: the `down` of every migration here.
async fn drop_tables(manager: &SchemaManager<'_>, tables: Vec<DynIden>) -> Result<(), DbErr> {
    for table in tables {
        manager
            .drop_table(Table::drop().table(table).if_exists().to_owned())
            .await?;
    }
    Ok(())
}

async fn create_indexes(
    manager: &SchemaManager<'_>,
    indexes: Vec<IndexCreateStatement>,
) -> Result<(), DbErr> {
    for index in indexes {
        manager.create_index(index).await?;
    }
    Ok(())
}

fn timestamp(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn optional_timestamp(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

// `attendance_date` is the spec's column name, prefix and all.
#[allow(clippy::enum_variant_names)]
#[derive(DeriveIden)]
enum Attendance {
    Table,
    Id,
    PersonId,
    AttendanceDate,
    CheckInTime,
    CheckInConfidence,
    CheckInSource,
    CheckInDetectionId,
    CheckInCameraId,
    CheckOutTime,
    CheckOutConfidence,
    CheckOutSource,
    CheckOutDetectionId,
    CheckOutCameraId,
    DurationMinutes,
    Status,
    StatusEvidence,
    LateMinutes,
    EarlyLeaveMinutes,
    IsManual,
    ApprovedBy,
    ApprovalTimestamp,
    Remarks,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AttendanceSessions {
    Table,
    Id,
    Name,
    StartTime,
    EndTime,
    ExpectedDurationMinutes,
    GracePeriodMinutes,
    EarlyLeaveGraceMinutes,
    IsActive,
    Organization,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AttendanceRules {
    Table,
    Id,
    Name,
    WorkingDays,
    StartTime,
    EndTime,
    MinPresencePercentage,
    AutoCheckInThreshold,
    ManualReviewThreshold,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AttendanceExceptions {
    Table,
    Id,
    PersonId,
    ExceptionDate,
    ExceptionType,
    Reason,
    RequiresApproval,
    Approved,
    ApprovedBy,
    ApprovedAt,
    CreatedAt,
}

/// The spec's four attendance models.
struct CreateAttendanceTables;

impl MigrationName for CreateAttendanceTables {
    fn name(&self) -> &str {
        "m20261125_100002_create_attendance_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateAttendanceTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Attendance::Table)
                    .col(
                        ColumnDef::new(Attendance::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Attendance::PersonId).uuid().not_null())
                    .col(ColumnDef::new(Attendance::AttendanceDate).date().not_null())
                    .col(optional_timestamp(Attendance::CheckInTime))
                    .col(ColumnDef::new(Attendance::CheckInConfidence).float().null())
                    .col(
                        ColumnDef::new(Attendance::CheckInSource)
                            .string_len(16)
                            .null(),
                    )
                    .col(ColumnDef::new(Attendance::CheckInDetectionId).uuid().null())
                    .col(
                        ColumnDef::new(Attendance::CheckInCameraId)
                            .string_len(128)
                            .null(),
                    )
                    .col(optional_timestamp(Attendance::CheckOutTime))
                    .col(
                        ColumnDef::new(Attendance::CheckOutConfidence)
                            .float()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Attendance::CheckOutSource)
                            .string_len(16)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Attendance::CheckOutDetectionId)
                            .uuid()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Attendance::CheckOutCameraId)
                            .string_len(128)
                            .null(),
                    )
                    .col(ColumnDef::new(Attendance::DurationMinutes).integer().null())
                    .col(ColumnDef::new(Attendance::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Attendance::StatusEvidence).uuid().null())
                    .col(
                        ColumnDef::new(Attendance::LateMinutes)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Attendance::EarlyLeaveMinutes)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Attendance::IsManual)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Attendance::ApprovedBy)
                            .string_len(128)
                            .null(),
                    )
                    .col(optional_timestamp(Attendance::ApprovalTimestamp))
                    .col(ColumnDef::new(Attendance::Remarks).text().null())
                    .col(timestamp(Attendance::CreatedAt))
                    .col(timestamp(Attendance::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // Each index matches a list query and ends with the column the list is ordered or
        // ranged by, so a page walks the index instead of sorting the matches.
        create_indexes(
            manager,
            vec![
                // One record per person and day: the worker's upsert relies on it, and it
                // serves a person's history (the spec's idx_attendance_person_date).
                Index::create()
                    .name("idx_attendance_person_date")
                    .table(Attendance::Table)
                    .col(Attendance::PersonId)
                    .col(Attendance::AttendanceDate)
                    .unique()
                    .to_owned(),
                // Date ranges and the daily report (the spec's idx_attendance_date_range).
                Index::create()
                    .name("idx_attendance_date_range")
                    .table(Attendance::Table)
                    .col(Attendance::AttendanceDate)
                    .col(Attendance::Id)
                    .to_owned(),
                Index::create()
                    .name("idx_attendance_status_date")
                    .table(Attendance::Table)
                    .col(Attendance::Status)
                    .col(Attendance::AttendanceDate)
                    .to_owned(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AttendanceSessions::Table)
                    .col(
                        ColumnDef::new(AttendanceSessions::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AttendanceSessions::Name)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AttendanceSessions::StartTime)
                            .time()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AttendanceSessions::EndTime)
                            .time()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AttendanceSessions::ExpectedDurationMinutes)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AttendanceSessions::GracePeriodMinutes)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(AttendanceSessions::EarlyLeaveGraceMinutes)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(AttendanceSessions::IsActive)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(
                        ColumnDef::new(AttendanceSessions::Organization)
                            .string_len(200)
                            .null(),
                    )
                    .col(timestamp(AttendanceSessions::CreatedAt))
                    .col(timestamp(AttendanceSessions::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AttendanceRules::Table)
                    .col(
                        ColumnDef::new(AttendanceRules::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AttendanceRules::Name)
                            .string_len(100)
                            .not_null(),
                    )
                    // A JSON array as text: the same on both backends, and never queried by
                    // element.
                    .col(
                        ColumnDef::new(AttendanceRules::WorkingDays)
                            .text()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AttendanceRules::StartTime).time().not_null())
                    .col(ColumnDef::new(AttendanceRules::EndTime).time().not_null())
                    .col(
                        ColumnDef::new(AttendanceRules::MinPresencePercentage)
                            .double()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AttendanceRules::AutoCheckInThreshold)
                            .float()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AttendanceRules::ManualReviewThreshold)
                            .float()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AttendanceRules::IsActive)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(timestamp(AttendanceRules::CreatedAt))
                    .col(timestamp(AttendanceRules::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AttendanceExceptions::Table)
                    .col(
                        ColumnDef::new(AttendanceExceptions::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AttendanceExceptions::PersonId).uuid().null())
                    .col(
                        ColumnDef::new(AttendanceExceptions::ExceptionDate)
                            .date()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AttendanceExceptions::ExceptionType)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AttendanceExceptions::Reason)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AttendanceExceptions::RequiresApproval)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(AttendanceExceptions::Approved)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(AttendanceExceptions::ApprovedBy)
                            .string_len(128)
                            .null(),
                    )
                    .col(optional_timestamp(AttendanceExceptions::ApprovedAt))
                    .col(timestamp(AttendanceExceptions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        // Reports and the worker look up the days off of a date range.
        create_indexes(
            manager,
            vec![
                Index::create()
                    .name("idx_attendance_exceptions_date")
                    .table(AttendanceExceptions::Table)
                    .col(AttendanceExceptions::ExceptionDate)
                    .to_owned(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                AttendanceExceptions::Table.into_iden(),
                AttendanceRules::Table.into_iden(),
                AttendanceSessions::Table.into_iden(),
                Attendance::Table.into_iden(),
            ],
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Detections {
    Table,
    Id,
    CameraId,
    CameraRole,
    CapturedAt,
    PersonId,
    Distance,
    Confidence,
    ModelId,
    Quality,
    SnapshotRef,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum ReviewItems {
    Table,
    Id,
    DetectionId,
    PersonId,
    AttendanceDate,
    Reason,
    Confidence,
    CameraId,
    At,
    State,
    DecidedBy,
    DecidedAt,
}

/// The evidence: every detection as received, and the ones a person has to decide on.
struct CreateEvidenceTables;

impl MigrationName for CreateEvidenceTables {
    fn name(&self) -> &str {
        "m20261125_100003_create_evidence_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateEvidenceTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Detections::Table)
                    .col(
                        ColumnDef::new(Detections::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Detections::CameraId)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Detections::CameraRole)
                            .string_len(8)
                            .not_null()
                            .default("both"),
                    )
                    .col(timestamp(Detections::CapturedAt))
                    .col(ColumnDef::new(Detections::PersonId).uuid().null())
                    .col(ColumnDef::new(Detections::Distance).float().not_null())
                    .col(ColumnDef::new(Detections::Confidence).float().not_null())
                    .col(
                        ColumnDef::new(Detections::ModelId)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Detections::Quality).float().not_null())
                    .col(
                        ColumnDef::new(Detections::SnapshotRef)
                            .string_len(512)
                            .null(),
                    )
                    .col(timestamp(Detections::ReceivedAt))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                // A person's sightings of one work day: every decision reads this range.
                Index::create()
                    .name("idx_detections_person_captured")
                    .table(Detections::Table)
                    .col(Detections::PersonId)
                    .col(Detections::CapturedAt)
                    .to_owned(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReviewItems::Table)
                    .col(
                        ColumnDef::new(ReviewItems::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    // A detection is reviewed once, whatever recomputes its day.
                    .col(
                        ColumnDef::new(ReviewItems::DetectionId)
                            .uuid()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(ReviewItems::PersonId).uuid().not_null())
                    .col(
                        ColumnDef::new(ReviewItems::AttendanceDate)
                            .date()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReviewItems::Reason)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ReviewItems::Confidence).float().not_null())
                    .col(
                        ColumnDef::new(ReviewItems::CameraId)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(timestamp(ReviewItems::At))
                    .col(
                        ColumnDef::new(ReviewItems::State)
                            .string_len(16)
                            .not_null()
                            .default("pending"),
                    )
                    .col(
                        ColumnDef::new(ReviewItems::DecidedBy)
                            .string_len(128)
                            .null(),
                    )
                    .col(optional_timestamp(ReviewItems::DecidedAt))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                // The queue, oldest first, and a person-day's items (replaced on recompute).
                Index::create()
                    .name("idx_review_items_state_at")
                    .table(ReviewItems::Table)
                    .col(ReviewItems::State)
                    .col(ReviewItems::At)
                    .to_owned(),
                Index::create()
                    .name("idx_review_items_person_date")
                    .table(ReviewItems::Table)
                    .col(ReviewItems::PersonId)
                    .col(ReviewItems::AttendanceDate)
                    .to_owned(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                ReviewItems::Table.into_iden(),
                Detections::Table.into_iden(),
            ],
        )
        .await
    }
}

#[derive(DeriveIden)]
enum PersonDirectory {
    Table,
    PersonId,
    Name,
    PersonType,
    Status,
    Department,
    Organization,
    Deleted,
    UpdatedAt,
    Version,
}

/// attendance's copy of the person directory, fed by `persons.v1.*`, so attendance works
/// while person-api is down and never reads its database.
struct CreatePersonDirectory;

impl MigrationName for CreatePersonDirectory {
    fn name(&self) -> &str {
        "m20261125_100004_create_person_directory"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreatePersonDirectory {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PersonDirectory::Table)
                    .col(
                        ColumnDef::new(PersonDirectory::PersonId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(PersonDirectory::Name)
                            .string_len(256)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PersonDirectory::PersonType)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PersonDirectory::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PersonDirectory::Department)
                            .string_len(100)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(PersonDirectory::Organization)
                            .string_len(200)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(PersonDirectory::Deleted)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(timestamp(PersonDirectory::UpdatedAt))
                    .col(
                        ColumnDef::new(PersonDirectory::Version)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                // Reports group and filter by department.
                Index::create()
                    .name("idx_person_directory_department")
                    .table(PersonDirectory::Table)
                    .col(PersonDirectory::Department)
                    .col(PersonDirectory::PersonId)
                    .to_owned(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, vec![PersonDirectory::Table.into_iden()]).await
    }
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    Actor,
    Action,
    Entity,
    EntityId,
    At,
    Before,
    After,
}

/// Every manual entry, approval, correction and rejection: who, when, before and after.
struct CreateAuditLog;

impl MigrationName for CreateAuditLog {
    fn name(&self) -> &str {
        "m20261125_100005_create_audit_log"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateAuditLog {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(ColumnDef::new(AuditLog::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(AuditLog::Actor).string_len(128).not_null())
                    .col(ColumnDef::new(AuditLog::Action).string_len(64).not_null())
                    .col(ColumnDef::new(AuditLog::Entity).string_len(64).not_null())
                    .col(
                        ColumnDef::new(AuditLog::EntityId)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(timestamp(AuditLog::At))
                    // JSON as text: read back whole, never queried inside.
                    .col(ColumnDef::new(AuditLog::Before).text().null())
                    .col(ColumnDef::new(AuditLog::After).text().null())
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                // An entity's history, in order.
                Index::create()
                    .name("idx_audit_log_entity")
                    .table(AuditLog::Table)
                    .col(AuditLog::Entity)
                    .col(AuditLog::EntityId)
                    .col(AuditLog::At)
                    .to_owned(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, vec![AuditLog::Table.into_iden()]).await
    }
}

#[derive(DeriveIden)]
enum DetectionVerdicts {
    Verdict,
    VerdictBy,
    VerdictAt,
}

/// A person's decision on a detection (a review item approved or rejected, a correction):
/// stored on the detection itself, because the day is recomputed from detections and the
/// decision must survive every recomputation.
struct AddDetectionVerdicts;

impl MigrationName for AddDetectionVerdicts {
    fn name(&self) -> &str {
        "m20261125_100006_add_detection_verdicts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddDetectionVerdicts {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        let columns = [
            ColumnDef::new(DetectionVerdicts::Verdict)
                .string_len(16)
                .null()
                .to_owned(),
            ColumnDef::new(DetectionVerdicts::VerdictBy)
                .string_len(128)
                .null()
                .to_owned(),
            optional_timestamp(DetectionVerdicts::VerdictAt),
        ];
        for column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Detections::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            DetectionVerdicts::VerdictAt,
            DetectionVerdicts::VerdictBy,
            DetectionVerdicts::Verdict,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Detections::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Id,
    Job,
    Slot,
    Trigger,
    RequestedBy,
    Parameters,
    State,
    CreatedAt,
    StartedAt,
    FinishedAt,
    ClaimedBy,
    LeaseExpiresAt,
    Attempts,
    Result,
    Error,
}

#[derive(DeriveIden)]
enum NotificationsSent {
    Table,
    Id,
    PersonId,
    AttendanceDate,
    Kind,
    SentAt,
    RunId,
}

#[derive(DeriveIden)]
enum AttendanceReports {
    Table,
    Id,
    Kind,
    Period,
    GeneratedAt,
    RunId,
    Body,
}

/// attendance-worker's scheduled and on-demand jobs: their runs, the notifications already
/// sent (so a job run twice sends nothing twice) and the report snapshots.
struct CreateJobTables;

impl MigrationName for CreateJobTables {
    fn name(&self) -> &str {
        "m20261125_100020_create_job_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateJobTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(JobRuns::Table)
                    .col(ColumnDef::new(JobRuns::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(JobRuns::Job).string_len(32).not_null())
                    // The scheduled instant; NULL for a run asked for on demand (NULLs are
                    // distinct in a unique index on both backends, so those never collide).
                    .col(optional_timestamp(JobRuns::Slot))
                    .col(ColumnDef::new(JobRuns::Trigger).string_len(16).not_null())
                    .col(
                        ColumnDef::new(JobRuns::RequestedBy)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(ColumnDef::new(JobRuns::Parameters).text().not_null())
                    .col(ColumnDef::new(JobRuns::State).string_len(16).not_null())
                    .col(timestamp(JobRuns::CreatedAt))
                    .col(optional_timestamp(JobRuns::StartedAt))
                    .col(optional_timestamp(JobRuns::FinishedAt))
                    .col(ColumnDef::new(JobRuns::ClaimedBy).string_len(128).null())
                    .col(optional_timestamp(JobRuns::LeaseExpiresAt))
                    .col(
                        ColumnDef::new(JobRuns::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    // JSON as text: read back whole, never queried inside.
                    .col(ColumnDef::new(JobRuns::Result).text().null())
                    .col(ColumnDef::new(JobRuns::Error).text().null())
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                // Each job runs once per slot, whatever the number of replicas: every
                // replica inserts the slot's run and only one insert succeeds.
                Index::create()
                    .name("idx_job_runs_job_slot")
                    .table(JobRuns::Table)
                    .col(JobRuns::Job)
                    .col(JobRuns::Slot)
                    .unique()
                    .to_owned(),
                // The poll for pending runs and expired leases, and the list by state.
                Index::create()
                    .name("idx_job_runs_state_id")
                    .table(JobRuns::Table)
                    .col(JobRuns::State)
                    .col(JobRuns::Id)
                    .to_owned(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(NotificationsSent::Table)
                    .col(
                        ColumnDef::new(NotificationsSent::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(NotificationsSent::PersonId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NotificationsSent::AttendanceDate)
                            .date()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NotificationsSent::Kind)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(timestamp(NotificationsSent::SentAt))
                    .col(ColumnDef::new(NotificationsSent::RunId).uuid().null())
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                // A person is told once per day and kind.
                Index::create()
                    .name("idx_notifications_sent_person_date_kind")
                    .table(NotificationsSent::Table)
                    .col(NotificationsSent::PersonId)
                    .col(NotificationsSent::AttendanceDate)
                    .col(NotificationsSent::Kind)
                    .unique()
                    .to_owned(),
                // Cleanup deletes by date.
                Index::create()
                    .name("idx_notifications_sent_date")
                    .table(NotificationsSent::Table)
                    .col(NotificationsSent::AttendanceDate)
                    .to_owned(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AttendanceReports::Table)
                    .col(
                        ColumnDef::new(AttendanceReports::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AttendanceReports::Kind)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AttendanceReports::Period)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(timestamp(AttendanceReports::GeneratedAt))
                    .col(ColumnDef::new(AttendanceReports::RunId).uuid().null())
                    .col(ColumnDef::new(AttendanceReports::Body).text().not_null())
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                // One snapshot per period: generating it again replaces it.
                Index::create()
                    .name("idx_attendance_reports_kind_period")
                    .table(AttendanceReports::Table)
                    .col(AttendanceReports::Kind)
                    .col(AttendanceReports::Period)
                    .unique()
                    .to_owned(),
                Index::create()
                    .name("idx_attendance_reports_generated_at")
                    .table(AttendanceReports::Table)
                    .col(AttendanceReports::GeneratedAt)
                    .to_owned(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                AttendanceReports::Table.into_iden(),
                NotificationsSent::Table.into_iden(),
                JobRuns::Table.into_iden(),
            ],
        )
        .await
    }
}

#[derive(DeriveIden)]
enum DetectionEvidence {
    Decision,
    TrackId,
    FaceXMin,
    FaceYMin,
    FaceXMax,
    FaceYMax,
    RunnerUpPersonId,
    RunnerUpDistance,
}

/// What a reviewer needs to judge a detection: the face-embedder's decision (so an unknown
/// face is told apart from an ambiguous one, both stored without a person), the camera's
/// track of the appearance (one stranger seen over several frames is one group), where the
/// face is in the snapshot, and the runner-up candidate. All nullable: detections stored
/// before this migration have none of it.
struct AddDetectionEvidence;

impl MigrationName for AddDetectionEvidence {
    fn name(&self) -> &str {
        "m20261207_100008_add_detection_evidence"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddDetectionEvidence {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            ColumnDef::new(DetectionEvidence::Decision)
                .string_len(16)
                .null()
                .to_owned(),
            ColumnDef::new(DetectionEvidence::TrackId)
                .string_len(64)
                .null()
                .to_owned(),
            ColumnDef::new(DetectionEvidence::FaceXMin)
                .float()
                .null()
                .to_owned(),
            ColumnDef::new(DetectionEvidence::FaceYMin)
                .float()
                .null()
                .to_owned(),
            ColumnDef::new(DetectionEvidence::FaceXMax)
                .float()
                .null()
                .to_owned(),
            ColumnDef::new(DetectionEvidence::FaceYMax)
                .float()
                .null()
                .to_owned(),
            ColumnDef::new(DetectionEvidence::RunnerUpPersonId)
                .uuid()
                .null()
                .to_owned(),
            ColumnDef::new(DetectionEvidence::RunnerUpDistance)
                .float()
                .null()
                .to_owned(),
        ];
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Detections::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        create_indexes(
            manager,
            vec![
                // The unknown faces of a period, newest first.
                Index::create()
                    .name("idx_detections_decision_captured")
                    .table(Detections::Table)
                    .col(DetectionEvidence::Decision)
                    .col(Detections::CapturedAt)
                    .to_owned(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_detections_decision_captured")
                    .table(Detections::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            DetectionEvidence::RunnerUpDistance,
            DetectionEvidence::RunnerUpPersonId,
            DetectionEvidence::FaceYMax,
            DetectionEvidence::FaceXMax,
            DetectionEvidence::FaceYMin,
            DetectionEvidence::FaceXMin,
            DetectionEvidence::TrackId,
            DetectionEvidence::Decision,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Detections::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum AttendanceDailyStats {
    Table,
    AttendanceDate,
    Department,
    Expected,
    Present,
    Late,
    EarlyLeave,
    Absent,
    WorkedMinutes,
    WorkedDays,
    Arrivals,
    ComputedAt,
}

#[derive(DeriveIden)]
enum AttendanceStatsStale {
    Table,
    Id,
    AttendanceDate,
}

/// The trends' aggregates: one row per work day and department (counts, worked minutes, an
/// arrival-time histogram), and the dates whose records changed since their row was
/// computed. Every write to `attendance`, by any path (the worker, the API, a job, the
/// retention cleanup, a hand-made SQL fix), marks its dates stale through a trigger, so an
/// aggregate can never silently disagree with its records; a trends query recomputes the
/// stale dates of its range before it reads.
///
/// The stale table is append-only (no key to conflict on), so concurrent writers of the
/// same day never wait on each other for it.
struct CreateDailyStats;

impl MigrationName for CreateDailyStats {
    fn name(&self) -> &str {
        "m20261207_100009_create_daily_stats"
    }
}

const PG_STALE_FUNCTIONS: &str = r#"
CREATE OR REPLACE FUNCTION attendance_stats_stale_new() RETURNS trigger AS $$
BEGIN
    INSERT INTO attendance_stats_stale (attendance_date)
        SELECT DISTINCT attendance_date FROM new_rows;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION attendance_stats_stale_old() RETURNS trigger AS $$
BEGIN
    INSERT INTO attendance_stats_stale (attendance_date)
        SELECT DISTINCT attendance_date FROM old_rows;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION attendance_stats_stale_both() RETURNS trigger AS $$
BEGIN
    INSERT INTO attendance_stats_stale (attendance_date)
        SELECT attendance_date FROM new_rows UNION SELECT attendance_date FROM old_rows;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER attendance_stats_stale_insert AFTER INSERT ON attendance
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attendance_stats_stale_new();
CREATE TRIGGER attendance_stats_stale_update AFTER UPDATE ON attendance
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attendance_stats_stale_both();
CREATE TRIGGER attendance_stats_stale_delete AFTER DELETE ON attendance
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attendance_stats_stale_old();
"#;

const PG_STALE_DROP: &str = r#"
DROP TRIGGER IF EXISTS attendance_stats_stale_insert ON attendance;
DROP TRIGGER IF EXISTS attendance_stats_stale_update ON attendance;
DROP TRIGGER IF EXISTS attendance_stats_stale_delete ON attendance;
DROP FUNCTION IF EXISTS attendance_stats_stale_new();
DROP FUNCTION IF EXISTS attendance_stats_stale_old();
DROP FUNCTION IF EXISTS attendance_stats_stale_both();
"#;

const SQLITE_STALE_TRIGGERS: [&str; 3] = [
    "CREATE TRIGGER attendance_stats_stale_insert AFTER INSERT ON attendance BEGIN \
       INSERT INTO attendance_stats_stale (attendance_date) VALUES (NEW.attendance_date); END",
    "CREATE TRIGGER attendance_stats_stale_update AFTER UPDATE ON attendance BEGIN \
       INSERT INTO attendance_stats_stale (attendance_date) VALUES (OLD.attendance_date); \
       INSERT INTO attendance_stats_stale (attendance_date) VALUES (NEW.attendance_date); END",
    "CREATE TRIGGER attendance_stats_stale_delete AFTER DELETE ON attendance BEGIN \
       INSERT INTO attendance_stats_stale (attendance_date) VALUES (OLD.attendance_date); END",
];

#[async_trait::async_trait]
impl MigrationTrait for CreateDailyStats {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let count = |column: AttendanceDailyStats| {
            ColumnDef::new(column)
                .big_integer()
                .not_null()
                .default(0)
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(AttendanceDailyStats::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(AttendanceDailyStats::AttendanceDate)
                            .date()
                            .not_null(),
                    )
                    // '' for persons without a department (a key column cannot be NULL).
                    .col(
                        ColumnDef::new(AttendanceDailyStats::Department)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(count(AttendanceDailyStats::Expected))
                    .col(count(AttendanceDailyStats::Present))
                    .col(count(AttendanceDailyStats::Late))
                    .col(count(AttendanceDailyStats::EarlyLeave))
                    .col(count(AttendanceDailyStats::Absent))
                    .col(count(AttendanceDailyStats::WorkedMinutes))
                    .col(count(AttendanceDailyStats::WorkedDays))
                    // JSON: [[minute of the site's day, check-ins], ...], ascending.
                    .col(
                        ColumnDef::new(AttendanceDailyStats::Arrivals)
                            .text()
                            .not_null(),
                    )
                    .col(timestamp(AttendanceDailyStats::ComputedAt))
                    .primary_key(
                        Index::create()
                            .col(AttendanceDailyStats::AttendanceDate)
                            .col(AttendanceDailyStats::Department),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AttendanceStatsStale::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(AttendanceStatsStale::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AttendanceStatsStale::AttendanceDate)
                            .date()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                Index::create()
                    .name("idx_attendance_stats_stale_date")
                    .table(AttendanceStatsStale::Table)
                    .col(AttendanceStatsStale::AttendanceDate)
                    .to_owned(),
            ],
        )
        .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared(PG_STALE_FUNCTIONS).await?;
            }
            _ => {
                for trigger in SQLITE_STALE_TRIGGERS {
                    db.execute_unprepared(trigger).await?;
                }
            }
        }
        // The records already there have no aggregates yet.
        db.execute_unprepared(
            "INSERT INTO attendance_stats_stale (attendance_date) \
             SELECT DISTINCT attendance_date FROM attendance",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared(PG_STALE_DROP).await?;
            }
            _ => {
                for name in [
                    "attendance_stats_stale_insert",
                    "attendance_stats_stale_update",
                    "attendance_stats_stale_delete",
                ] {
                    db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}"))
                        .await?;
                }
            }
        }
        drop_tables(
            manager,
            vec![
                AttendanceStatsStale::Table.into_iden(),
                AttendanceDailyStats::Table.into_iden(),
            ],
        )
        .await
    }
}

#[derive(DeriveIden)]
enum ExceptionOrganization {
    Organization,
}

#[derive(DeriveIden)]
enum DirectoryCreatedAt {
    CreatedAt,
}

/// A holiday for one organisation (`attendance_exceptions.organization`: it applies to the
/// persons whose directory entry has that organisation when a day is decided or counted), and
/// when a person was created (`person_directory.created_at`, from `persons.v1.*`): a person's
/// statistics start on that day. Both nullable: exceptions stored before are for everyone or
/// one person, as they were, and a directory entry written before has no creation time until
/// the person's next event.
struct AddExceptionOrganization;

impl MigrationName for AddExceptionOrganization {
    fn name(&self) -> &str {
        "m20261207_100010_add_exception_organization"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddExceptionOrganization {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(AttendanceExceptions::Table)
                    .add_column(
                        ColumnDef::new(ExceptionOrganization::Organization)
                            .string_len(200)
                            .null()
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PersonDirectory::Table)
                    .add_column(optional_timestamp(DirectoryCreatedAt::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PersonDirectory::Table)
                    .drop_column(DirectoryCreatedAt::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AttendanceExceptions::Table)
                    .drop_column(ExceptionOrganization::Organization)
                    .to_owned(),
            )
            .await
    }
}

/// The captures of one appearance (a camera's track) found together: a day is decided with all
/// of its appearances' captures, whoever they name (`faceattend_domain::attendance::superseded`).
struct IndexDetectionAppearances;

impl MigrationName for IndexDetectionAppearances {
    fn name(&self) -> &str {
        "m20261208_100011_index_detection_appearances"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for IndexDetectionAppearances {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_indexes(
            manager,
            vec![
                Index::create()
                    .name("idx_detections_track")
                    .table(Detections::Table)
                    .col(DetectionEvidence::TrackId)
                    .col(Detections::CameraId)
                    .to_owned(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_detections_track")
                    .table(Detections::Table)
                    .to_owned(),
            )
            .await
    }
}
