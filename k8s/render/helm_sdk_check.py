"""Cross-check of k8s/render against Helm itself, and `helm lint`, where Helm can be had.

PyPI's helm-python-sdk binds (ctypes) a C library built from Helm's official Go SDK (v4.2.3,
helm.sh/helm/v4: its engine, strvals, values and lint packages). It is not the helm CLI and it
is an alpha third-party binding, so it is the second opinion, not the check itself: for each
values file scripts/chart-check.sh renders, this renders the chart with Helm's engine and
requires the same documents, byte for byte, as k8s/render printed, the same NOTES.txt, and the
same refusal for the must-fail files; then runs Helm's linter (strict, Kubernetes 1.30) and
fails on any warning or error.

    python helm_sdk_check.py CHART KUBE_VERSION CASES_FILE

CASES_FILE has one case a line, fields separated by tabs:
    render  <release>  <namespace>  <k8s/render's output>  <its NOTES>  <values>...
    fail    <expected message>  <values file>
where a values field is a file path, or `set:a.b=c` for a --set. Exit status 1 on any
difference, naming the case, the template and the object.
"""

import re
import sys

import helm_python as helm

# Helm's releaseutil.SplitManifests separator, as k8s/render uses it.
SEP = re.compile(r"(?:^|\s*\n)---\s*")
SOURCE = re.compile(r"^# Source: (\S+)\n", re.M)


def values_of(args):
    """Values as `helm template -f a -f b --set x` builds them: files merged, then --set."""
    merged = {}
    for arg in args:
        if arg.startswith("set:"):
            layer = helm.parse_set_string(arg[len("set:"):])
        else:
            with open(arg, encoding="utf-8") as f:
                layer = helm.values_from_yaml(f.read())
        merged = merge(merged, layer)
    return merged


def merge(a, b):
    out = dict(a)
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out


def helm_documents(rendered):
    """(template, document) pairs of Helm's output, NOTES apart, empty documents dropped."""
    docs = []
    notes = ""
    for name, text in rendered.items():
        if name.endswith("/NOTES.txt"):
            notes = text
            continue
        for doc in SEP.split(text.strip()):
            doc = doc.strip()
            if doc and any(not l.lstrip().startswith("#") for l in doc.splitlines() if l.strip()):
                docs.append((name, doc))
    return sorted(docs), notes


def ours(path):
    """(template, document) pairs of k8s/render's output stream."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    docs = []
    for chunk in text.split("---\n")[1:]:
        m = SOURCE.match(chunk)
        if not m:
            raise SystemExit(f"{path}: a document without '# Source:'")
        docs.append((m.group(1), chunk[m.end():].strip()))
    return sorted(docs)


def describe(doc):
    kind = re.search(r"^kind: (\S+)", doc, re.M)
    name = re.search(r"^  name: (\S+)", doc, re.M)
    return f"{kind.group(1) if kind else '?'}/{name.group(1) if name else '?'}"


def check_render(chart, chart_dir, kube_version, release, namespace, rendered_path, notes_path, value_args):
    case = f"{rendered_path} ({' '.join(value_args)})"
    values = values_of(value_args)
    try:
        got = chart.render(values, name=release, namespace=namespace, is_install=True)
    except helm.HelmError as e:
        return [f"{case}: Helm refuses to render it: {e}"]
    helm_docs, helm_notes = helm_documents(got)
    our_docs = ours(rendered_path)
    problems = []
    if helm_docs != our_docs:
        h, o = set(helm_docs), set(our_docs)
        for src, doc in sorted(h - o):
            problems.append(f"{case}: {src} {describe(doc)}: Helm renders it differently or k8s/render lacks it:\n{doc}")
        for src, doc in sorted(o - h):
            problems.append(f"{case}: {src} {describe(doc)}: k8s/render's version, which Helm does not produce:\n{doc}")
        if not problems:
            problems.append(f"{case}: the same documents, not the same number of times")
    with open(notes_path, encoding="utf-8") as f:
        if f.read() != helm_notes:
            problems.append(f"{case}: NOTES.txt differs from Helm's")
    report = helm.lint(chart_dir, values, strict=True, kube_version="v" + kube_version)
    for m in report.get("messages", []):
        if m.get("severity", 0) >= 2:
            problems.append(f"{case}: helm lint: {m.get('path')}: {m.get('error')}")
    for e in report.get("errors", []):
        problems.append(f"{case}: helm lint: {e}")
    return problems


def check_fail(chart, want, values_file):
    try:
        chart.render(values_of([values_file]), name="faceattend", namespace="default", is_install=True)
    except helm.HelmError as e:
        if want in str(e):
            return []
        return [f"{values_file}: Helm refuses it, with another message than {want!r}: {e}"]
    return [f"{values_file}: Helm renders it; it must fail with {want!r}"]


if __name__ == "__main__":
    chart_dir, kube_version, cases_file = sys.argv[1:4]
    chart = helm.Chart.load(chart_dir)
    with open(cases_file, encoding="utf-8") as f:
        cases = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    problems = []
    for kind, *fields in cases:
        if kind == "render":
            release, namespace, rendered, notes, *value_args = fields
            problems += check_render(chart, chart_dir, kube_version, release, namespace, rendered, notes, value_args)
        elif kind == "fail":
            want, values_file = fields
            problems += check_fail(chart, want, values_file)
        else:
            raise SystemExit(f"{cases_file}: unknown case {kind!r}")
    for p in problems:
        print(f"helm-sdk-check: {p}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"helm-sdk-check: Helm {helm.helm_sdk_version()} renders the same {len(cases)} cases; helm lint --strict clean", file=sys.stderr)
