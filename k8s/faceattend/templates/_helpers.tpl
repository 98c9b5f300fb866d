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
{{- else if or .svc.usesDatabase .svc.usesJwtSecret .svc.secretEnv (include "faceattend.svc.objectStoreKeys" .) }}
{{- include "faceattend.svc.fullname" . }}
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
{{- range $k, $val := $v.commonEnv }}
{{- $_ := set $env $k $val }}
{{- end }}
{{- range $k, $val := .svc.env }}
{{- $_ := set $env $k $val }}
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
