// Command render is `helm template` for the faceattend chart on machines without Helm: Helm's
// engine (engine.go) and values handling (values.go) rebuilt on the libraries Helm itself uses,
// which Debian packages (golang-github-masterminds-sprig-dev, golang-k8s-sigs-yaml-dev), so it
// builds offline. scripts/chart-check.sh builds it and validates what it prints against the
// Kubernetes schemas.
//
//	render [-f values.yaml]... [--set k=v]... [--name faceattend] [--namespace ns]
//	       [--kube-version 1.30.0] [--split-dir DIR] [--notes FILE] CHART_DIR
//
// Output: the manifests as `helm template` prints them ("---\n# Source: <file>\n<doc>"), in
// Helm's install order. With --split-dir, one file per object as well, named
// <index>-<kind>-<name>.yaml, so a validator's complaint names the object. With --notes, NOTES.txt
// is rendered too (as helm install does) into FILE. Exit status 1 with
// the chart's own message on a template error (fail, required) or on a document that is not
// a Kubernetes object.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// Options is one `helm template` invocation.
type Options struct {
	ChartDir    string
	ValueFiles  []string
	Set         []string
	SetString   []string
	ReleaseName string
	Namespace   string
	KubeVersion string
	APIVersions []string
	Notes       bool // render NOTES.txt as well
}

// Manifest is one rendered Kubernetes object.
type Manifest struct {
	Source  string // template file it came from
	Kind    string
	Name    string
	Content string
}

func main() {
	var o Options
	var values, set, setString, apiVersions multiFlag
	var splitDir, notesFile string
	fl := flag.NewFlagSet("render", flag.ExitOnError)
	fl.Var(&values, "f", "values file (repeatable; later files win)")
	fl.Var(&values, "values", "same as -f")
	fl.Var(&set, "set", "key=value[,key=value] (repeatable)")
	fl.Var(&setString, "set-string", "key=value, value kept a string (repeatable)")
	fl.Var(&apiVersions, "api-versions", "extra .Capabilities.APIVersions entry (repeatable)")
	fl.StringVar(&o.ReleaseName, "name", "faceattend", "release name")
	fl.StringVar(&o.Namespace, "namespace", "default", "release namespace")
	fl.StringVar(&o.KubeVersion, "kube-version", "1.30.0", "Kubernetes version for .Capabilities and kubeVersion")
	fl.StringVar(&splitDir, "split-dir", "", "also write one file per object into this directory")
	fl.StringVar(&notesFile, "notes", "", "also render NOTES.txt into this file")
	// Flags may follow the chart directory, as with helm.
	args := os.Args[1:]
	var positional []string
	for len(args) > 0 {
		if err := fl.Parse(args); err != nil {
			os.Exit(2)
		}
		args = fl.Args()
		if len(args) > 0 {
			positional = append(positional, args[0])
			args = args[1:]
		}
	}
	if len(positional) != 1 {
		fmt.Fprintln(os.Stderr, "usage: render [flags] CHART_DIR")
		os.Exit(2)
	}
	o.ChartDir = positional[0]
	o.ValueFiles, o.Set, o.SetString, o.APIVersions = values, set, setString, apiVersions

	o.Notes = notesFile != ""
	manifests, notes, err := renderAll(o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %s\n", err)
		os.Exit(1)
	}
	var out strings.Builder
	for _, m := range manifests {
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", m.Source, m.Content)
	}
	os.Stdout.WriteString(out.String())
	if notesFile != "" {
		if err := os.WriteFile(notesFile, []byte(notes), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "Error: %s\n", err)
			os.Exit(1)
		}
	}
	if splitDir != "" {
		if err := writeSplit(splitDir, manifests); err != nil {
			fmt.Fprintf(os.Stderr, "Error: %s\n", err)
			os.Exit(1)
		}
	}
}

