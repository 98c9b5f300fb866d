//! The monthly sheet: a seeded month's cells carry the right letters, the totals per person
//! and per day add up, pages and filters hold, and the CSV has a column per day.

use serde_json::Value;

use crate::helpers::{Backend, Seed, assert_error, spawn_app};
use crate::on_both_backends;

const SHEET: &str = "/api/v1/attendance/reports/monthly-sheet";

fn letters(person: &Value) -> Vec<String> {
    person["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .map(|c| c["letter"].as_str().expect("a letter").to_owned())
        .collect()
}

/// March 2026: Sunday 1st; holiday Thursday 5th; 22 weekdays, 9 weekend days.
async fn a_seeded_month_shows_the_right_letters(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.seed_person("Ada", Some("R&D"), "active", false).await;
    let bea = app.seed_person("Bea", Some("R&D"), "active", false).await;
    app.seed_person("Cy", Some("Ops"), "active", false).await;
    app.seed_record(Seed::new(ada, "2026-03-02", "present"))
        .await;
    app.seed_record(Seed::new(ada, "2026-03-03", "late")).await;
    app.seed_record(Seed::new(bea, "2026-03-06", "pending"))
        .await;
    // Work on a Saturday is work.
    app.seed_record(Seed::new(bea, "2026-03-07", "present"))
        .await;
    app.seed_exception(Some(ada), "2026-03-04", "leave", true, true)
        .await;
    // Leave still waiting for approval is no day off.
    app.seed_exception(Some(bea), "2026-03-09", "leave", true, false)
        .await;
    app.seed_exception(None, "2026-03-05", "holiday", false, false)
        .await;

    let body = app
        .get_ok(&format!("{SHEET}?year=2026&month=3&department=R%26D"))
        .await;
    assert_eq!(body["meta"]["total"], 2);
    let sheet = &body["data"];
    assert_eq!(sheet["days"].as_array().map(Vec::len), Some(31));
    assert_eq!(sheet["days"][0]["kind"], "weekend");
    assert_eq!(sheet["days"][4]["kind"], "holiday");
    assert_eq!(sheet["days"][1]["weekday"], 0);

    let persons = sheet["persons"].as_array().expect("persons");
    assert_eq!(persons[0]["name"], "Ada");
    let ada_row = letters(&persons[0]);
    assert_eq!(
        &ada_row[..10],
        ["W", "P", "LT", "L", "H", "A", "W", "W", "A", "A"]
    );
    assert_eq!(persons[0]["cells"][1]["worked_minutes"], 480);
    let totals = &persons[0]["totals"];
    assert_eq!(totals["present"], 2);
    assert_eq!(totals["late"], 1);
    assert_eq!(totals["leave"], 1);
    assert_eq!(totals["holiday"], 1);
    assert_eq!(totals["weekend"], 9);
    // 22 weekdays, less the holiday, less 2 present and 1 leave.
    assert_eq!(totals["absent"], 18);
    assert_eq!(totals["worked_minutes"], 960);

    let bea_row = letters(&persons[1]);
    assert_eq!(&bea_row[5..9], ["PD", "P", "W", "A"]);

    let day = |i: usize| sheet["day_totals"][i].clone();
    // Monday 2nd: Ada there, Bea absent.
    assert_eq!(
        (day(1)["present"].clone(), day(1)["absent"].clone()),
        (1.into(), 1.into())
    );
    // Wednesday 4th: Ada on leave, Bea absent.
    assert_eq!(
        (day(3)["leave"].clone(), day(3)["absent"].clone()),
        (1.into(), 1.into())
    );
    // Friday 6th: Bea pending, Ada absent; Saturday 7th: Bea there, nobody absent.
    assert_eq!(
        (day(5)["pending"].clone(), day(5)["absent"].clone()),
        (1.into(), 1.into())
    );
    assert_eq!(
        (day(6)["present"].clone(), day(6)["absent"].clone()),
        (1.into(), 0.into())
    );
    // A day's column sums to its total.
    for (i, _) in sheet["days"].as_array().expect("days").iter().enumerate() {
        let absent = persons
            .iter()
            .filter(|p| p["cells"][i]["status"] == "absent")
            .count();
        assert_eq!(day(i)["absent"], absent, "day {i}");
    }

    // Pages of persons; the day totals stay the whole selection's.
    let page = app
        .get_ok(&format!(
            "{SHEET}?year=2026&month=3&department=R%26D&page=2&page_size=1"
        ))
        .await;
    assert_eq!(page["data"]["persons"][0]["name"], "Bea");
    assert_eq!(page["data"]["day_totals"][1]["absent"], 1);
    assert_eq!(page["meta"]["totalPages"], 2);
    let everyone = app.get_ok(&format!("{SHEET}?year=2026&month=3")).await;
    assert_eq!(everyone["meta"]["total"], 3);

    let response = app
        .get(&format!(
            "{SHEET}?year=2026&month=3&department=R%26D&format=csv"
        ))
        .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("CSV");
    let mut lines = text.lines();
    let header = lines.next().expect("a header");
    assert!(
        header.starts_with("person_id,name,department,organization,2026-03-01,2026-03-02,"),
        "{header}"
    );
    assert!(header.ends_with(",worked_minutes,late_minutes"), "{header}");
    let ada_line = lines.next().expect("Ada's row");
    assert!(ada_line.contains(",Ada,R&D,,W,P,LT,L,H,A,"), "{ada_line}");

    assert_error(
        app.get(&format!("{SHEET}?year=2026&month=13")).await,
        400,
        "invalid_parameters",
    )
    .await;
    assert_error(
        app.get(&format!("{SHEET}?year=2026&month=3&format=csv&page=1"))
            .await,
        400,
        "invalid_parameters",
    )
    .await;
}

on_both_backends!(a_seeded_month_shows_the_right_letters);
