{{- define "pgml-follower.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "pgml-follower.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "pgml-follower.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "pgml-follower.secretName" -}}
{{- default (include "pgml-follower.fullname" .) .Values.existingSecret -}}
{{- end -}}

{{/* follower.yaml: passwords stay ${ENV} references, filled from the Secret at start. */}}
{{- define "pgml-follower.config" -}}
{{- $config := dict
  "source" (dict
    "host" (required "source.host is required" .Values.source.host)
    "port" .Values.source.port
    "database" (required "source.database is required" .Values.source.database)
    "user" .Values.source.user
    "password" "${SOURCE_PASSWORD}"
    "sslmode" .Values.source.sslmode
    "publication" .Values.source.publication
    "slot" .Values.source.slot)
  "store" (dict "path" "/var/lib/pgml-follower")
  "serve" (dict
    "host" "0.0.0.0"
    "port" .Values.service.endpointPort
    "auth" .Values.serve.auth
    "users" (list (dict "name" .Values.serve.user "password" "${ENDPOINT_PASSWORD}")))
  "admin" (dict
    "host" "0.0.0.0"
    "port" .Values.service.adminPort
    "ready-max-lag-seconds" .Values.admin.readyMaxLagSeconds) -}}
{{- mustMergeOverwrite $config (deepCopy .Values.extraConfig) | toYaml -}}
{{- end -}}
