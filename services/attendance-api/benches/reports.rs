//! `make bench` (section `attendance-api`): attendance-api's reports and lists on PostgreSQL,
//! through the real HTTP application.
//!
//! Creates a fresh database on the PostgreSQL named by `BENCH_DATABASE_URL` (else
//! `TEST_DATABASE_URL`), starts the real application in this process (`Application::build`
//! on port 0, release build), seeds `BENCH_PERSONS` persons (default 10,000) in the directory
//! with a month of attendance (multi-row `INSERT … SELECT` over `generate_series`, so seeding
//! takes seconds), and measures the daily report of one day (`BENCH_REPORT_RUNS`, default
//! 20; target ≤ 1 s), the monthly report and the monthly sheet's pages of 50 persons
//! (target ≤ 1 s). It then grows the table to `BENCH_RECORDS` records (default 1,000,000;
//! 3,660,000 is a year of 10,000 persons), measures the trends over the last (up to) 366
//! days (first query, from the aggregates, right after a day changed; target ≤ 300 ms)
//! and measures `GET /api/v1/attendance` — the first page, by person, by date range, by status,
//! by department — `BENCH_LIST_REQUESTS` times each (default 500; target p99 ≤ 10 ms), one
//! request at a time over a kept-alive connection, as a user's browser sends them. Prints a
//! table of p50/p99 and whether each target is met; removes the database (unless
//! `BENCH_KEEP_DATABASE=1`, for looking at query plans afterwards).

use std::time::{Duration, Instant};

use attendance_api::config::Settings;
use attendance_api::startup::Application;
use chrono::NaiveDate;
use faceattend_domain::attendance::{DuplicateWindow, SiteZone, Thresholds};
use faceattend_service::auth::JwtKeys;
use faceattend_service::config::LogFormat;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use secrecy::SecretString;
use uuid::Uuid;

/// Issue 5's targets.
const DAILY_TARGET: Duration = Duration::from_secs(1);
const LIST_TARGET: Duration = Duration::from_millis(10);
/// Issue 18's: a year of trends at 10,000 persons.
const TRENDS_TARGET: Duration = Duration::from_millis(300);
/// Issue 18's: a page of the monthly sheet at 10,000 persons.
const SHEET_TARGET: Duration = Duration::from_secs(1);
/// The directory's departments: persons are spread evenly over them.
const DEPARTMENTS: u64 = 20;
/// The seeded month starts here (a Monday); older records go back from it.
const MONTH_START: &str = "2026-06-01";
const STATUSES: [&str; 4] = ["present", "late", "early_leave", "absent"];

fn knob<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn first_env(names: &[&str], default: &str) -> String {
    names
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| default.to_owned())
}

fn database_url(admin_url: &str, database: &str) -> String {
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("a database URL has a path");
    format!("{base}/{database}")
}

/// Cheap deterministic pseudo-random numbers (splitmix64), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Knobs {
    persons: u64,
    records: u64,
    report_runs: usize,
    list_requests: usize,
}

struct Bench {
    db: DatabaseConnection,
    client: reqwest::Client,
    base: String,
    token: String,
}

/// One measured scenario.
struct Figure {
    name: String,
    samples: Vec<Duration>,
    target: Option<Duration>,
}

impl Figure {
    fn quantile(&self, q: f64) -> Duration {
        let mut sorted = self.samples.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
        sorted[index.min(sorted.len() - 1)]
    }

    /// A target is on the p99 (for the daily report's 20 runs, that is the slowest but one).
    fn met(&self) -> Option<bool> {
        self.target.map(|t| self.quantile(0.99) <= t)
    }
}

impl Bench {
    async fn sql(&self, sql: &str) -> Result<(), String> {
        self.db
            .execute_unprepared(sql)
            .await
            .map(drop)
            .map_err(|e| format!("{sql}: {e}"))
    }

