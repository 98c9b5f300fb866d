{{/*
The objects of one faceattend service. Every template takes (dict "root" $ "svc" $svc), where $svc
is the merged per-service values (see faceattend.svc.merge). templates/services.yaml renders them
for every enabled entry of .Values.services, so a new service needs no new template.
*/}}

{{/* ---------------------------------------------------------------- ConfigMap (non-secret env) */}}
{{- define "faceattend.svc.configmap" -}}
{{- /* Rendered first of a service's objects: its guards run here. */}}
{{- include "faceattend.svc.checkDatabase" . }}
{{- $env := dict }}
{{- include "faceattend.svc.env" (dict "root" .root "svc" .svc "out" $env) }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "faceattend.svc.fullname" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "faceattend.svc.labels" . | nindent 4 }}
data:
  {{- range $k, $val := $env }}
  {{ $k }}: {{ $val | quote }}
  {{- end }}
{{- end }}

{{/* ---------------------------------------------------------------- Secret (DATABASE_URL, S3 keys, secretEnv, JWT_SECRET with auth.hs256) */}}
{{- define "faceattend.svc.secret" -}}
{{- if and (not (include "faceattend.svc.existingSecret" .)) (include "faceattend.svc.secretName" .) }}
{{- $data := dict }}
{{- if include "faceattend.svc.databaseInSecret" . }}
{{- $url := .svc.databaseUrl | default (ternary "" .root.Values.database.url (eq (toString .svc.ownDatabase) "true")) }}
{{- if not $url }}
{{- fail (printf "services.%s: set database.url (or services.%s.databaseUrl), or reference a Secret with existingSecret" .svc.key .svc.key) }}
{{- end }}
{{- $_ := set $data "DATABASE_URL" $url }}
{{- end }}
{{- if include "faceattend.svc.hs256" . }}
{{- $jwt := toString (.root.Values.jwt.secret | default "") }}
{{- if not $jwt }}
{{- fail (printf "services.%s: auth.hs256 is on: set jwt.secret (at least 32 bytes), or reference a Secret holding JWT_SECRET with existingSecret" .svc.key) }}
{{- end }}
{{- $_ := set $data "JWT_SECRET" $jwt }}
{{- end }}
{{- if include "faceattend.svc.objectStoreKeys" . }}
{{- $_ := set $data "AWS_ACCESS_KEY_ID" .root.Values.objectStore.accessKeyId }}
{{- $_ := set $data "AWS_SECRET_ACCESS_KEY" .root.Values.objectStore.secretAccessKey }}
{{- end }}
{{- range $k, $val := .svc.secretEnv }}
{{- $_ := set $data $k (include "faceattend.envValue" $val) }}
{{- end }}
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "faceattend.svc.fullname" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "faceattend.svc.labels" . | nindent 4 }}
type: Opaque
data:
  {{- range $k, $val := $data }}
  {{ $k }}: {{ $val | b64enc | quote }}
  {{- end }}
{{- end }}
{{- end }}

{{/* ---------------------------------------------------------------- Deployment */}}
{{- define "faceattend.svc.deployment" -}}
{{- $secretName := include "faceattend.svc.secretName" . }}
{{- $dbRef := .svc.databaseSecret | default dict }}
{{- $authEnv := include "faceattend.svc.authEnv" . | trim }}
{{- $signing := dict }}
{{- include "faceattend.auth.signingKey" (dict "root" .root "out" $signing) }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "faceattend.svc.fullname" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "faceattend.svc.labels" . | nindent 4 }}
spec:
  {{- if not .svc.autoscaling.enabled }}
  replicas: {{ include "faceattend.envValue" .svc.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "faceattend.svc.selectorLabels" . | nindent 6 }}
  strategy:
    {{- if eq (toString .svc.strategy.type) "Recreate" }}
    type: Recreate
    {{- else }}
    type: RollingUpdate
    {{- with .svc.strategy.rollingUpdate }}
    rollingUpdate:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- end }}
  template:
    metadata:
      labels:
        {{- include "faceattend.svc.labels" . | nindent 8 }}
        {{- with .svc.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        # Roll the pods when their configuration changes.
        checksum/config: {{ include "faceattend.svc.configmap" . | sha256sum }}
        {{- if not (include "faceattend.svc.existingSecret" .) }}
        checksum/secret: {{ include "faceattend.svc.secret" . | sha256sum }}
        {{- end }}
        {{- if and $signing.created (eq (include "faceattend.svc.tokens" .) "issue") }}
        checksum/jwt-signing-key: {{ include "faceattend.auth.signingKeySecret" .root | sha256sum }}
        {{- end }}
        {{- if .svc.metrics.scrape }}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ include "faceattend.envValue" .svc.port | quote }}
        prometheus.io/path: {{ .svc.metrics.path | quote }}
        {{- end }}
        {{- with .svc.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "faceattend.serviceAccountName" .root }}
      automountServiceAccountToken: false
      # No docker-link style *_SERVICE_HOST/*_PORT variables next to our own env.
      enableServiceLinks: false
      {{- with .root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .svc.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      # Must exceed preStop sleep + SHUTDOWN_TIMEOUT_SECS so in-flight requests can finish.
      terminationGracePeriodSeconds: {{ include "faceattend.svc.terminationGracePeriod" . }}
      {{- with .svc.podSecurityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .svc.name }}
          image: {{ include "faceattend.svc.image" . | quote }}
          imagePullPolicy: {{ .svc.image.pullPolicy | default .root.Values.image.pullPolicy }}
          {{- with .svc.command }}
          command:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with .svc.args }}
          args:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          ports:
            - name: http
              containerPort: {{ include "faceattend.envValue" .svc.port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "faceattend.svc.fullname" . }}
            {{- if $secretName }}
            - secretRef:
                name: {{ $secretName }}
            {{- end }}
          {{- if or (and .svc.usesDatabase $dbRef.name) $authEnv .svc.extraEnv }}
          env:
            {{- if and .svc.usesDatabase $dbRef.name }}
            # Explicit env wins over envFrom: this Secret's key, whatever the Secret above holds.
            - name: DATABASE_URL
              valueFrom:
                secretKeyRef:
                  name: {{ $dbRef.name }}
                  key: {{ $dbRef.key | default "DATABASE_URL" }}
            {{- end }}
            {{- with $authEnv }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with .svc.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- end }}
          {{- with .svc.probes.startup }}
          startupProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with .svc.probes.liveness }}
          livenessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with .svc.probes.readiness }}
          readinessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- if gt (int64 .svc.preStopSleepSeconds) 0 }}
          lifecycle:
            preStop:
              exec:
                command: ["sleep", "{{ int64 .svc.preStopSleepSeconds }}"]
          {{- end }}
          {{- with .svc.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with .svc.securityContext }}
          securityContext:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            {{- with .svc.tmpSizeLimit }}
            sizeLimit: {{ . }}
            {{- end }}
      {{- with .svc.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .svc.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .svc.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      topologySpreadConstraints:
        {{- if .svc.topologySpreadConstraints }}
        {{- toYaml .svc.topologySpreadConstraints | nindent 8 }}
        {{- else }}
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "faceattend.svc.selectorLabels" . | nindent 14 }}
        {{- end }}
{{- end }}

