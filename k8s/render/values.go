// The chart and what templates see: Chart.yaml as Helm's chart.Metadata, values.yaml coalesced
// with the user's -f files and --set flags as Helm's chartutil does, and the .Release,
// .Capabilities, .Files objects.

package main

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
	"sigs.k8s.io/yaml"
)

// Metadata is Helm's chart.Metadata (the fields templates read as .Chart.Name, .Chart.Version...).
type Metadata struct {
	Name         string            `json:"name,omitempty"`
	Home         string            `json:"home,omitempty"`
	Sources      []string          `json:"sources,omitempty"`
	Version      string            `json:"version,omitempty"`
	Description  string            `json:"description,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Icon         string            `json:"icon,omitempty"`
	APIVersion   string            `json:"apiVersion,omitempty"`
	Condition    string            `json:"condition,omitempty"`
	Tags         string            `json:"tags,omitempty"`
	AppVersion   string            `json:"appVersion,omitempty"`
	Deprecated   bool              `json:"deprecated,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	KubeVersion  string            `json:"kubeVersion,omitempty"`
	Type         string            `json:"type,omitempty"`
	Maintainers  []interface{}     `json:"maintainers,omitempty"`
	Dependencies []interface{}     `json:"dependencies,omitempty"`
}

// Chart is a chart directory read from disk.
type Chart struct {
	Metadata  Metadata
	Values    map[string]interface{}
	Templates map[string]string // "<chart name>/templates/x.yaml" -> text
	Files     Files             // other files, as .Files
}

func loadChart(dir string) (*Chart, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	c := &Chart{Templates: map[string]string{}, Files: Files{}}
	if err := yaml.UnmarshalStrict(raw, &c.Metadata); err != nil {
		return nil, fmt.Errorf("Chart.yaml: %w", err)
	}
	if c.Metadata.APIVersion != "v2" {
		return nil, fmt.Errorf("Chart.yaml: apiVersion must be v2 (Helm 3), got %q", c.Metadata.APIVersion)
	}
	if c.Metadata.Name == "" || c.Metadata.Version == "" {
		return nil, fmt.Errorf("Chart.yaml: name and version are required")
	}
	if _, err := semver.StrictNewVersion(c.Metadata.Version); err != nil {
		return nil, fmt.Errorf("Chart.yaml: version %q is not SemVer 2: %w", c.Metadata.Version, err)
	}
	c.Values, err = readValuesFile(filepath.Join(dir, "values.yaml"))
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "charts")); err == nil {
		return nil, fmt.Errorf("subcharts (charts/) are not supported by this renderer")
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(rel, "templates/"):
			c.Templates[path.Join(c.Metadata.Name, rel)] = string(data)
		case rel == "Chart.yaml" || rel == "values.yaml" || rel == "values.schema.json":
		default:
			c.Files[rel] = data
		}
		return nil
	})
	return c, err
}

// readValuesFile parses YAML the way Helm reads values (sigs.k8s.io/yaml: through JSON, so
// every number is a float64, as templates see it under Helm).
func readValuesFile(p string) (map[string]interface{}, error) {
	raw, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	v := map[string]interface{}{}
	if err := yaml.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return v, nil
}