    /// `persons` active persons over `DEPARTMENTS` departments.
    async fn seed_directory(&self, persons: u64) -> Result<(), String> {
        self.sql(&format!(
            "INSERT INTO person_directory \
               (person_id, name, person_type, status, department, organization, deleted, \
                updated_at, version) \
             SELECT md5('person-' || n)::uuid, 'Person ' || n, 'employee', 'active', \
                    'Department ' || (n % {DEPARTMENTS}), 'ACME', false, now(), 1 \
             FROM generate_series(1, {persons}) AS n"
        ))
        .await
    }

    /// Records of every person for the days `[first, last]` after `MONTH_START` (negative:
    /// before it): statuses 70 % present, 15 % late, 5 % early leave, 10 % absent, check-in
    /// around 09:00 and check-out around 17:00 UTC.
    async fn seed_records(&self, persons: u64, first: i64, last: i64) -> Result<(), String> {
        // Day by day: each statement's rows stay in memory comfortably.
        for day in first..=last {
            self.sql(&format!(
                "INSERT INTO attendance \
                   (id, person_id, attendance_date, check_in_time, check_in_confidence, \
                    check_in_source, check_out_time, check_out_confidence, check_out_source, \
                    duration_minutes, status, late_minutes, early_leave_minutes, is_manual, \
                    created_at, updated_at) \
                 SELECT md5('record-' || n || '-' || d)::uuid, md5('person-' || n)::uuid, \
                        d, \
                        CASE WHEN r < 90 THEN d + time '08:30' + (r % 60) * interval '1 minute' END, \
                        CASE WHEN r < 90 THEN 0.9 END, CASE WHEN r < 90 THEN 'auto' END, \
                        CASE WHEN r < 90 THEN d + time '16:45' + (r % 45) * interval '1 minute' END, \
                        CASE WHEN r < 90 THEN 0.88 END, CASE WHEN r < 90 THEN 'auto' END, \
                        CASE WHEN r < 90 THEN 480 END, \
                        CASE WHEN r < 70 THEN 'present' WHEN r < 85 THEN 'late' \
                             WHEN r < 90 THEN 'early_leave' ELSE 'absent' END, \
                        CASE WHEN r >= 70 AND r < 85 THEN r - 69 ELSE 0 END, \
                        CASE WHEN r >= 85 AND r < 90 THEN 30 ELSE 0 END, \
                        false, now(), now() \
                 FROM (SELECT n, date '{MONTH_START}' + {day} AS d, \
                              abs(hashint4(n * 1000 + {day})::bigint) % 100 AS r \
                       FROM generate_series(1, {persons}) AS n) AS s"
            ))
            .await?;
        }
        self.sql("VACUUM ANALYZE attendance").await?;
        self.sql("VACUUM ANALYZE person_directory").await
    }

    async fn person_ids(&self, count: u64) -> Result<Vec<Uuid>, String> {
        use sea_orm::{FromQueryResult, Statement};
        #[derive(FromQueryResult)]
        struct Row {
            person_id: Uuid,
        }
        let rows = Row::find_by_statement(Statement::from_string(
            self.db.get_database_backend(),
            format!("SELECT person_id FROM person_directory LIMIT {count}"),
        ))
        .all(&self.db)
        .await
        .map_err(|e| e.to_string())?;
        Ok(rows.into_iter().map(|r| r.person_id).collect())
    }

