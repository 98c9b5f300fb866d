//! `make bench`: person-api under load on PostgreSQL with 100,000 persons.
//!
//! Creates a fresh database on the PostgreSQL named by `TEST_DATABASE_URL`, seeds it, starts
//! the real application (release build, `HTTP_WORKERS` = cores) and drives it from this process
//! over loopback with a closed-loop load generator: `BENCH_CONCURRENCY` requests in flight
//! (default 16) for `BENCH_SECONDS` per scenario (default 10) after a 2 s warm-up. The load
//! generator shares the machine's cores with the server and PostgreSQL, as a load test on one
//! machine does. Prints requests/s and latency percentiles per scenario; removes the database.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use faceattend_service::auth::JwtKeys;
use faceattend_service::config::LogFormat;
use person_api::config::Settings;
use person_api::startup::Application;
use sea_orm::{ConnectionTrait, Database, Statement};
use secrecy::SecretString;

const PERSONS: u64 = 100_000;
const FIRST_NAMES: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Amir",
    "Aiko",
    "Chen",
    "Fatima",
    "Ivan",
    "Kwame",
    "Lucia",
    "Mateo",
    "Nadia",
    "Olga",
    "Priya",
    "Ravi",
    "Sofia",
    "Tariq",
    "Yuki",
    "Zara",
    "Ada",
    "Alan",
    "Grace",
    "Linus",
];
const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Okafor",
    "Tanaka",
    "Kowalski",
    "Novak",
    "Ivanova",
    "Haddad",
    "Nakamura",
    "Fernandes",
    "Lindqvist",
    "Moreau",
    "Rossi",
    "Schmidt",
    "Dubois",
    "Kaur",
    "Singh",
    "Patel",
    "Khan",
    "Yilmaz",
    "Popescu",
    "Horvat",
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Ritchie",
    "Thompsen",
    "Kernighan",
    "Liskov",
    "Hamilton",
    "Dijkstra",
    "Knuth",
    "Lamport",
    "Wirth",
    "Backus",
    "Hoare",
    "Milner",
    "Stroustrup",
    "Goldberg",
    "Kay",
    "Engelbart",
    "Berners",
    "Cerf",
    "Kahn",
    "Postel",
    "Metcalfe",
    "Baran",
    "Davies",
];
const DEPARTMENTS: &[&str] = &[
    "Engineering",
    "Sales",
    "Marketing",
    "Finance",
    "Operations",
    "Support",
    "Legal",
    "Security",
    "Facilities",
    "HR",
];

struct Scenario {
    name: &'static str,
    /// Builds the i-th request path.
    path: Box<dyn Fn(u64) -> String + Send + Sync>,
    target: &'static str,
    seed_reference: &'static str,
}

struct Outcome {
    requests: u64,
    errors: u64,
    elapsed: Duration,
    latencies_us: Vec<u32>,
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index] as f64 / 1000.0
}

/// Cheap deterministic pseudo-random numbers, so runs are comparable.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ceb9fe1a85ec53);
    x ^ (x >> 33)
}