// mergeMaps is Helm's values-file merge (pkg/cli/values): later files win, maps merge
// recursively, everything else replaces.
func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bv, ok := v.(map[string]interface{}); ok {
			if av, ok := out[k].(map[string]interface{}); ok {
				out[k] = mergeMaps(av, bv)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// coalesce is Helm's chartutil.CoalesceValues for a chart without subcharts: the user's values
// win over the chart's defaults, tables merge, and a user value of null deletes the key.
func coalesce(user, defaults map[string]interface{}) map[string]interface{} {
	dst := deepCopy(user).(map[string]interface{})
	coalesceTables(dst, deepCopy(defaults).(map[string]interface{}))
	return dst
}

func coalesceTables(dst, src map[string]interface{}) {
	for key, val := range src {
		dv, ok := dst[key]
		switch {
		case ok && dv == nil:
			delete(dst, key)
		case !ok:
			dst[key] = val
		default:
			sv, srcTable := val.(map[string]interface{})
			dvt, dstTable := dv.(map[string]interface{})
			if srcTable && dstTable {
				coalesceTables(dvt, sv)
			} else if srcTable && !dstTable {
				fmt.Fprintf(os.Stderr, "warning: cannot overwrite table with non table for %s (%v)\n", key, val)
			} else if dstTable && val != nil {
				fmt.Fprintf(os.Stderr, "warning: destination for %s is a table. Ignoring non-table value (%v)\n", key, val)
			}
		}
	}
}

func deepCopy(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []interface{}:
		l := make([]interface{}, len(t))
		for i, x := range t {
			l[i] = deepCopy(x)
		}
		return l
	default:
		return v
	}
}

// setValue applies one --set / --set-string assignment list ("a.b=1,c=x") as Helm's strvals
// does for dotted keys: --set types true/false, null and integers (int64, not float64 as in
// files); --set-string keeps strings. List indexes (a[0]=x) are not supported here.
func setValue(vals map[string]interface{}, assignments string, asString bool) error {
	for _, a := range splitUnescaped(assignments, ',') {
		eq := strings.IndexByte(a, '=')
		if eq <= 0 {
			return fmt.Errorf("--set %q: expected key=value", a)
		}
		key, raw := a[:eq], strings.ReplaceAll(a[eq+1:], `\,`, ",")
		if strings.ContainsAny(key, "[]") {
			return fmt.Errorf("--set %q: list indexes are not supported by this renderer; use a values file", a)
		}
		parts := splitUnescaped(key, '.')
		m := vals
		for _, p := range parts[:len(parts)-1] {
			p = strings.ReplaceAll(p, `\.`, ".")
			next, ok := m[p].(map[string]interface{})
			if !ok {
				next = map[string]interface{}{}
				m[p] = next
			}
			m = next
		}
		last := strings.ReplaceAll(parts[len(parts)-1], `\.`, ".")
		if asString {
			m[last] = raw
		} else {
			m[last] = typedVal(raw)
		}
	}
	return nil
}

func splitUnescaped(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == sep {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// typedVal is strvals.typedVal: a leading zero keeps a string ("0700"), so does anything that
// is not an int64.
func typedVal(val string) interface{} {
	switch {
	case strings.EqualFold(val, "true"):
		return true
	case strings.EqualFold(val, "false"):
		return false
	case strings.EqualFold(val, "null"):
		return nil
	case val == "0":
		return int64(0)
	}
	if len(val) > 0 && val[0] != '0' {
		if iv, err := strconv.ParseInt(val, 10, 64); err == nil {
			return iv
		}
	}
	return val
}

// Files is .Files: the chart's non-template files.
type Files map[string][]byte

func (f Files) GetBytes(name string) []byte { return f[name] }
func (f Files) Get(name string) string      { return string(f[name]) }

func (f Files) Lines(name string) []string {
	s := string(f[name])
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "\n")
}

func (f Files) Glob(pattern string) Files {
	out := Files{}
	for name, data := range f {
		if ok, _ := path.Match(pattern, name); ok {
			out[name] = data
		}
	}
	return out
}

// KubeVersion and Capabilities mirror chartutil.Capabilities for the version given on the
// command line (Helm's default without a cluster is its own built-in version).
type KubeVersion struct {
	Version string
	Major   string
	Minor   string
}

func (kv KubeVersion) String() string     { return kv.Version }
func (kv KubeVersion) GitVersion() string { return kv.Version }

// VersionSet is .Capabilities.APIVersions: group/versions and group/version/kinds.
type VersionSet []string

func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

type HelmVersion struct {
	Version   string
	GitCommit string
	GoVersion string
}

type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
	HelmVersion HelmVersion
}

// builtinAPIVersions: the stable API groups of Kubernetes 1.25+ (what the chart may test with
// .Capabilities.APIVersions.Has), as group/version and group/version/Kind.
var builtinAPIVersions = map[string][]string{
	"v1":                           {"ConfigMap", "Secret", "Service", "ServiceAccount", "Namespace", "PersistentVolumeClaim", "Pod"},
	"apps/v1":                      {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"},
	"batch/v1":                     {"Job", "CronJob"},
	"autoscaling/v1":               {"HorizontalPodAutoscaler"},
	"autoscaling/v2":               {"HorizontalPodAutoscaler"},
	"policy/v1":                    {"PodDisruptionBudget"},
	"networking.k8s.io/v1":         {"Ingress", "IngressClass", "NetworkPolicy"},
	"rbac.authorization.k8s.io/v1": {"Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"},
	"storage.k8s.io/v1":            {"StorageClass"},
	"scheduling.k8s.io/v1":         {"PriorityClass"},
}

func newCapabilities(kubeVersion string, extra []string) (Capabilities, error) {
	v, err := semver.NewVersion(kubeVersion)
	if err != nil {
		return Capabilities{}, fmt.Errorf("--kube-version %q: %w", kubeVersion, err)
	}
	var set VersionSet
	for gv, kinds := range builtinAPIVersions {
		set = append(set, gv)
		for _, k := range kinds {
			set = append(set, gv+"/"+k)
		}
	}
	set = append(set, extra...)
	sort.Strings(set)
	return Capabilities{
		KubeVersion: KubeVersion{
			Version: "v" + v.String(),
			Major:   strconv.FormatUint(v.Major(), 10),
			Minor:   strconv.FormatUint(v.Minor(), 10),
		},
		APIVersions: set,
		HelmVersion: HelmVersion{Version: "v3", GitCommit: "faceattend-k8s-render"},
	}, nil
}

// checkKubeVersion is Helm's refusal of a chart whose kubeVersion excludes the target cluster.
func checkKubeVersion(md Metadata, caps Capabilities) error {
	if md.KubeVersion == "" {
		return nil
	}
	c, err := semver.NewConstraint(md.KubeVersion)
	if err != nil {
		return fmt.Errorf("Chart.yaml: kubeVersion %q: %w", md.KubeVersion, err)
	}
	v, _ := semver.NewVersion(caps.KubeVersion.Version)
	if !c.Check(v) {
		return fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", md.KubeVersion, caps.KubeVersion.Version)
	}
	return nil
}
