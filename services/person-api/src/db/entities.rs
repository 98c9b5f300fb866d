//! sea-orm entities of person-api's tables.

pub mod person {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "persons")]
    pub struct Model {
        /// UUIDv7: time-ordered, so ordering by id is ordering by creation.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub first_name: String,
        pub last_name: String,
        pub email: String,
        /// Lower-cased email; carries the uniqueness constraint.
        pub email_normalized: String,
        pub phone: Option<String>,
        pub person_type: String,
        pub id_number: Option<String>,
        pub id_type: Option<String>,
        pub department: Option<String>,
        pub organization: Option<String>,
        pub status: String,
        pub face_encoding_count: i32,
        pub enrolled_at: Option<ChronoDateTimeUtc>,
        pub last_face_enrolled: Option<ChronoDateTimeUtc>,
        /// Lower-cased names, email and id number, for substring search.
        pub search_text: String,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod person_metadata {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "person_metadata")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(unique)]
        pub person_id: Uuid,
        pub address: Option<String>,
        pub emergency_contact: Option<String>,
        pub emergency_phone: Option<String>,
        pub preferences: Json,
        pub custom_fields: Json,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod person_image {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "person_images")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub person_id: Uuid,
        /// Key in the object store.
        pub image_path: String,
        pub content_type: String,
        pub file_size: i64,
        pub sha256: String,
        pub width: i32,
        pub height: i32,
        pub is_primary: bool,
        pub quality_score: f32,
        /// `{"x_min", "y_min", "x_max", "y_max"}` in the photo's pixels.
        pub face_location: Json,
        pub created_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod person_face_encoding {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "person_face_encodings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub person_id: Uuid,
        pub image_id: Option<Uuid>,
        /// The embedding model's id; vectors of different models are never compared.
        pub model: String,
        pub dimension: i32,
        /// `dimension` little-endian f32 values, unit length.
        pub encoding: Vec<u8>,
        /// The detector's confidence that this is a face.
        pub confidence: f32,
        pub quality_score: f32,
        pub is_primary: bool,
        /// "enrollment" | "detection" | "manual"
        pub source: String,
        pub created_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod object_deletion {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "object_deletions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub path: String,
        pub requested_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
