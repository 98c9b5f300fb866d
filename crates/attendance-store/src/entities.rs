//! sea-orm entities of the attendance database's tables.
//!
//! They mirror [`crate::migration`] column for column; the store converts between them and
//! the domain types, so nothing outside this crate depends on how a value is stored.

pub mod attendance {
    use sea_orm::entity::prelude::*;

    /// One person's attendance for one work day (spec `Attendance`).
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "attendance")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub person_id: Uuid,
        pub attendance_date: Date,
        pub check_in_time: Option<ChronoDateTimeUtc>,
        pub check_in_confidence: Option<f32>,
        /// "auto" | "manual" | "detection"; `None` while there is no check-in.
        pub check_in_source: Option<String>,
        pub check_in_detection_id: Option<Uuid>,
        pub check_in_camera_id: Option<String>,
        pub check_out_time: Option<ChronoDateTimeUtc>,
        pub check_out_confidence: Option<f32>,
        pub check_out_source: Option<String>,
        pub check_out_detection_id: Option<Uuid>,
        pub check_out_camera_id: Option<String>,
        pub duration_minutes: Option<i32>,
        pub status: String,
        /// The detection the status rests on (see `DayRecord::status_evidence`).
        pub status_evidence: Option<Uuid>,
        pub late_minutes: i32,
        pub early_leave_minutes: i32,
        pub is_manual: bool,
        pub approved_by: Option<String>,
        pub approval_timestamp: Option<ChronoDateTimeUtc>,
        pub remarks: Option<String>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod attendance_session {
    use sea_orm::entity::prelude::*;

    /// A shift (spec `AttendanceSession`).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "attendance_sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        pub start_time: Time,
        pub end_time: Time,
        pub expected_duration_minutes: i32,
        /// Lateness forgiven (spec `grace_period_minutes`).
        pub grace_period_minutes: i32,
        /// Early leave forgiven; the domain's `Shift` keeps the two apart.
        pub early_leave_grace_minutes: i32,
        pub is_active: bool,
        pub organization: Option<String>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod attendance_rule {
    use sea_orm::entity::prelude::*;

    /// An attendance policy (spec `AttendanceRule`).
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "attendance_rules")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        /// The spec's list of weekday indices (0 = Monday) as a JSON array, e.g. `[0,1,2,3,4]`.
        pub working_days: String,
        pub start_time: Time,
        pub end_time: Time,
        pub min_presence_percentage: f64,
        pub auto_check_in_threshold: f32,
        pub manual_review_threshold: f32,
        pub is_active: bool,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod attendance_exception {
    use sea_orm::entity::prelude::*;

    /// A holiday, leave or special event (spec `AttendanceException`).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "attendance_exceptions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// `None`: applies to everyone (a public holiday), or to an organisation.
        pub person_id: Option<Uuid>,
        pub exception_date: Date,
        /// "holiday" | "leave" | "special_event"
        pub exception_type: String,
        pub reason: String,
        pub requires_approval: bool,
        pub approved: bool,
        pub approved_by: Option<String>,
        pub approved_at: Option<ChronoDateTimeUtc>,
        pub created_at: ChronoDateTimeUtc,
        /// A holiday of this organisation only: it applies to the persons whose directory
        /// entry has it when the day is decided or counted. `None`: not limited to one.
        pub organization: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod detection {
    use sea_orm::entity::prelude::*;

    /// A face the pipeline detected: the evidence attendance records point to.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "detections")]
    pub struct Model {
        /// The detection id (also its `Nats-Msg-Id`): the key that makes storing idempotent.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub camera_id: String,
        /// "entry" | "exit" | "both", as the camera was declared when the detection arrived.
        pub camera_role: String,
        pub captured_at: ChronoDateTimeUtc,
        /// `None` for an unknown face.
        pub person_id: Option<Uuid>,
        pub distance: f32,
        pub confidence: f32,
        pub model_id: String,
        pub quality: f32,
        pub snapshot_ref: Option<String>,
        pub received_at: ChronoDateTimeUtc,
        /// A person's decision on it, a `Verdict`: "confirmed" | "check_in" | "check_out" |
        /// "rejected"; `None` until someone decides.
        pub verdict: Option<String>,
        pub verdict_by: Option<String>,
        pub verdict_at: Option<ChronoDateTimeUtc>,
        /// The face-embedder's `Decision`: "match" | "ambiguous" | "unknown"; `None` for a
        /// detection stored before it was kept.
        pub decision: Option<String>,
        /// The camera's track of this appearance: one face over several frames.
        pub track_id: Option<String>,
        /// Where the face is in the snapshot (`snapshot_ref`), in its pixels.
        pub face_x_min: Option<f32>,
        pub face_y_min: Option<f32>,
        pub face_x_max: Option<f32>,
        pub face_y_max: Option<f32>,
        /// The second-nearest person, and their distance.
        pub runner_up_person_id: Option<Uuid>,
        pub runner_up_distance: Option<f32>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod person_directory {
    use sea_orm::entity::prelude::*;

    /// What attendance knows of a person, from `persons.v1.*` events.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "person_directory")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub person_id: Uuid,
        pub name: String,
        pub person_type: String,
        pub status: String,
        pub department: Option<String>,
        pub organization: Option<String>,
        pub deleted: bool,
        pub updated_at: ChronoDateTimeUtc,
        /// The version of the event that wrote the row; older events are ignored.
        pub version: i64,
        /// When person-api created the person; `None` for an entry written before the
        /// directory kept it (until the person's next event) and for a tombstone.
        pub created_at: Option<ChronoDateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod review_item {
    use sea_orm::entity::prelude::*;

    /// A detection waiting for (or given) a person's decision.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "review_items")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(unique)]
        pub detection_id: Uuid,
        pub person_id: Uuid,
        pub attendance_date: Date,
        /// A `ReviewReason`: "low_confidence" | "ambiguous_time" | "no_check_in".
        pub reason: String,
        pub confidence: f32,
        pub camera_id: String,
        pub at: ChronoDateTimeUtc,
        /// "pending" | "approved" | "rejected"
        pub state: String,
        pub decided_by: Option<String>,
        pub decided_at: Option<ChronoDateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod audit_log {
    use sea_orm::entity::prelude::*;

    /// Who changed what, when, with the value before and after.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_log")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub actor: String,
        pub action: String,
        pub entity: String,
        pub entity_id: String,
        pub at: ChronoDateTimeUtc,
        /// JSON text; `None` when the entity did not exist before.
        pub before: Option<String>,
        /// JSON text; `None` when the entity no longer exists.
        pub after: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod job_run {
    use sea_orm::entity::prelude::*;

    /// One run of one of attendance-worker's jobs: scheduled, or asked for from the API or
    /// the CLI.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "job_runs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// A `JobName`: "reconcile" | "daily_report" | "monthly_report" | "notifications" |
        /// "cleanup".
        pub job: String,
        /// The scheduled instant; `None` for a run asked for on demand.
        pub slot: Option<ChronoDateTimeUtc>,
        /// "schedule" | "api" | "cli"
        pub trigger: String,
        pub requested_by: String,
        /// The job's parameters, JSON text.
        pub parameters: String,
        /// "pending" | "running" | "succeeded" | "failed"
        pub state: String,
        pub created_at: ChronoDateTimeUtc,
        pub started_at: Option<ChronoDateTimeUtc>,
        pub finished_at: Option<ChronoDateTimeUtc>,
        /// The worker instance running it.
        pub claimed_by: Option<String>,
        /// Until when the running instance holds it; past that, another may take it over.
        pub lease_expires_at: Option<ChronoDateTimeUtc>,
        pub attempts: i32,
        /// The job's summary, JSON text.
        pub result: Option<String>,
        pub error: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod notification_sent {
    use sea_orm::entity::prelude::*;

    /// A late-arrival or absence notification already delivered.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notifications_sent")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub person_id: Uuid,
        pub attendance_date: Date,
        /// "late_arrival" | "absence"
        pub kind: String,
        pub sent_at: ChronoDateTimeUtc,
        pub run_id: Option<Uuid>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod attendance_report {
    use sea_orm::entity::prelude::*;

    /// A generated report, kept as it was when generated.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "attendance_reports")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// "daily" | "monthly"
        pub kind: String,
        /// "2026-03-10" for a day, "2026-03" for a month.
        pub period: String,
        pub generated_at: ChronoDateTimeUtc,
        pub run_id: Option<Uuid>,
        /// The report, JSON text.
        pub body: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod attendance_daily_stats {
    use sea_orm::entity::prelude::*;

    /// The trends' aggregate of one work day and department (see `crate::trends`).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "attendance_daily_stats")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub attendance_date: Date,
        /// '' for persons without a department.
        #[sea_orm(primary_key, auto_increment = false)]
        pub department: String,
        /// Present, late, early leave or absent: the person-days work was expected.
        pub expected: i64,
        /// Present, late or early leave.
        pub present: i64,
        pub late: i64,
        pub early_leave: i64,
        pub absent: i64,
        pub worked_minutes: i64,
        /// The present days with a duration.
        pub worked_days: i64,
        /// JSON `[[minute of the site's day, check-ins], …]`, ascending.
        pub arrivals: String,
        pub computed_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