func writeSplit(dir string, manifests []Manifest) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i, m := range manifests {
		name := fmt.Sprintf("%02d-%s-%s.yaml", i+1, strings.ToLower(m.Kind), m.Name)
		body := fmt.Sprintf("# Source: %s\n%s\n", m.Source, m.Content)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Render is `helm template`: values, engine, then the manifests split and sorted.
func Render(o Options) ([]Manifest, error) {
	ms, _, err := renderAll(o)
	return ms, err
}

// renderAll is Render that also returns the rendered NOTES.txt when o.Notes is set.
func renderAll(o Options) ([]Manifest, string, error) {
	chart, err := loadChart(o.ChartDir)
	if err != nil {
		return nil, "", err
	}
	caps, err := newCapabilities(o.KubeVersion, o.APIVersions)
	if err != nil {
		return nil, "", err
	}
	if err := checkKubeVersion(chart.Metadata, caps); err != nil {
		return nil, "", err
	}
	user := map[string]interface{}{}
	for _, f := range o.ValueFiles {
		v, err := readValuesFile(f)
		if err != nil {
			return nil, "", err
		}
		user = mergeMaps(user, v)
	}
	for _, s := range o.Set {
		if err := setValue(user, s, false); err != nil {
			return nil, "", err
		}
	}
	for _, s := range o.SetString {
		if err := setValue(user, s, true); err != nil {
			return nil, "", err
		}
	}
	top := map[string]interface{}{
		"Values": coalesce(user, chart.Values),
		"Chart":  chart.Metadata,
		"Release": map[string]interface{}{
			"Name":      o.ReleaseName,
			"Namespace": o.Namespace,
			"Revision":  1,
			"IsUpgrade": false,
			"IsInstall": true,
			"Service":   "Helm",
		},
		"Capabilities": caps,
		"Files":        chart.Files,
		"Subcharts":    map[string]interface{}{},
	}
	rendered, err := render(chart.Templates, top, chart.Metadata.Name+"/templates", o.Notes)
	if err != nil {
		return nil, "", err
	}
	notesName := chart.Metadata.Name + "/templates/NOTES.txt"
	notes := rendered[notesName]
	delete(rendered, notesName)
	ms, err := splitManifests(rendered)
	return ms, notes, err
}

// Helm's releaseutil.SplitManifests separator.
var sep = regexp.MustCompile("(?:^|\\s*\n)---\\s*")

// installOrder is Helm's releaseutil.InstallOrder (kinds not listed come last, by name).
var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
	"PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList",
	"ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
	"CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
	"ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service",
	"DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
	"APIService",
}

// splitManifests cuts every rendered file into documents, drops empty ones, requires each to
// be a Kubernetes object (apiVersion, kind, metadata.name), and sorts by install order, then
// by source file and position, as Helm's SortManifests does.
func splitManifests(rendered map[string]string) ([]Manifest, error) {
	files := make([]string, 0, len(rendered))
	for f := range rendered {
		files = append(files, f)
	}
	sort.Strings(files)
	var out []Manifest
	for _, f := range files {
		for _, doc := range sep.Split(rendered[f], -1) {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Metadata   *struct {
					Name string `json:"name"`
				} `json:"metadata"`
			}
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				return nil, fmt.Errorf("YAML parse error on %s: %s\n%s", f, err, numbered(doc))
			}
			if head.APIVersion == "" || head.Kind == "" || head.Metadata == nil || head.Metadata.Name == "" {
				return nil, fmt.Errorf("%s: a document without apiVersion, kind or metadata.name:\n%s", f, numbered(doc))
			}
			out = append(out, Manifest{Source: f, Kind: head.Kind, Name: head.Metadata.Name, Content: strings.TrimSpace(doc)})
		}
	}
	rank := func(kind string) int {
		for i, k := range installOrder {
			if k == kind {
				return i
			}
		}
		return len(installOrder)
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := rank(out[i].Kind), rank(out[j].Kind)
		if ri != rj {
			return ri < rj
		}
		if ri == len(installOrder) && out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return false
	})
	return out, nil
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func numbered(doc string) string {
	var b strings.Builder
	for i, line := range strings.Split(doc, "\n") {
		fmt.Fprintf(&b, "%4d | %s\n", i+1, line)
	}
	return b.String()
}
