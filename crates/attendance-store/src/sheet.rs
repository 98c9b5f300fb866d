//! The monthly attendance sheet: persons × the days of a month, each cell one status with its
//! letter (as Frappe HRMS's Monthly Attendance Sheet shows a month), totals per person and
//! per day.
//!
//! Built on the server, a page of persons at a time: the page's cells come from the page's
//! records (at most 100 persons × 31 days), and the per-day totals over every person the
//! filter selects come from grouped counts, never from reading each person's month, so a
//! page costs the same at 100 persons as at 10,000.
//!
//! A cell is decided in this order: a present, late or early-leave record (work on a day off
//! is still work); a pending manual entry; the person's leave; a holiday (everyone's, or the
//! person's organisation's; a day's `kind` is everyone's); a weekly day off; a
//! recorded absence, or a working day already over without any record (absent); otherwise
//! nothing yet (`none`: today or later). The per-day totals follow the same order, so a
//! day's column sums to its total.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use faceattend_domain::attendance::{AttendanceStatus, WorkingDays};
use faceattend_domain::{PageMeta, PageRequest};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use crate::StoreError;
use crate::entities::{attendance, person_directory};
use crate::reports::{DaysOff, active_working_days, days_off, month_bounds};

/// The directory status of a person attendance is expected from.
const ACTIVE: &str = "active";

/// What a sheet covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetFilter {
    pub department: Option<String>,
    pub organization: Option<String>,
    /// The site's today: days before it are over.
    pub today: NaiveDate,
    /// One page of persons (name order); `None`: everyone (the CSV).
    pub page: Option<PageRequest>,
}

/// What a cell says of a person's day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CellStatus {
    Present,
    Late,
    EarlyLeave,
    Absent,
    Leave,
    Holiday,
    Weekend,
    /// A manual entry waiting for approval.
    Pending,
    /// Nothing known yet: a working day not over.
    None,
}

impl CellStatus {
    /// The letter a sheet shows (and its CSV holds), so colour is never the only cue.
    pub fn letter(self) -> &'static str {
        match self {
            Self::Present => "P",
            Self::Late => "LT",
            Self::EarlyLeave => "EL",
            Self::Absent => "A",
            Self::Leave => "L",
            Self::Holiday => "H",
            Self::Weekend => "W",
            Self::Pending => "PD",
            Self::None => "",
        }
    }

    fn of_record(status: &str) -> Option<Self> {
        match AttendanceStatus::parse(status)? {
            AttendanceStatus::Present => Some(Self::Present),
            AttendanceStatus::Late => Some(Self::Late),
            AttendanceStatus::EarlyLeave => Some(Self::EarlyLeave),
            AttendanceStatus::Absent => Some(Self::Absent),
            AttendanceStatus::Pending => Some(Self::Pending),
        }
    }

    fn is_present(self) -> bool {
        matches!(self, Self::Present | Self::Late | Self::EarlyLeave)
    }
}

