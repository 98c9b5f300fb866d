package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeChart lays out a chart directory from name -> content.
func writeChart(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const chartYAML = "apiVersion: v2\nname: demo\nversion: 1.2.3\nappVersion: \"9.9\"\nkubeVersion: \">=1.25.0-0\"\n"

func TestPartialsShareDefinitionsAndAreNotRendered(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"Chart.yaml":            chartYAML,
		"values.yaml":           "name: cm\n",
		"templates/_names.tpl":  `{{- define "demo.name" -}}{{ .Values.name }}-{{ .Chart.AppVersion }}{{- end }}` + "\nnot: rendered\n",
		"templates/cm.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include \"demo.name\" . }}\ndata:\n  tpl: {{ tpl \"{{ .Release.Namespace }}/{{ .Template.Name }}\" . | quote }}\n  missing: \"{{ .Values.nothing }}\"\n",
		"templates/NOTES.txt":   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\n",
		"templates/z/deep.yaml": "{{- if false }}\napiVersion: v1\n{{- end }}\n",
	})
	ms, err := Render(Options{ChartDir: dir, ReleaseName: "r", Namespace: "ns", KubeVersion: "1.30.0"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 {
		t.Fatalf("want only cm.yaml's ConfigMap, got %+v", ms)
	}
	_, notes, err := renderAll(Options{ChartDir: dir, ReleaseName: "r", Namespace: "ns", KubeVersion: "1.30.0", Notes: true})
	if err != nil || !strings.Contains(notes, "name: notes") {
		t.Errorf("NOTES.txt not rendered on request: %q, %v", notes, err)
	}
	m := ms[0]
	if m.Name != "cm-9.9" || m.Source != "demo/templates/cm.yaml" {
		t.Fatalf("unexpected object %+v", m)
	}
	if !strings.Contains(m.Content, `tpl: "ns/demo/templates/cm.yaml"`) {
		t.Errorf("tpl did not render with the caller's name and values:\n%s", m.Content)
	}
	// missingkey=zero and Helm's "<no value>" removal: a missing value renders empty.
	if !strings.Contains(m.Content, `missing: ""`) {
		t.Errorf("a missing value did not render empty:\n%s", m.Content)
	}
}

func TestValuesCoalesceLikeHelm(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"Chart.yaml":  chartYAML,
		"values.yaml": "a:\n  keep: 1\n  drop: 2\n  n: 3\nlist: [1, 2]\n",
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n" +
			"  keep: {{ kindOf .Values.a.keep | quote }}\n" +
			"  drop: {{ hasKey .Values.a \"drop\" | quote }}\n" +
			"  n: {{ printf \"%v/%T\" .Values.a.n .Values.a.n | quote }}\n" +
			"  list: {{ .Values.list | toJson | quote }}\n",
	})
	f1 := filepath.Join(dir, "one.yaml")
	f2 := filepath.Join(dir, "two.yaml")
	os.WriteFile(f1, []byte("a:\n  drop: null\nlist: [7]\n"), 0o644)
	os.WriteFile(f2, []byte("a:\n  n: 4\n"), 0o644)
	ms, err := Render(Options{ChartDir: dir, ValueFiles: []string{f1, f2}, Set: []string{"a.n=5"}, ReleaseName: "r", Namespace: "ns", KubeVersion: "1.30.0"})
	if err != nil {
		t.Fatal(err)
	}
	c := ms[0].Content
	for _, want := range []string{
		`keep: "float64"`, // numbers from YAML files are float64, as under Helm
		`drop: "false"`,   // a user null deletes the chart's default
		`n: "5/int64"`,    // --set wins over files and types integers as int64
		`list: "[7]"`,     // lists replace, they do not merge
	} {
		if !strings.Contains(c, want) {
			t.Errorf("want %s in\n%s", want, c)
		}
	}
}

func TestFailAndRequiredStopTheRenderWithTheChartsMessage(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"Chart.yaml":        chartYAML,
		"values.yaml":       "x: \"\"\n",
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ required \"x is required\" .Values.x }}\n",
	})
	_, err := Render(Options{ChartDir: dir, ReleaseName: "r", Namespace: "ns", KubeVersion: "1.30.0"})
	if err == nil || !strings.Contains(err.Error(), "execution error at (demo/templates/cm.yaml:4:11): x is required") {
		t.Fatalf("want the required message with its location, got %v", err)
	}
}

func TestKubeVersionConstraintIsEnforced(t *testing.T) {
	dir := writeChart(t, map[string]string{"Chart.yaml": chartYAML, "values.yaml": ""})
	_, err := Render(Options{ChartDir: dir, ReleaseName: "r", Namespace: "ns", KubeVersion: "1.24.9"})
	if err == nil || !strings.Contains(err.Error(), "incompatible with Kubernetes v1.24.9") {
		t.Fatalf("want a kubeVersion refusal, got %v", err)
	}
}

func TestNonObjectDocumentIsAnError(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"Chart.yaml":       chartYAML,
		"values.yaml":      "",
		"templates/x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\nfoo: [\n",
	})
	_, err := Render(Options{ChartDir: dir, ReleaseName: "r", Namespace: "ns", KubeVersion: "1.30.0"})
	if err == nil || !strings.Contains(err.Error(), "YAML parse error on demo/templates/x.yaml") {
		t.Fatalf("want a YAML parse error naming the file, got %v", err)
	}
}

// The faceattend chart's own guards, through this engine.
func TestFaceattendChartRefusesAShortJWTSecret(t *testing.T) {
	_, err := Render(Options{
		ChartDir:    "../faceattend",
		Set:         []string{"auth.hs256.enabled=true", "jwt.secret=too-short", "database.url=postgres://u@h/db"},
		ReleaseName: "faceattend", Namespace: "fa", KubeVersion: "1.30.0",
	})
	if err == nil || !strings.Contains(err.Error(), "jwt.secret must be at least 32 bytes long") {
		t.Fatalf("want the chart's jwt.secret refusal, got %v", err)
	}
}

func TestSetTypesValuesAsHelmsStrvals(t *testing.T) {
	vals := map[string]interface{}{}
	if err := setValue(vals, `a.b=007,a.c=12,a.d=true,a.e=x\,y,f\.g=1`, false); err != nil {
		t.Fatal(err)
	}
	a := vals["a"].(map[string]interface{})
	if a["b"] != "007" || a["c"] != int64(12) || a["d"] != true || a["e"] != "x,y" || vals["f.g"] != int64(1) {
		t.Fatalf("unexpected --set result %#v", vals)
	}
	if err := setValue(vals, "list[0]=x", false); err == nil {
		t.Fatal("a list index must be refused, not mis-set")
	}
}

func TestManifestsComeInHelmsInstallOrder(t *testing.T) {
	ms, err := splitManifests(map[string]string{
		"c/templates/a.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n",
		"c/templates/b.yaml": "# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, m := range ms {
		kinds = append(kinds, m.Kind)
	}
	if strings.Join(kinds, ",") != "ConfigMap,Service,Deployment" {
		t.Fatalf("want ConfigMap,Service,Deployment, got %v", kinds)
	}
}
