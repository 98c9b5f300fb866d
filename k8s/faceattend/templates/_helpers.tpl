{{/*
Chart-wide names and labels.
*/}}

{{- define "faceattend.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Release fullname (truncated to 63 chars, the DNS label limit). If the release name already
contains the chart name it is used as is: `helm install faceattend ...` gives "faceattend".
*/}}
{{- define "faceattend.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "faceattend.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels shared by every object of the release. Context: root. */}}
{{- define "faceattend.labels" -}}
helm.sh/chart: {{ include "faceattend.chart" . }}
app.kubernetes.io/name: {{ include "faceattend.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: faceattend
{{- end }}

{{- define "faceattend.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "faceattend.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Effective values of one service: serviceDefaults deep-merged with services.<key> (maps merge,
lists and scalars replace). Fills the dict passed as "out" (maps are references, so the caller
gets the result without a toYaml/fromYaml round trip that would turn integers into floats).

Usage:
  {{- $svc := dict }}
  {{- include "faceattend.svc.merge" (dict "root" $ "key" $key "out" $svc) }}
*/}}
{{- define "faceattend.svc.merge" -}}
{{- $raw := index .root.Values.services .key | default dict }}
{{- $merged := mergeOverwrite (deepCopy .root.Values.serviceDefaults) (deepCopy $raw) }}
{{- /* Re-apply the service's own non-map values on the first two levels: some Helm 3 releases'
       mergeOverwrite does not let false / 0 / "" / null override a default. */}}
{{- range $k, $v := $raw }}
{{- if kindIs "map" $v }}
{{- range $k2, $v2 := $v }}
{{- if not (kindIs "map" $v2) }}
{{- $_ := set (index $merged $k) $k2 $v2 }}
{{- end }}
{{- end }}
{{- else }}
{{- $_ := set $merged $k $v }}
{{- end }}
{{- end }}
{{- if not $merged.name }}
{{- $_ := set $merged "name" (kebabcase .key) }}
{{- end }}
{{- $_ := set $merged "key" .key }}
{{- range $k, $v := $merged }}
{{- $_ := set $.out $k $v }}
{{- end }}
{{- end }}

{{/*
Everything below takes the service context: (dict "root" $ "svc" $svc).
*/}}

{{- define "faceattend.svc.fullname" -}}
{{- printf "%s-%s" (include "faceattend.fullname" .root) .svc.name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "faceattend.svc.selectorLabels" -}}
app.kubernetes.io/name: {{ include "faceattend.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .svc.name }}
{{- end }}

{{- define "faceattend.svc.labels" -}}
{{ include "faceattend.labels" .root }}
app.kubernetes.io/component: {{ .svc.name }}
{{- end }}

{{- define "faceattend.svc.image" -}}
{{- $repo := .svc.image.repository | default (printf "%s/%s" (trimSuffix "/" .root.Values.image.registry) .svc.name) }}
{{- $tag := .svc.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion }}
{{- printf "%s:%s" $repo (toString $tag) }}
{{- end }}

{{/* Name of the existing Secret this service uses, or "" when the chart renders one. */}}
{{- define "faceattend.svc.existingSecret" -}}
{{- .svc.existingSecret | default .root.Values.existingSecret }}
{{- end }}

{{/* Name of the Secret the pods read (existing or chart-managed), or "" when none is needed. */}}
{{- define "faceattend.svc.secretName" -}}
{{- $existing := include "faceattend.svc.existingSecret" . }}
{{- if $existing }}
{{- $existing }}
{{- else if or (include "faceattend.svc.databaseInSecret" .) .svc.usesJwtSecret .svc.secretEnv (include "faceattend.svc.objectStoreKeys" .) }}
{{- include "faceattend.svc.fullname" . }}
{{- end }}
{{- end }}

{{/* "true" when DATABASE_URL comes from the service's Secret (existing or chart-managed), ""
     when the service has no database or takes it from databaseSecret. */}}
{{- define "faceattend.svc.databaseInSecret" -}}
{{- if and .svc.usesDatabase (not (.svc.databaseSecret | default dict).name) }}true{{ end }}
{{- end }}

{{/*
Refuses a service with ownDatabase (the console) that would end up with the other services'
database: the global existingSecret's DATABASE_URL, or database.url.
*/}}
{{- define "faceattend.svc.checkDatabase" -}}
{{- if and .svc.usesDatabase .svc.ownDatabase }}
{{- $ref := .svc.databaseSecret | default dict }}
{{- $what := printf "services.%s needs a database of its own (its migrations cannot share one with the other services)" .svc.key }}
{{- $how := printf "set services.%s.databaseSecret.name (an existing Secret with its DATABASE_URL), services.%s.databaseUrl, or services.%s.existingSecret" .svc.key .svc.key .svc.key }}
{{- if $ref.name }}
{{- if and (eq $ref.name (toString .root.Values.existingSecret)) (eq (toString ($ref.key | default "DATABASE_URL")) "DATABASE_URL") }}
{{- fail (printf "%s: services.%s.databaseSecret names the global existingSecret's DATABASE_URL, which is theirs; name a Secret (or a key) of its own" $what .svc.key) }}
{{- end }}
{{- else if not .svc.existingSecret }}
{{- if .root.Values.existingSecret }}
{{- fail (printf "%s: with the global existingSecret (its DATABASE_URL is theirs), set services.%s.databaseSecret.name (an existing Secret with its DATABASE_URL) or services.%s.existingSecret" $what .svc.key .svc.key) }}
{{- end }}
{{- if not .svc.databaseUrl }}
{{- fail (printf "%s: %s" $what $how) }}
{{- end }}
{{- if eq (toString .svc.databaseUrl) (toString .root.Values.database.url) }}
{{- fail (printf "%s: services.%s.databaseUrl is database.url" $what .svc.key) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* "true" when the service keeps objects and S3 keys are given (else "": IAM roles, files). */}}
{{- define "faceattend.svc.objectStoreKeys" -}}
{{- if and .svc.usesObjectStore .root.Values.objectStore.accessKeyId .root.Values.objectStore.secretAccessKey }}true{{ end }}
{{- end }}

{{/*
One env value as a string: integers stay integers (YAML numbers may arrive as float64, which
Go would print as 1.048576e+06), null becomes "", maps and lists become JSON (camera-agent's
CAMERAS is a list).
*/}}
{{- define "faceattend.envValue" -}}
{{- if kindIs "invalid" . }}
{{- else if or (kindIs "map" .) (kindIs "slice" .) }}
{{- toJson . }}
{{- else if kindIs "float64" . }}
{{- if eq . (float64 (int64 .)) }}{{ int64 . }}{{ else }}{{ . }}{{ end }}
{{- else }}
{{- toString . }}
{{- end }}
{{- end }}

{{/*
The non-secret env of a service, as a dict filled into "out": computed values, then commonEnv,
then the service's env. Context: (dict "root" $ "svc" $svc "out" $dict).
*/}}
{{- define "faceattend.svc.env" -}}
{{- $v := .root.Values }}
{{- $env := dict
      "NATS_URL" $v.nats.url
      "BUS_NAMESPACE" $v.busNamespace
      "JWT_ISSUER" $v.jwt.issuer
      "JWT_AUDIENCE" $v.jwt.audience
      "RUST_LOG" $v.logging.level
      "LOG_FORMAT" $v.logging.format
      "OTEL_EXPORTER_OTLP_ENDPOINT" $v.otel.endpoint
      "OTEL_SERVICE_NAME" .svc.name
      "BIND_ADDRESS" (printf "0.0.0.0:%s" (include "faceattend.envValue" .svc.port))
      "SHUTDOWN_TIMEOUT_SECS" .svc.shutdownTimeoutSeconds }}
{{- if .svc.usesObjectStore }}
{{- $o := $v.objectStore }}
{{- $_ := set $env "OBJECT_STORE_URL" $o.url }}
{{- $_ := set $env "AWS_ENDPOINT" $o.endpoint }}
{{- $_ := set $env "AWS_REGION" $o.region }}
{{- $_ := set $env "AWS_ALLOW_HTTP" (ternary "true" "" (eq (toString $o.allowHttp) "true")) }}
{{- end }}
{{- /* upstreams: the in-cluster URLs of the other services it calls. */}}
{{- range $var, $key := .svc.upstreams }}
{{- if not (hasKey $v.services $key) }}
{{- fail (printf "services.%s.upstreams.%s: there is no services.%s" $.svc.key $var $key) }}
{{- end }}
{{- $up := dict }}
{{- include "faceattend.svc.merge" (dict "root" $.root "key" $key "out" $up) }}
{{- if $up.enabled }}
{{- $_ := set $env $var (printf "http://%s:%s" (include "faceattend.svc.fullname" (dict "root" $.root "svc" $up)) (include "faceattend.envValue" $up.service.port)) }}
{{- else if not (include "faceattend.envValue" (index ($.svc.env | default dict) $var)) }}
{{- fail (printf "services.%s.upstreams.%s: services.%s is disabled; enable it, or set services.%s.env.%s to where it runs" $.svc.key $var $key $.svc.key $var) }}
{{- end }}
{{- end }}
{{- range $k, $val := $v.commonEnv }}
{{- $_ := set $env $k $val }}
{{- end }}
{{- range $k, $val := .svc.env }}
{{- $_ := set $env $k $val }}
{{- end }}
{{- /* The console behind its ingress: what it derives from it, where its env leaves it empty. */}}
{{- if eq .svc.key "console" }}
{{- $derived := dict }}
{{- if .svc.ingress.enabled }}
{{- $_ := set $derived "TRUST_PROXY_HEADERS" "true" }}
{{- if .svc.ingress.tls }}
{{- $_ := set $derived "COOKIE_SECURE" "true" }}
{{- $_ := set $derived "PUBLIC_ORIGINS" (include "faceattend.console.ingressOrigins" .root) }}
{{- end }}
{{- end }}
{{- range $k, $val := $derived }}
{{- if not (include "faceattend.envValue" (index $env $k)) }}
{{- $_ := set $env $k $val }}
{{- end }}
{{- end }}
{{- end }}
{{- /* consoleOriginsEnv (realtime-gateway's ALLOWED_ORIGINS): plus the console's origins. */}}
{{- with .svc.consoleOriginsEnv }}
{{- $add := include "faceattend.console.publicOrigins" $.root }}
{{- $current := include "faceattend.envValue" (index $env .) }}
{{- if and $add (ne (trim $current) "*") }}
{{- $origins := list }}
{{- range (splitList "," (printf "%s,%s" $current $add)) }}
{{- $o := trim . | trimSuffix "/" }}
{{- if and $o (not (has $o $origins)) }}
{{- $origins = append $origins $o }}
{{- end }}
{{- end }}
{{- $_ := set $env . (join "," $origins) }}
{{- end }}
{{- end }}
{{- range $k, $val := $env }}
{{- $s := include "faceattend.envValue" $val }}
{{- if ne $s "" }}
{{- $_ := set $.out $k $s }}
{{- end }}
{{- end }}
{{- end }}

{{/* terminationGracePeriodSeconds: explicit value (checked) or preStop + shutdown + 10. */}}
{{- define "faceattend.svc.terminationGracePeriod" -}}
{{- $min := add (int64 .svc.preStopSleepSeconds) (int64 .svc.shutdownTimeoutSeconds) }}
{{- if kindIs "invalid" .svc.terminationGracePeriodSeconds }}
{{- add $min 10 }}
{{- else }}
{{- $explicit := int64 .svc.terminationGracePeriodSeconds }}
{{- if le $explicit $min }}
{{- fail (printf "services.%s.terminationGracePeriodSeconds (%d) must be greater than preStopSleepSeconds + shutdownTimeoutSeconds (%d)" .svc.key $explicit $min) }}
{{- end }}
{{- $explicit }}
{{- end }}
{{- end }}

{{/*
The web console (services.console) as the front door. Its merged values are filled into "out",
left empty when there is no services.console. Context: (dict "root" $ "out" $dict).
*/}}
{{- define "faceattend.console.values" -}}
{{- if hasKey .root.Values.services "console" }}
{{- include "faceattend.svc.merge" (dict "root" .root "key" "console" "out" .out) }}
{{- end }}
{{- end }}

{{/* The console's ingress hosts as origins, comma-separated: https://<host> for a host its TLS
     covers (an entry naming it, or naming no host), else http://<host>; "" when the console or
     its ingress is off. Context: root. */}}
{{- define "faceattend.console.ingressOrigins" -}}
{{- $c := dict }}
{{- include "faceattend.console.values" (dict "root" . "out" $c) }}
{{- $origins := list }}
{{- if and $c.enabled $c.ingress.enabled }}
{{- range $c.ingress.hosts }}
{{- $host := toString (.host | default "") }}
{{- if $host }}
{{- $tls := false }}
{{- range $c.ingress.tls }}
{{- if or (not .hosts) (has $host .hosts) }}
{{- $tls = true }}
{{- end }}
{{- end }}
{{- $origin := printf "%s://%s" (ternary "https" "http" $tls) $host }}
{{- if not (has $origin $origins) }}
{{- $origins = append $origins $origin }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- join "," $origins }}
{{- end }}

{{/* The console's public origins when its ingress is on: its PUBLIC_ORIGINS if set, else its
     ingress hosts as origins; "" otherwise. Context: root. */}}
{{- define "faceattend.console.publicOrigins" -}}
{{- $c := dict }}
{{- include "faceattend.console.values" (dict "root" . "out" $c) }}
{{- if and $c.enabled $c.ingress.enabled }}
{{- include "faceattend.envValue" (index ($c.env | default dict) "PUBLIC_ORIGINS") | default (include "faceattend.console.ingressOrigins" .) }}
{{- end }}
{{- end }}

{{/*
Refuses another service's ingress that would take requests from the console on one of the
console's hosts: a path that is /, or overlaps /api/v1/persons or /api/v1/attendance (the
console forwards those, the live feed's WebSocket /api/v1/attendance/ws/* included, for
signed-in operators, with a token of theirs). Context: the service context of the other service.
*/}}
{{- define "faceattend.console.checkIngress" -}}
{{- $c := dict }}
{{- include "faceattend.console.values" (dict "root" .root "out" $c) }}
{{- if and (ne .svc.key "console") $c.enabled $c.ingress.enabled }}
{{- $consoleHosts := list }}
{{- range $c.ingress.hosts }}
{{- $consoleHosts = append $consoleHosts (toString (.host | default "")) }}
{{- end }}
{{- $key := .svc.key }}
{{- range .svc.ingress.hosts }}
{{- $host := toString (.host | default "") }}
{{- if has $host $consoleHosts }}
{{- range (.paths | default (list (dict "path" "/"))) }}
{{- $p := toString .path }}
{{- $conflict := false }}
{{- range (list "/api/v1/persons" "/api/v1/attendance") }}
{{- if or (hasPrefix $p .) (hasPrefix . $p) }}
{{- $conflict = true }}
{{- end }}
{{- end }}
{{- if $conflict }}
{{- fail (printf "services.%s.ingress: path %s on host %q would take requests meant for the console, whose ingress (services.console.ingress) serves that host and forwards /api/v1/persons* and /api/v1/attendance* (its WebSocket too) for signed-in operators: give services.%s.ingress another host (e.g. api.<domain>) or disable it" $key $p $host $key) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