/// What kind of day a date of the month is for everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    Working,
    Weekend,
    Holiday,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SheetDay {
    pub date: NaiveDate,
    /// 0 = Monday.
    pub weekday: u8,
    pub kind: DayKind,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SheetCell {
    pub date: NaiveDate,
    pub status: CellStatus,
    /// `P`, `LT`, `EL`, `A`, `L`, `H`, `W`, `PD`, or empty.
    pub letter: &'static str,
    pub worked_minutes: Option<i32>,
    pub late_minutes: i32,
}

/// A person's month in counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SheetTotals {
    /// Days there: present, late or early leave.
    pub present: u32,
    pub late: u32,
    pub early_leave: u32,
    pub absent: u32,
    pub leave: u32,
    pub holiday: u32,
    pub weekend: u32,
    pub pending: u32,
    pub worked_minutes: i64,
    pub late_minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SheetPersonRow {
    pub person_id: Uuid,
    pub name: String,
    pub department: Option<String>,
    pub organization: Option<String>,
    pub cells: Vec<SheetCell>,
    pub totals: SheetTotals,
}

/// A day's column over every person the filter selects (not only the page's).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayTotals {
    pub date: NaiveDate,
    /// Present, late or early leave.
    pub present: u32,
    pub late: u32,
    pub absent: u32,
    pub leave: u32,
    pub pending: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthlySheet {
    pub year: i32,
    pub month: u32,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
    pub department: Option<String>,
    pub organization: Option<String>,
    pub days: Vec<SheetDay>,
    pub persons: Vec<SheetPersonRow>,
    pub day_totals: Vec<DayTotals>,
    #[serde(skip)]
    pub page: Option<PageMeta>,
}

#[derive(Debug, FromQueryResult)]
struct SheetRecord {
    person_id: Uuid,
    attendance_date: NaiveDate,
    status: String,
    duration_minutes: Option<i32>,
    late_minutes: i32,
}

#[derive(Debug, FromQueryResult)]
struct StatusCount {
    attendance_date: NaiveDate,
    status: String,
    n: i64,
}

/// The sheet of `year`-`month`.
pub async fn monthly_sheet<C: ConnectionTrait>(
    conn: &C,
    year: i32,
    month: u32,
    filter: &SheetFilter,
) -> Result<MonthlySheet, StoreError> {
    let (from, to) = month_bounds(year, month)?;
    let week = active_working_days(conn).await?;
    let DaysOff {
        holidays,
        organization_holidays,
        leave,
    } = days_off(conn, from, to).await?;
    let calendar = Calendar {
        week,
        holidays,
        today: filter.today,
    };
    let days: Vec<SheetDay> = dates(from, to)
        .map(|date| SheetDay {
            date,
            weekday: date.weekday().num_days_from_monday() as u8,
            kind: calendar.kind(date),
        })
        .collect();

    let persons_query = selected(filter)
        .order_by_asc(person_directory::Column::Name)
        .order_by_asc(person_directory::Column::PersonId);
    let total = persons_query.clone().count(conn).await?;
    let (persons, page) = match filter.page {
        Some(page) => (
            persons_query
                .offset(page.offset())
                .limit(page.page_size())
                .all(conn)
                .await?,
            Some(page.meta(total)),
        ),
        None => (persons_query.all(conn).await?, None),
    };

    let records = attendance::Entity::find()
        .select_only()
        .columns([
            attendance::Column::PersonId,
            attendance::Column::AttendanceDate,
            attendance::Column::Status,
            attendance::Column::DurationMinutes,
            attendance::Column::LateMinutes,
        ])
        .filter(attendance::Column::AttendanceDate.between(from, to))
        .filter(attendance::Column::PersonId.is_in(persons.iter().map(|p| p.person_id)))
        .into_model::<SheetRecord>()
        .all(conn)
        .await?;
    let mut by_day: HashMap<(Uuid, NaiveDate), SheetRecord> = records
        .into_iter()
        .map(|r| ((r.person_id, r.attendance_date), r))
        .collect();

    let no_leave = BTreeSet::new();
    let rows = persons
        .into_iter()
        .map(|person| {
            let leave = leave.get(&person.person_id).unwrap_or(&no_leave);
            let own_holidays = person
                .organization
                .as_deref()
                .and_then(|org| organization_holidays.get(org))
                .unwrap_or(&no_leave);
            let mut totals = SheetTotals::default();
            let cells = dates(from, to)
                .map(|date| {
                    let record = by_day.remove(&(person.person_id, date));
                    let status = calendar.cell(
                        date,
                        record
                            .as_ref()
                            .and_then(|r| CellStatus::of_record(&r.status)),
                        leave.contains(&date),
                        own_holidays.contains(&date),
                    );
                    totals.count(status, record.as_ref());
                    SheetCell {
                        date,
                        status,
                        letter: status.letter(),
                        worked_minutes: record.as_ref().and_then(|r| r.duration_minutes),
                        late_minutes: record.as_ref().map_or(0, |r| r.late_minutes),
                    }
                })
                .collect();
            SheetPersonRow {
                person_id: person.person_id,
                name: person.name,
                department: person.department,
                organization: person.organization,
                cells,
                totals,
            }
        })
        .collect();

    let off = PersonsOff {
        leave: &leave,
        organization_holidays: &organization_holidays,
    };
    let day_totals = day_totals(conn, filter, &calendar, &off, from, to, total).await?;
    Ok(MonthlySheet {
        year,
        month,
        from_date: from,
        to_date: to,
        department: filter.department.clone(),
        organization: filter.organization.clone(),
        days,
        persons: rows,
        day_totals,
        page,
    })
}

/// The month's calendar for everyone.
struct Calendar {
    week: WorkingDays,
    holidays: BTreeSet<NaiveDate>,
    today: NaiveDate,
}

impl Calendar {
    fn kind(&self, date: NaiveDate) -> DayKind {
        if self.holidays.contains(&date) {
            DayKind::Holiday
        } else if self.week.contains(date.weekday()) {
            DayKind::Working
        } else {
            DayKind::Weekend
        }
    }

    /// A person's cell, in the order the module's documentation gives.
    fn cell(
        &self,
        date: NaiveDate,
        record: Option<CellStatus>,
        on_leave: bool,
        own_holiday: bool,
    ) -> CellStatus {
        match record {
            Some(status) if status.is_present() => status,
            Some(CellStatus::Pending) => CellStatus::Pending,
            _ if on_leave => CellStatus::Leave,
            _ if own_holiday => CellStatus::Holiday,
            _ => match self.kind(date) {
                DayKind::Holiday => CellStatus::Holiday,
                DayKind::Weekend => CellStatus::Weekend,
                DayKind::Working if record == Some(CellStatus::Absent) || date < self.today => {
                    CellStatus::Absent
                }
                DayKind::Working => CellStatus::None,
            },
        }
    }
}

impl SheetTotals {
    fn count(&mut self, status: CellStatus, record: Option<&SheetRecord>) {
        match status {
            CellStatus::Present => self.present += 1,
            CellStatus::Late => {
                self.present += 1;
                self.late += 1;
            }
            CellStatus::EarlyLeave => {
                self.present += 1;
                self.early_leave += 1;
            }
            CellStatus::Absent => self.absent += 1,
            CellStatus::Leave => self.leave += 1,
            CellStatus::Holiday => self.holiday += 1,
            CellStatus::Weekend => self.weekend += 1,
            CellStatus::Pending => self.pending += 1,
            CellStatus::None => {}
        }
        if status.is_present()
            && let Some(record) = record
        {
            self.worked_minutes += i64::from(record.duration_minutes.unwrap_or(0));
            self.late_minutes += i64::from(record.late_minutes);
        }
    }
}

/// The days some persons have off and others not: leave, and organisations' holidays.
struct PersonsOff<'a> {
    leave: &'a HashMap<Uuid, BTreeSet<NaiveDate>>,
    organization_holidays: &'a HashMap<String, BTreeSet<NaiveDate>>,
}

