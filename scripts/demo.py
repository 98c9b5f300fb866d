#!/usr/bin/env python3
"""`make demo` helper: pick people from a folder of photos, enrol some through person-api,
and list the attendance records as camera-agent and the pipeline produce them.

  demo.py plan FACES_DIR                 -> prints: enrol lines "Name<TAB>photo" and the video's photos
  demo.py enrol API_URL TOKEN PLAN_FILE  -> creates and enrols the people of the plan; writes their
                                            ids to PLAN_FILE.ids
  demo.py watch ATTENDANCE_URL TOKEN IDS_FILE [PERSONS_URL]
                                         -> prints today's attendance records (every kind: camera,
                                            manual, checked out, absent) until every person of
                                            IDS_FILE is checked in (names when PERSONS_URL is given)

Standard library only (python3 is already needed by the project's scripts).
"""
import base64
import json
import os
import sys
import time
import urllib.request

NAMES = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra"]


def photos_of(folder):
    return sorted(
        os.path.join(folder, f)
        for f in os.listdir(folder)
        if f.lower().endswith((".jpg", ".jpeg", ".png", ".webp"))
    )


def plan(faces_dir):
    people = [
        os.path.join(faces_dir, d)
        for d in sorted(os.listdir(faces_dir))
        if os.path.isdir(os.path.join(faces_dir, d))
    ]
    people = [p for p in people if len(photos_of(p)) >= 3]
    if len(people) < 3:
        sys.exit(f"demo: {faces_dir} needs 3 folders (one per person) of at least 3 photos each")
    enrolled, stranger = people[:2], people[2]
    # Enrol two photos of each employee; the camera sees a third one, and a stranger.
    for name, folder in zip(NAMES, enrolled):
        for photo in photos_of(folder)[:2]:
            print(f"enrol\t{name}\t{photo}")
    for folder in enrolled:
        print(f"video\t{photos_of(folder)[2]}")
    print(f"video\t{photos_of(stranger)[0]}")


def call(method, url, token, body=None):
    request = urllib.request.Request(
        url,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def enrol(api, token, plan_file):
    ids = {}
    with open(plan_file) as lines:
        for line in lines:
            kind, *rest = line.rstrip("\n").split("\t")
            if kind != "enrol":
                continue
            name, photo = rest
            if name not in ids:
                first, last = name.split(" ", 1)
                email = f"{first.lower()}.{int(time.time() * 1000)}@demo.example.com"
                person = call("POST", f"{api}/api/v1/persons", token,
                              {"first_name": first, "last_name": last, "email": email,
                               "department": "Demo"})
                ids[name] = person["data"]["id"]
            with open(photo, "rb") as f:
                frame = base64.b64encode(f.read()).decode()
            call("POST", f"{api}/api/v1/persons/{ids[name]}/enroll", token,
                 {"frame_data": frame, "use_largest_face": True})
            print(f"demo: enrolled {name} ({ids[name]}) from {os.path.basename(photo)}", file=sys.stderr)
    with open(plan_file + ".ids", "w") as out:
        out.writelines(f"{person_id}\n" for person_id in ids.values())


def name_of(persons, token, person_id):
    if not persons:
        return person_id
    try:
        person = call("GET", f"{persons}/api/v1/persons/{person_id}", token)["data"]
        return f"{person['first_name']} {person['last_name']} ({person_id})"
    except (OSError, KeyError, ValueError):
        return person_id


def describe(record, name):
    """One line for any attendance record a day can hold: by camera (with a confidence), manual
    (no confidence), checked out or not, or a day without a check-in (absent, on leave)."""
    def event(kind):
        time_ = record.get(f"{kind}_time")
        if not time_:
            return None
        confidence = record.get(f"{kind}_confidence")
        how = record.get(f"{kind}_source") or ("manual" if record.get("is_manual") else "camera")
        if confidence is not None:
            how += f", confidence {confidence:.2f}"
        return f"{kind.replace('_', '-')} {time_} ({how})"

    events = [e for e in (event("check_in"), event("check_out")) if e]
    return f"demo: {name}: {'; '.join(events) or 'no check-in'}; status {record.get('status')}"


def watch(attendance, token, ids_file, persons=None):
    with open(ids_file) as lines:
        expected = {line.strip() for line in lines if line.strip()}
    printed = {}
    checked_in = set()
    deadline = time.time() + 120
    while time.time() < deadline and not expected <= checked_in:
        body = call("GET", f"{attendance}/api/v1/attendance?page_size=100", token)
        for record in body.get("data", []):
            # Every record of the day is shown once, and again when it changes (a check-out).
            line = describe(record, record["person_id"])
            if printed.get(record["id"]) != line:
                printed[record["id"]] = line
                print(describe(record, name_of(persons, token, record["person_id"])),
                      file=sys.stderr)
            if record.get("check_in_time"):
                checked_in.add(record["person_id"])
        time.sleep(1)
    if not expected <= checked_in:
        print(f"demo: {len(expected & checked_in)} of {len(expected)} enrolled people checked in "
              "after 2 minutes; see .local/run/*.log", file=sys.stderr)


if __name__ == "__main__":
    command, *args = sys.argv[1:] or ["help"]
    if command == "plan":
        plan(*args)
    elif command == "enrol":
        enrol(*args)
    elif command == "watch":
        watch(args[0], args[1], args[2], *args[3:4])
    else:
        sys.exit(__doc__)