{{/* ---------------------------------------------------------------- Service */}}
{{- define "faceattend.svc.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "faceattend.svc.fullname" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "faceattend.svc.labels" . | nindent 4 }}
  {{- with .svc.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ .svc.service.type }}
  selector:
    {{- include "faceattend.svc.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ include "faceattend.envValue" .svc.service.port }}
      targetPort: http
      protocol: TCP
{{- end }}

{{/* ---------------------------------------------------------------- PodDisruptionBudget */}}
{{- define "faceattend.svc.pdb" -}}
{{- if .svc.pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "faceattend.svc.fullname" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "faceattend.svc.labels" . | nindent 4 }}
spec:
  {{- if not (kindIs "invalid" .svc.pdb.minAvailable) }}
  minAvailable: {{ include "faceattend.envValue" .svc.pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ include "faceattend.envValue" (.svc.pdb.maxUnavailable | default 1) }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "faceattend.svc.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}

{{/* ---------------------------------------------------------------- HorizontalPodAutoscaler */}}
{{- define "faceattend.svc.hpa" -}}
{{- if .svc.autoscaling.enabled }}
{{- $a := .svc.autoscaling }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "faceattend.svc.fullname" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "faceattend.svc.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "faceattend.svc.fullname" . }}
  minReplicas: {{ include "faceattend.envValue" $a.minReplicas }}
  maxReplicas: {{ include "faceattend.envValue" $a.maxReplicas }}
  {{- if not (or $a.targetCPUUtilizationPercentage $a.targetMemoryUtilizationPercentage) }}
  {{- fail (printf "services.%s.autoscaling: set targetCPUUtilizationPercentage and/or targetMemoryUtilizationPercentage" .svc.key) }}
  {{- end }}
  metrics:
    {{- with $a.targetCPUUtilizationPercentage }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ include "faceattend.envValue" . }}
    {{- end }}
    {{- with $a.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ include "faceattend.envValue" . }}
    {{- end }}
  {{- with $a.behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}

{{/* ---------------------------------------------------------------- Ingress */}}
{{- define "faceattend.svc.ingress" -}}
{{- if .svc.ingress.enabled }}
{{- $i := .svc.ingress }}
{{- $backend := include "faceattend.svc.fullname" . }}
{{- $port := include "faceattend.envValue" .svc.service.port }}
{{- if not $i.hosts }}
{{- fail (printf "services.%s.ingress.enabled needs at least one entry in ingress.hosts" .svc.key) }}
{{- end }}
{{- include "faceattend.console.checkIngress" . }}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ include "faceattend.svc.fullname" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "faceattend.svc.labels" . | nindent 4 }}
  {{- with $i.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- with $i.className }}
  ingressClassName: {{ . }}
  {{- end }}
  {{- with $i.tls }}
  tls:
    {{- range . }}
    - hosts:
        {{- range .hosts }}
        - {{ . | quote }}
        {{- end }}
      {{- with .secretName }}
      secretName: {{ . }}
      {{- end }}
    {{- end }}
  {{- end }}
  rules:
    {{- range $i.hosts }}
    - {{- with .host }}
      host: {{ . | quote }}
      {{- end }}
      http:
        paths:
          {{- range (.paths | default (list (dict "path" "/" "pathType" "Prefix"))) }}
          - path: {{ .path }}
            pathType: {{ .pathType | default "Prefix" }}
            backend:
              service:
                name: {{ $backend }}
                port:
                  number: {{ $port }}
          {{- end }}
    {{- end }}
{{- end }}
{{- end }}