/// Each day's column over the `total` persons `filter` selects, from grouped counts of their
/// records, their leave and their organisations' holidays.
async fn day_totals<C: ConnectionTrait>(
    conn: &C,
    filter: &SheetFilter,
    calendar: &Calendar,
    off: &PersonsOff<'_>,
    from: NaiveDate,
    to: NaiveDate,
    total: u64,
) -> Result<Vec<DayTotals>, StoreError> {
    let counts = attendance::Entity::find()
        .select_only()
        .column(attendance::Column::AttendanceDate)
        .column(attendance::Column::Status)
        .column_as(Expr::col(attendance::Column::Id).count(), "n")
        .filter(attendance::Column::AttendanceDate.between(from, to))
        .filter(attendance::Column::PersonId.in_subquery(selected_ids(filter)))
        .group_by(attendance::Column::AttendanceDate)
        .group_by(attendance::Column::Status)
        .into_model::<StatusCount>()
        .all(conn)
        .await?;
    let mut by_date: BTreeMap<NaiveDate, DayTotals> = dates(from, to)
        .map(|date| {
            (
                date,
                DayTotals {
                    date,
                    ..DayTotals::default()
                },
            )
        })
        .collect();
    let mut recorded_absent: HashMap<NaiveDate, u32> = HashMap::new();
    for count in counts {
        let (Some(day), Some(status)) = (
            by_date.get_mut(&count.attendance_date),
            CellStatus::of_record(&count.status),
        ) else {
            continue;
        };
        let n = u32::try_from(count.n).unwrap_or(u32::MAX);
        match status {
            CellStatus::Present | CellStatus::EarlyLeave => day.present += n,
            CellStatus::Late => {
                day.present += n;
                day.late += n;
            }
            CellStatus::Pending => day.pending += n,
            CellStatus::Absent => *recorded_absent.entry(count.attendance_date).or_default() += n,
            _ => {}
        }
    }

    // Leave counts where the person has neither a present record nor a pending one that day;
    // an organisation's holiday where the person has none of these nor leave: not absent.
    let mut own_holiday: HashMap<NaiveDate, u32> = HashMap::new();
    let leave = off.leave;
    if !leave.is_empty() || !off.organization_holidays.is_empty() {
        let on_leave: Vec<Uuid> = leave.keys().copied().collect();
        let organizations: Vec<&str> = off
            .organization_holidays
            .keys()
            .map(String::as_str)
            .collect();
        let selected: BTreeMap<Uuid, Option<String>> = person_directory::Entity::find()
            .select_only()
            .column(person_directory::Column::PersonId)
            .column(person_directory::Column::Organization)
            .filter(
                sea_orm::Condition::any()
                    .add(person_directory::Column::PersonId.is_in(on_leave.iter().copied()))
                    .add(person_directory::Column::Organization.is_in(organizations)),
            )
            .filter(person_directory::Column::PersonId.in_subquery(selected_ids(filter)))
            .into_tuple::<(Uuid, Option<String>)>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        let marked: BTreeSet<(Uuid, NaiveDate)> = attendance::Entity::find()
            .select_only()
            .column(attendance::Column::PersonId)
            .column(attendance::Column::AttendanceDate)
            .filter(attendance::Column::AttendanceDate.between(from, to))
            .filter(attendance::Column::PersonId.is_in(selected.keys().copied()))
            .filter(attendance::Column::Status.is_in([
                AttendanceStatus::Present.as_str(),
                AttendanceStatus::Late.as_str(),
                AttendanceStatus::EarlyLeave.as_str(),
                AttendanceStatus::Pending.as_str(),
            ]))
            .into_tuple::<(Uuid, NaiveDate)>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        let none = BTreeSet::new();
        for (person, organization) in &selected {
            let person_leave = leave.get(person).unwrap_or(&none);
            for date in person_leave {
                if let Some(day) = by_date.get_mut(date)
                    && !marked.contains(&(*person, *date))
                {
                    day.leave += 1;
                }
            }
            let holidays = organization
                .as_deref()
                .and_then(|org| off.organization_holidays.get(org))
                .unwrap_or(&none);
            for date in holidays {
                if !person_leave.contains(date) && !marked.contains(&(*person, *date)) {
                    *own_holiday.entry(*date).or_default() += 1;
                }
            }
        }
    }

    let total = u32::try_from(total).unwrap_or(u32::MAX);
    for day in by_date.values_mut() {
        let recorded = recorded_absent.get(&day.date).copied().unwrap_or(0);
        day.absent = match calendar.kind(day.date) {
            DayKind::Working if day.date < calendar.today => total
                .saturating_sub(day.present)
                .saturating_sub(day.pending)
                .saturating_sub(day.leave)
                .saturating_sub(own_holiday.get(&day.date).copied().unwrap_or(0)),
            DayKind::Working => recorded,
            DayKind::Weekend | DayKind::Holiday => 0,
        };
    }
    Ok(by_date.into_values().collect())
}

