// The template engine: Helm 3's pkg/engine rebuilt on the same libraries (Go text/template,
// sprig v3's TxtFuncMap, sigs.k8s.io/yaml), so a chart renders here as `helm template` renders it.
// What Helm does and this file mirrors, function by function:
//   - every template of the chart is parsed into one template set, in Helm's order (shallower
//     paths first, then by name), so partials share their `define`s with every file;
//   - files whose base name starts with "_" are parsed but not rendered, NOTES.txt is not
//     rendered (as `helm template` without --notes);
//   - sprig's functions minus env/expandenv, plus Helm's include, tpl, required, fail, toYaml,
//     fromYaml, fromYamlArray, toJson, fromJson, fromJsonArray, toToml is left out (no TOML
//     library in Debian's Go packages; the chart does not use it), lookup returns an empty map
//     (as without a cluster), getHostByName returns "" (as without --enable-dns);
//   - missingkey=zero, and "<no value>" removed from the output.

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"sigs.k8s.io/yaml"
)

// Helm wraps the messages of `required` and `fail` in these markers and strips them again when
// it reports the error; the same here, so a chart's own message comes out verbatim.
const (
	warnStartDelim = "HELM_ERR_START"
	warnEndDelim   = "HELM_ERR_END"
	// Helm's bound on nested includes of one template (a runaway recursion fails instead of
	// exhausting the stack).
	recursionMaxNums = 1000
)

func warnWrap(warn string) string { return warnStartDelim + warn + warnEndDelim }

// funcMap is Helm's funcs.go: sprig's text functions without the environment readers, and
// Helm's serialisers. include/tpl/required/fail are bound per render in initFuncMap.
func funcMap() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	extra := template.FuncMap{
		"toYaml":        toYAML,
		"fromYaml":      fromYAML,
		"fromYamlArray": fromYAMLArray,
		"toJson":        toJSON,
		"fromJson":      fromJSON,
		"fromJsonArray": fromJSONArray,
		"lookup": func(string, string, string, string) (map[string]interface{}, error) {
			return map[string]interface{}{}, nil
		},
		"getHostByName": func(string) string { return "" },
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func toYAML(v interface{}) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		// Helm swallows the error the same way: the template decides what an empty result means.
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func fromYAML(str string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromYAMLArray(str string) []interface{} {
	a := []interface{}{}
	if err := yaml.Unmarshal([]byte(str), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

func toJSON(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

func fromJSON(str string) map[string]interface{} {
	m := make(map[string]interface{})
	if err := json.Unmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(str string) []interface{} {
	a := []interface{}{}
	if err := json.Unmarshal([]byte(str), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

// initFuncMap binds the functions that need the template set itself (include, tpl) or Helm's
// error conventions (required, fail), as Helm's Engine.initFunMap does outside lint mode.
func initFuncMap(t *template.Template) {
	f := funcMap()
	included := map[string]int{}
	f["include"] = includeFun(t, included)
	f["tpl"] = tplFun(t, included)
	f["required"] = func(warn string, val interface{}) (interface{}, error) {
		if val == nil {
			return val, errors.New(warnWrap(warn))
		}
		if s, ok := val.(string); ok && s == "" {
			return val, errors.New(warnWrap(warn))
		}
		return val, nil
	}
	f["fail"] = func(msg string) (string, error) { return "", errors.New(warnWrap(msg)) }
	t.Funcs(f)
}

func includeFun(t *template.Template, included map[string]int) func(string, interface{}) (string, error) {
	return func(name string, data interface{}) (string, error) {
		var buf strings.Builder
		if v, ok := included[name]; ok {
			if v > recursionMaxNums {
				return "", fmt.Errorf("rendering template has a nested reference name: %s: unable to execute template", name)
			}
			included[name]++
		} else {
			included[name] = 1
		}
		err := t.ExecuteTemplate(&buf, name, data)
		included[name]--
		return buf.String(), err
	}
}

// tplFun renders a string as a template against the whole template set (so it may include
// the chart's partials), named after the calling template as Helm names it.
func tplFun(parent *template.Template, included map[string]int) func(string, interface{}) (string, error) {
	return func(text string, vals interface{}) (string, error) {
		t, err := parent.Clone()
		if err != nil {
			return "", fmt.Errorf("cannot clone template: %w", err)
		}
		t.Option("missingkey=zero")
		t.Funcs(template.FuncMap{
			"include": includeFun(t, included),
			"tpl":     tplFun(t, included),
		})
		name := "tpl"
		if top, ok := vals.(map[string]interface{}); ok {
			if tm, ok := top["Template"].(map[string]interface{}); ok {
				if n, ok := tm["Name"].(string); ok {
					name = n
				}
			}
		}
		t, err = t.New(name).Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var buf strings.Builder
		if err := t.Execute(&buf, vals); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
}

// sortTemplates is Helm's parse order: by number of path separators, then by name, deepest
// first (sort.Reverse of byPathLen).
func sortTemplates(names []string) []string {
	out := append([]string(nil), names...)
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		ca, cb := strings.Count(a, "/"), strings.Count(b, "/")
		if ca == cb {
			return a > b
		}
		return ca > cb
	})
	return out
}

// isRendered: files named _* only hold definitions; NOTES.txt is the post-install message,
// rendered only when asked for (helm template --notes, or helm install, which prints it).
func isRendered(name string, notes bool) bool {
	base := path.Base(name)
	return !strings.HasPrefix(base, "_") && (notes || base != "NOTES.txt")
}

// render parses every template (name -> text) and executes the renderable ones with the
// top-level values, returning name -> output.
func render(templates map[string]string, top map[string]interface{}, basePath string, notes bool) (map[string]string, error) {
	t := template.New("gotpl")
	t.Option("missingkey=zero")
	initFuncMap(t)
	names := make([]string, 0, len(templates))
	for n := range templates {
		names = append(names, n)
	}
	names = sortTemplates(names)
	for _, name := range names {
		if _, err := t.New(name).Parse(templates[name]); err != nil {
			return nil, fmt.Errorf("parse error in %s: %s", name, cleanError(err))
		}
	}
	out := make(map[string]string, len(names))
	for _, name := range names {
		if !isRendered(name, notes) {
			continue
		}
		top["Template"] = map[string]interface{}{"Name": name, "BasePath": basePath}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, name, top); err != nil {
			return nil, fmt.Errorf("%s", cleanError(err))
		}
		out[name] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	return out, nil
}

// cleanError reduces Go's nested "template: x:1:2: executing ... error calling fail:" chain to
// the location and the chart's own message, as Helm's reformatExecErrorMsg does.
func cleanError(err error) string {
	msg := err.Error()
	start := strings.Index(msg, warnStartDelim)
	end := strings.Index(msg, warnEndDelim)
	if start >= 0 && end > start {
		// The innermost location: the template that called fail/required.
		loc := ""
		if i := strings.LastIndex(msg[:start], "template: "); i >= 0 {
			rest := msg[i+len("template: "):]
			if j := strings.Index(rest, ": executing"); j > 0 {
				loc = rest[:j]
			}
		}
		inner := msg[start+len(warnStartDelim) : end]
		if loc != "" {
			return fmt.Sprintf("execution error at (%s): %s", loc, inner)
		}
		return inner
	}
	return msg
}