    /// GETs `path`, expecting 200; the time to the last byte of the body.
    async fn time(&self, path: &str) -> Result<Duration, String> {
        let started = Instant::now();
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| format!("GET {path}: {e}"))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| format!("GET {path}: {e}"))?;
        let elapsed = started.elapsed();
        if !status.is_success() {
            return Err(format!(
                "GET {path}: {status}: {}",
                String::from_utf8_lossy(&body)
            ));
        }
        Ok(elapsed)
    }

    async fn measure(
        &self,
        name: &str,
        target: Option<Duration>,
        paths: impl IntoIterator<Item = String>,
    ) -> Result<Figure, String> {
        let paths: Vec<String> = paths.into_iter().collect();
        // One unmeasured request warms the connection, the plan cache and the pages.
        if let Some(first) = paths.first() {
            self.time(first).await?;
        }
        let mut samples = Vec::with_capacity(paths.len());
        for path in &paths {
            samples.push(self.time(path).await?);
        }
        let figure = Figure {
            name: name.to_owned(),
            samples,
            target,
        };
        print_row(&figure);
        Ok(figure)
    }

    /// Trends over the last (up to) 366 seeded days: the first query, which computes every
    /// day's aggregate; then answers from the aggregates, by day and by ISO week per
    /// department; then answers right after a day's records changed (the common case: today
    /// keeps changing), which recompute that day first.
    async fn trends(
        &self,
        knobs: &Knobs,
        days: i64,
        month_start: NaiveDate,
    ) -> Result<Vec<Figure>, String> {
        let to = month_start + chrono::Duration::days(29);
        let span = days.min(366);
        let from = to - chrono::Duration::days(span - 1);
        let path = format!("/api/v1/attendance/reports/trends?from_date={from}&to_date={to}");
        let label = format!("{span} days × {} persons", knobs.persons);
        let started = Instant::now();
        self.time(&path).await?;
        let cold = Figure {
            name: format!("trends, {label}: first query (computes every day)"),
            samples: vec![started.elapsed()],
            target: None,
        };
        print_row(&cold);
        let mut figures = vec![cold];
        figures.push(
            self.measure(
                &format!("trends by day, {label}"),
                Some(TRENDS_TARGET),
                (0..knobs.report_runs).map(|_| path.clone()),
            )
            .await?,
        );
        figures.push(
            self.measure(
                &format!("trends by week per department, {label}"),
                Some(TRENDS_TARGET),
                (0..knobs.report_runs).map(|_| format!("{path}&interval=week&by_department=true")),
            )
            .await?,
        );
        let mut samples = Vec::with_capacity(knobs.report_runs);
        for run in 0..knobs.report_runs {
            let day = to - chrono::Duration::days(run as i64 % 7);
            self.sql(&format!(
                "UPDATE attendance SET updated_at = now() \
                 WHERE attendance_date = '{day}' AND person_id = md5('person-1')::uuid"
            ))
            .await?;
            samples.push(self.time(&path).await?);
        }
        let after_write = Figure {
            name: format!("trends by day, {label}, a day just changed"),
            samples,
            target: Some(TRENDS_TARGET),
        };
        print_row(&after_write);
        figures.push(after_write);
        Ok(figures)
    }

    async fn run(&self, knobs: &Knobs) -> Result<Vec<Figure>, String> {
        let month_start: NaiveDate = MONTH_START.parse().expect("date");
        let mut figures = Vec::new();
        let started = Instant::now();
        self.seed_directory(knobs.persons).await?;
        // A month: June.
        self.seed_records(knobs.persons, 0, 29).await?;
        println!(
            "seeded {} persons and {} records in {:.1} s",
            knobs.persons,
            knobs.persons * 30,
            started.elapsed().as_secs_f64()
        );
        print_header();
        let day = month_start + chrono::Duration::days(14);
        figures.push(
            self.measure(
                &format!("daily report, {} persons (JSON)", knobs.persons),
                Some(DAILY_TARGET),
                (0..knobs.report_runs)
                    .map(|_| format!("/api/v1/attendance/reports/daily?date={day}")),
            )
            .await?,
        );
        figures.push(
            self.measure(
                &format!("daily report, {} persons (CSV)", knobs.persons),
                Some(DAILY_TARGET),
                (0..knobs.report_runs)
                    .map(|_| format!("/api/v1/attendance/reports/daily?date={day}&format=csv")),
            )
            .await?,
        );
        figures.push(
            self.measure(
                "monthly report, first page of 100 persons",
                None,
                (0..knobs.report_runs).map(|_| {
                    "/api/v1/attendance/reports/monthly?year=2026&month=6&page_size=100".to_owned()
                }),
            )
            .await?,
        );
        figures.push(
            self.measure(
                &format!(
                    "monthly sheet, a page of 50 of {} persons (cells + day totals)",
                    knobs.persons
                ),
                Some(SHEET_TARGET),
                (0..knobs.report_runs).map(|i| {
                    format!(
                        "/api/v1/attendance/reports/monthly-sheet?year=2026&month=6&page_size=50&page={}",
                        1 + i * 7 % (knobs.persons / 50).max(1) as usize
                    )
                }),
            )
            .await?,
        );
        figures.push(
            self.measure(
                "monthly sheet, one department's first page",
                Some(SHEET_TARGET),
                (0..knobs.report_runs).map(|_| {
                    "/api/v1/attendance/reports/monthly-sheet?year=2026&month=6&page_size=50&department=Department%203"
                        .to_owned()
                }),
            )
            .await?,
        );

        // Grow to `records`: earlier days, before the month.
        let days = (knobs.records / knobs.persons.max(1)).max(30) as i64;
        let started = Instant::now();
        self.seed_records(knobs.persons, -(days - 30), -1).await?;
        println!(
            "grown to {} records in {:.1} s",
            knobs.persons * days as u64,
            started.elapsed().as_secs_f64()
        );
        print_header();
        figures.extend(self.trends(knobs, days, month_start).await?);
        let mut rng = Rng(0x5eed);
        let persons = self.person_ids(knobs.persons).await?;
        let n = knobs.list_requests;
        let first_day = month_start - chrono::Duration::days(days - 30);
        let list = "/api/v1/attendance";
        figures.push(
            self.measure(
                "list: first page",
                Some(LIST_TARGET),
                (0..n).map(|_| list.to_owned()),
            )
            .await?,
        );
        let by_person: Vec<String> = (0..n)
            .map(|_| {
                let person = persons[rng.below(persons.len() as u64) as usize];
                format!("{list}?person_id={person}")
            })
            .collect();
        figures.push(
            self.measure("list: by person", Some(LIST_TARGET), by_person)
                .await?,
        );
        let by_range: Vec<String> = (0..n)
            .map(|_| {
                let from = first_day + chrono::Duration::days(rng.below(days as u64 - 7) as i64);
                let to = from + chrono::Duration::days(6);
                format!("{list}?from_date={from}&to_date={to}")
            })
            .collect();
        figures.push(
            self.measure("list: by date range (7 days)", Some(LIST_TARGET), by_range)
                .await?,
        );
        let by_status: Vec<String> = (0..n)
            .map(|_| format!("{list}?status={}", STATUSES[rng.below(4) as usize]))
            .collect();
        figures.push(
            self.measure("list: by status", Some(LIST_TARGET), by_status)
                .await?,
        );
        let by_department: Vec<String> = (0..n)
            .map(|_| format!("{list}?department=Department%20{}", rng.below(DEPARTMENTS)))
            .collect();
        figures.push(
            self.measure("list: by department", Some(LIST_TARGET), by_department)
                .await?,
        );
        Ok(figures)
    }
}