async fn seed(db: &sea_orm::DatabaseConnection) {
    let quote = |items: &[&str]| {
        items
            .iter()
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let sql = format!(
        "INSERT INTO persons (id, first_name, last_name, email, email_normalized, phone, person_type, id_number, \
           id_type, department, organization, status, face_encoding_count, enrolled_at, last_face_enrolled, \
           search_text, created_at, updated_at) \
         SELECT id, fname, lname, email, lower(email), NULL, ptype, idn, 'employee_id', dept, org, st, faces, NULL, NULL, \
           lower(fname || ' ' || lname || ' ' || email || ' ' || idn), now(), now() \
         FROM (SELECT \
                 /* UUIDv7 as the service makes them: 48-bit millisecond time, version 7, \
                    variant, random bits; one person per millisecond over the last 100 s. */ \
                 uuid(lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint - {PERSONS} + i), 12, '0') \
                      || '7' || substr(md5(i::text), 1, 3) || '8' || substr(md5(i::text), 4, 15)) AS id, \
                 (ARRAY[{first}])[1 + i % {nfirst}] AS fname, \
                 (ARRAY[{last}])[1 + (i / {nfirst}) % {nlast}] AS lname, \
                 'user' || i || '@company' || (i % 7) || '.example.com' AS email, \
                 CASE WHEN i % 10 < 8 THEN 'employee' WHEN i % 10 = 8 THEN 'visitor' ELSE 'contractor' END AS ptype, \
                 'EMP' || lpad(i::text, 6, '0') AS idn, \
                 (ARRAY[{depts}])[1 + (i / 3) % {ndepts}] AS dept, \
                 (ARRAY['ACME Corp','Globex','Initech'])[1 + i % 3] AS org, \
                 CASE WHEN i % 20 = 0 THEN 'inactive' WHEN i % 50 = 1 THEN 'archived' ELSE 'active' END AS st, \
                 CASE WHEN i % 4 = 0 THEN 0 ELSE 1 + i % 3 END AS faces \
               FROM generate_series(1, {PERSONS}) AS i) AS seed",
        first = quote(FIRST_NAMES),
        nfirst = FIRST_NAMES.len(),
        last = quote(LAST_NAMES),
        nlast = LAST_NAMES.len(),
        depts = quote(DEPARTMENTS),
        ndepts = DEPARTMENTS.len(),
    );
    db.execute_unprepared(&sql).await.expect("seed persons");
    // The seed went around the store, so the facet counts are rebuilt as after an import.
    person_api::db::rebuild_facets(db)
        .await
        .expect("recount facets");
    db.execute_unprepared("ANALYZE persons")
        .await
        .expect("analyze");
}

async fn run(
    scenario: &Scenario,
    base: &str,
    token: &str,
    concurrency: usize,
    seconds: u64,
) -> Outcome {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let authorization = format!("Bearer {token}");
    let phase = async |duration: Duration, record: bool| -> Outcome {
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for worker in 0..concurrency {
            let (client, stop, authorization) =
                (client.clone(), stop.clone(), authorization.clone());
            let path = &scenario.path;
            let urls: Vec<String> = (0..4096u64)
                .map(|i| format!("{base}{}", path(mix(i * 7919 + worker as u64))))
                .collect();
            tasks.push(tokio::spawn(async move {
                let (mut latencies, mut errors, mut i) =
                    (Vec::with_capacity(200_000), 0u64, worker);
                while !stop.load(Ordering::Relaxed) {
                    let url = &urls[i % urls.len()];
                    i += concurrency;
                    let sent = Instant::now();
                    let ok = match client
                        .get(url)
                        .header("Authorization", &authorization)
                        .send()
                        .await
                    {
                        Ok(response) => {
                            response.status().is_success() && response.bytes().await.is_ok()
                        }
                        Err(_) => false,
                    };
                    if ok {
                        latencies.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
                    } else {
                        errors += 1;
                    }
                }
                (latencies, errors)
            }));
        }
        tokio::time::sleep(duration).await;
        stop.store(true, Ordering::Relaxed);
        let mut outcome = Outcome {
            requests: 0,
            errors: 0,
            elapsed: started.elapsed(),
            latencies_us: Vec::new(),
        };
        for task in tasks {
            let (latencies, errors) = task.await.unwrap();
            outcome.requests += latencies.len() as u64 + errors;
            outcome.errors += errors;
            if record {
                outcome.latencies_us.extend(latencies);
            }
        }
        outcome
    };
    phase(Duration::from_secs(2), false).await;
    let mut outcome = phase(Duration::from_secs(seconds), true).await;
    outcome.latencies_us.sort_unstable();
    outcome
}

/// The same scenario driven by `wrk` (a C load generator, far lighter than this process's
/// own client) when it is installed: rate and p50/p90/p99 in ms, parsed from its report.
fn run_wrk(
    scenario: &Scenario,
    base: &str,
    token: &str,
    concurrency: usize,
    seconds: u64,
) -> Option<(f64, [f64; 3])> {
    let paths: Vec<String> = (0..4096u64)
        .map(|i| format!("\"{base}{}\"", (scenario.path)(mix(i * 7919))))
        .collect();
    let script = format!(
        "wrk.headers[\"Authorization\"] = \"Bearer {token}\"\n\
         local paths = {{{}}}\n\
         local n = 0\n\
         request = function()\n  n = n + 1\n  return wrk.format(\"GET\", paths[(n % #paths) + 1])\nend\n",
        paths.join(",")
    );
    let dir = std::env::temp_dir().join(format!("faceattend-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let script_path = dir.join("scenario.lua");
    std::fs::write(&script_path, script).ok()?;
    let run = |duration: u64| {
        std::process::Command::new("wrk")
            .args([
                "-t1",
                &format!("-c{concurrency}"),
                &format!("-d{duration}s"),
                "--latency",
                "-s",
            ])
            .arg(&script_path)
            .arg(base)
            .output()
    };
    run(2).ok()?; // warm-up
    let output = run(seconds).ok()?;
    std::fs::remove_dir_all(&dir).ok();
    let text = String::from_utf8_lossy(&output.stdout);
    let millis = |value: &str| -> Option<f64> {
        let (number, factor) = if let Some(n) = value.strip_suffix("us") {
            (n, 0.001)
        } else if let Some(n) = value.strip_suffix("ms") {
            (n, 1.0)
        } else if let Some(n) = value.strip_suffix('s') {
            (n, 1000.0)
        } else {
            return None;
        };
        number.parse::<f64>().ok().map(|n| n * factor)
    };
    let field = |label: &str| {
        text.lines().find_map(|line| {
            line.trim()
                .strip_prefix(label)
                .map(|rest| rest.trim().to_owned())
        })
    };
    let rate = field("Requests/sec:")?.parse().ok()?;
    let non_2xx = field("Non-2xx or 3xx responses:");
    if non_2xx.is_some() {
        eprintln!("wrk saw error responses for {}: {non_2xx:?}", scenario.name);
    }
    Some((
        rate,
        [
            millis(&field("50%")?)?,
            millis(&field("90%")?)?,
            millis(&field("99%")?)?,
        ],
    ))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let admin_url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let nats_url =
        std::env::var("TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let concurrency: usize = std::env::var("BENCH_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let database = format!("bench_person_api_{}", &suffix[..12]);
    let namespace = format!("bench{}", &suffix[..12]);

    let admin = Database::connect(&admin_url)
        .await
        .expect("PostgreSQL reachable (TEST_DATABASE_URL)");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{database}\""))
        .await
        .unwrap();
    // Loopback needs no TLS; sqlx would otherwise negotiate it (sslmode=prefer).
    let database_url = format!(
        "{}/{database}?sslmode=disable",
        admin_url.rsplit_once('/').unwrap().0
    );

    let auth = faceattend_service::auth::testing::issuer();
    let images = tempfile::tempdir().expect("temp dir for photos");
    let application = Application::build(Settings {
        database_url: SecretString::from(database_url.clone()),
        database_max_connections: 16,
        run_migrations: true,
        nats_url: nats_url.clone(),
        bus_namespace: namespace.clone(),
        bind_address: "127.0.0.1:0".into(),
        auth: auth.clone(),
        max_body_bytes: 1024 * 1024,
        max_image_bytes: 7 * 1024 * 1024,
        object_store_url: format!("file://{}", images.path().display()),
        face_service_timeout: Duration::from_secs(15),
        http_workers: cores,
        shutdown_timeout: Duration::from_secs(5),
        log_format: LogFormat::Json,
    })
    .await
    .expect("person-api starts");
    let port = application.port();
    let stop = application.shutdown_token();
    let server = tokio::spawn(application.run_until_stopped());

    let db = Database::connect(&database_url).await.unwrap();
    let seeding = Instant::now();
    seed(&db).await;
    eprintln!(
        "seeded {PERSONS} persons in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    let ids: Vec<String> = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id::text AS id FROM persons",
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.try_get::<String>("", "id").unwrap())
        .collect();
    let ids = Arc::new(ids);
    if std::env::var_os("BENCH_SEED_ONLY").is_some() {
        // For looking at query plans: keep the seeded database and stop here.
        println!("seeded database kept: {database_url}");
        stop.cancel();
        let _ = server.await;
        return;
    }

    let token = JwtKeys::new(&auth)
        .mint("bench", &["persons:read".into()], Duration::from_secs(3600))
        .unwrap();
    let base = format!("http://127.0.0.1:{port}/api/v1/persons");
    let scenarios = vec![
        Scenario {
            name: "GET /persons/{id}",
            path: Box::new({
                let ids = ids.clone();
                move |r| format!("/{}", ids[(r % ids.len() as u64) as usize])
            }),
            target: ">= 10,000 req/s, p99 <= 5 ms",
            seed_reference: "1,880 req/s, p99 85 ms",
        },
        Scenario {
            name: "GET /persons?filters",
            path: Box::new(|r| {
                let department = DEPARTMENTS[(r % DEPARTMENTS.len() as u64) as usize];
                let page = 1 + (r / 16) % 20;
                match r % 3 {
                    0 => format!("?status=active&department={department}&page={page}&page_size=20"),
                    1 => format!(
                        "?status=active&person_type=employee&department={department}&page={page}&page_size=20"
                    ),
                    _ => format!(
                        "?organization=Globex&has_faces=true&department={department}&page={page}&page_size=20"
                    ),
                }
            }),
            target: "p99 <= 20 ms",
            seed_reference: "403 req/s, p99 175 ms",
        },
        Scenario {
            name: "GET /persons/search?q=",
            path: Box::new(|r| {
                let last = LAST_NAMES[(r % LAST_NAMES.len() as u64) as usize].to_lowercase();
                match r % 3 {
                    // A fragment of a surname: hundreds of matches, one page returned.
                    0 => format!("?q={}", &last[1..last.len().min(5)]),
                    // An employee number: one match.
                    1 => format!("?q=emp{:06}", 1 + r % PERSONS),
                    // Part of an email address.
                    _ => format!("?q=user{}%40company", 1 + r % PERSONS),
                }
            }),
            target: "p99 <= 20 ms",
            seed_reference: "17 req/s, p99 2 s",
        },
        Scenario {
            name: "GET /persons/summary",
            path: Box::new(|_| "/summary".to_owned()),
            target: "(no target; always current, no cache)",
            seed_reference: "-",
        },
    ];

    println!();
    println!(
        "person-api on PostgreSQL, {PERSONS} persons, {cores} HTTP workers, {concurrency} requests in flight, {seconds} s per scenario"
    );
    println!(
        "load generator in the same process on the same {cores} cores, over loopback; PostgreSQL over plain TCP on loopback"
    );
    println!();
    println!(
        "{:<26} {:>9} {:>10} {:>8} {:>8} {:>8} {:>8} {:>7}  {:<28} seed (FastAPI, same machine kind)",
        "scenario", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "target",
    );
    for scenario in &scenarios {
        let outcome = run(scenario, &base, &token, concurrency, seconds).await;
        let rate = (outcome.requests - outcome.errors) as f64 / outcome.elapsed.as_secs_f64();
        let l = &outcome.latencies_us;
        println!(
            "{:<26} {:>9} {:>10.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>7}  {:<28} {}",
            scenario.name,
            outcome.requests,
            rate,
            percentile(l, 0.50),
            percentile(l, 0.90),
            percentile(l, 0.99),
            percentile(l, 1.0),
            outcome.errors,
            scenario.target,
            scenario.seed_reference,
        );
    }

    let wrk_available = std::process::Command::new("wrk")
        .arg("--version")
        .output()
        .is_ok();
    if wrk_available {
        println!();
        println!(
            "the same scenarios driven by wrk (1 thread, {concurrency} connections), a lighter load generator:"
        );
        println!(
            "{:<26} {:>10} {:>8} {:>8} {:>8}",
            "scenario", "req/s", "p50 ms", "p90 ms", "p99 ms"
        );
        for scenario in &scenarios {
            match run_wrk(scenario, &base, &token, concurrency, seconds) {
                Some((rate, [p50, p90, p99])) => {
                    println!(
                        "{:<26} {rate:>10.0} {p50:>8.2} {p90:>8.2} {p99:>8.2}",
                        scenario.name
                    )
                }
                None => println!("{:<26} (wrk failed)", scenario.name),
            }
        }
    } else {
        println!();
        println!("(install wrk to also measure with a C load generator)");
    }

    stop.cancel();
    let _ = server.await;
    db.close().await.ok();
    admin
        .execute_unprepared(&format!("DROP DATABASE \"{database}\" WITH (FORCE)"))
        .await
        .ok();
    let _ = async_nats::jetstream::new(async_nats::connect(&nats_url).await.unwrap())
        .delete_stream(format!("{}_PERSONS", namespace.to_uppercase()))
        .await;
}
