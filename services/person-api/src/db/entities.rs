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