/// The machine's load when the figures were taken: on a shared 2-core machine, tails
/// (p99) follow whatever else runs.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

fn print_header() {
    println!("(load average {})", load_average());
    println!(
        "{:<46} {:>7} {:>10} {:>10} {:>10}  met",
        "scenario", "n", "p50 ms", "p99 ms", "target"
    );
}

fn print_row(figure: &Figure) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{:<46} {:>7} {:>10.2} {:>10.2} {:>10}  {}",
        figure.name,
        figure.samples.len(),
        ms(figure.quantile(0.5)),
        ms(figure.quantile(0.99)),
        figure
            .target
            .map_or("-".to_owned(), |t| format!("≤{:.0} ms", ms(t))),
        match figure.met() {
            None => "",
            Some(true) => "yes",
            Some(false) => "NO",
        }
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let admin_url = first_env(
        &["BENCH_DATABASE_URL", "TEST_DATABASE_URL"],
        "postgres://postgres@127.0.0.1:5432/postgres",
    );
    let knobs = Knobs {
        persons: knob("BENCH_PERSONS", 10_000),
        records: knob("BENCH_RECORDS", 1_000_000),
        report_runs: knob("BENCH_REPORT_RUNS", 20),
        list_requests: knob("BENCH_LIST_REQUESTS", 500),
    };
    let database = format!(
        "bench_attendance_api_{}",
        &Uuid::new_v4().simple().to_string()[..12]
    );
    let admin = Database::connect(&admin_url)
        .await
        .expect("PostgreSQL reachable (BENCH_DATABASE_URL or TEST_DATABASE_URL)");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{database}\""))
        .await
        .expect("create the bench database");
    let url = database_url(&admin_url, &database);
    let auth = faceattend_service::auth::testing::issuer();
    let nats_url = std::env::var("BENCH_NATS_URL")
        .or_else(|_| std::env::var("TEST_NATS_URL"))
        .unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned());
    let namespace = format!("bench{}", &Uuid::new_v4().simple().to_string()[..8]);
    let settings = Settings {
        database_url: SecretString::from(url.clone()),
        database_max_connections: knob("DATABASE_MAX_CONNECTIONS", 16),
        run_migrations: true,
        bind_address: "127.0.0.1:0".to_owned(),
        auth: auth.clone(),
        site_zone: SiteZone::UTC,
        thresholds: Thresholds::default(),
        duplicate_window: DuplicateWindow::default(),
        // The app publishes the events of decisions through NATS; the reads measured here
        // publish nothing, but the app connects at start.
        nats_url: nats_url.clone(),
        bus_namespace: namespace.clone(),
        max_body_bytes: 64 * 1024,
        snapshots_url: None,
        http_workers: knob("HTTP_WORKERS", 2),
        shutdown_timeout: Duration::from_secs(10),
        log_format: LogFormat::Pretty,
    };

    let outcome = async {
        let application = Application::build(settings)
            .await
            .map_err(|e| format!("attendance-api starts: {e}"))?;
        let base = format!("http://127.0.0.1:{}", application.port());
        let stop = application.shutdown_token();
        let server = tokio::spawn(application.run_until_stopped());
        let token = JwtKeys::new(&auth)
            .mint(
                "bench",
                &["attendance:read".to_owned()],
                Duration::from_secs(3600),
            )
            .map_err(|e| format!("token: {e}"))?;
        let bench = Bench {
            db: Database::connect(&url)
                .await
                .map_err(|e| format!("bench database: {e}"))?,
            client: reqwest::Client::new(),
            base,
            token,
        };
        let result = bench.run(&knobs).await;
        stop.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(30), server).await;
        bench.db.close().await.ok();
        result
    }
    .await;

    // The app created its ATTENDANCE stream in the bench's namespace.
    if let Ok(nats) = async_nats::connect(&nats_url).await {
        let stream = format!("{}_ATTENDANCE", namespace.to_uppercase());
        let _ = async_nats::jetstream::new(nats).delete_stream(stream).await;
    }

    // BENCH_KEEP_DATABASE=1 keeps it, for EXPLAIN afterwards.
    if knob("BENCH_KEEP_DATABASE", 0) == 1 {
        println!("kept the bench database: {url}");
    } else if let Err(error) = admin
        .execute_unprepared(&format!(
            "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
        ))
        .await
    {
        eprintln!("cannot drop the bench database {database}: {error}");
    }
    match outcome {
        Ok(figures) => {
            let missed: Vec<&str> = figures
                .iter()
                .filter(|f| f.met() == Some(false))
                .map(|f| f.name.as_str())
                .collect();
            if missed.is_empty() {
                println!("every target met");
            } else {
                println!("targets not met: {}", missed.join("; "));
            }
        }
        Err(error) => {
            eprintln!("bench failed: {error}");
            std::process::exit(1);
        }
    }
}