/// The persons a sheet is about: active and not deleted, of the department and organisation.
fn selected(filter: &SheetFilter) -> sea_orm::Select<person_directory::Entity> {
    let mut query = person_directory::Entity::find()
        .filter(person_directory::Column::Deleted.eq(false))
        .filter(person_directory::Column::Status.eq(ACTIVE));
    if let Some(department) = &filter.department {
        query = query.filter(person_directory::Column::Department.eq(department.as_str()));
    }
    if let Some(organization) = &filter.organization {
        query = query.filter(person_directory::Column::Organization.eq(organization.as_str()));
    }
    query
}

/// The ids of [`selected`], as a subquery.
fn selected_ids(filter: &SheetFilter) -> SelectStatement {
    let mut query = Query::select();
    query
        .column(person_directory::Column::PersonId)
        .from(person_directory::Entity)
        .and_where(person_directory::Column::Deleted.eq(false))
        .and_where(person_directory::Column::Status.eq(ACTIVE));
    if let Some(department) = &filter.department {
        query.and_where(person_directory::Column::Department.eq(department.as_str()));
    }
    if let Some(organization) = &filter.organization {
        query.and_where(person_directory::Column::Organization.eq(organization.as_str()));
    }
    query.to_owned()
}

fn dates(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    from.iter_days().take_while(move |d| *d <= to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    fn calendar() -> Calendar {
        Calendar {
            week: WorkingDays::MONDAY_TO_FRIDAY,
            holidays: BTreeSet::from([d("2026-03-04")]),
            today: d("2026-03-10"),
        }
    }

    #[test]
    fn a_cell_is_decided_in_order() {
        let c = calendar();
        // Monday 2 March, over: absent without a record; present with one.
        assert_eq!(
            c.cell(d("2026-03-02"), None, false, false),
            CellStatus::Absent
        );
        assert_eq!(
            c.cell(d("2026-03-02"), Some(CellStatus::Late), false, false),
            CellStatus::Late
        );
        // Work on a holiday or a Saturday is work; otherwise they are days off.
        assert_eq!(
            c.cell(d("2026-03-04"), None, false, false),
            CellStatus::Holiday
        );
        assert_eq!(
            c.cell(d("2026-03-07"), Some(CellStatus::Present), false, false),
            CellStatus::Present
        );
        assert_eq!(
            c.cell(d("2026-03-07"), None, false, false),
            CellStatus::Weekend
        );
        // Leave comes before the calendar and before an absence; a pending entry before leave.
        assert_eq!(
            c.cell(d("2026-03-03"), Some(CellStatus::Absent), true, false),
            CellStatus::Leave
        );
        assert_eq!(
            c.cell(d("2026-03-03"), Some(CellStatus::Pending), true, false),
            CellStatus::Pending
        );
        // The person's organisation's holiday: a holiday for them, after leave and work.
        assert_eq!(
            c.cell(d("2026-03-02"), None, false, true),
            CellStatus::Holiday
        );
        assert_eq!(c.cell(d("2026-03-02"), None, true, true), CellStatus::Leave);
        assert_eq!(
            c.cell(d("2026-03-02"), Some(CellStatus::Present), false, true),
            CellStatus::Present
        );
        // Today and later: nothing yet, unless an absence is already recorded.
        assert_eq!(
            c.cell(d("2026-03-10"), None, false, false),
            CellStatus::None
        );
        assert_eq!(
            c.cell(d("2026-03-10"), Some(CellStatus::Absent), false, false),
            CellStatus::Absent
        );
    }

    #[test]
    fn every_status_has_its_own_letter() {
        let all = [
            CellStatus::Present,
            CellStatus::Late,
            CellStatus::EarlyLeave,
            CellStatus::Absent,
            CellStatus::Leave,
            CellStatus::Holiday,
            CellStatus::Weekend,
            CellStatus::Pending,
        ];
        let letters: BTreeSet<&str> = all.iter().map(|s| s.letter()).collect();
        assert_eq!(letters.len(), all.len());
        assert_eq!(CellStatus::None.letter(), "");
    }
}
