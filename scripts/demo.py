#!/usr/bin/env python3
"""`make demo` helper: pick people from a folder of photos, enrol some through person-api,
and list the attendance records as camera-agent and the pipeline produce them.

  demo.py plan FACES_DIR                 -> prints: enrol lines "Name<TAB>photo" and the video's photos
  demo.py enrol API_URL TOKEN PLAN_FILE  -> creates and enrols the people of the plan
  demo.py watch ATTENDANCE_URL TOKEN N [PERSONS_URL]
                                         -> prints attendance records until N people are checked in
                                            (with their names when PERSONS_URL is given)

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


def name_of(persons, token, person_id):
    if not persons:
        return person_id
    try:
        person = call("GET", f"{persons}/api/v1/persons/{person_id}", token)["data"]
        return f"{person['first_name']} {person['last_name']} ({person_id})"
    except (OSError, KeyError, ValueError):
        return person_id


def watch(attendance, token, expected, persons=None):
    seen = set()
    deadline = time.time() + 120
    while time.time() < deadline and len(seen) < expected:
        body = call("GET", f"{attendance}/api/v1/attendance?page_size=100", token)
        for record in body.get("data", []):
            key = record["person_id"]
            if record.get("check_in_time") and key not in seen:
                seen.add(key)
                print(f"demo: checked in {name_of(persons, token, key)} at {record['check_in_time']} "
                      f"(confidence {record['check_in_confidence']:.2f}, status {record['status']})",
                      file=sys.stderr)
        time.sleep(1)
    if len(seen) < expected:
        print(f"demo: {len(seen)} of {expected} people checked in after 2 minutes; see .local/run/*.log",
              file=sys.stderr)


if __name__ == "__main__":
    command, *args = sys.argv[1:] or ["help"]
    if command == "plan":
        plan(*args)
    elif command == "enrol":
        enrol(*args)
    elif command == "watch":
        watch(args[0], args[1], int(args[2]), *args[3:4])
    else:
        sys.exit(__doc__)
