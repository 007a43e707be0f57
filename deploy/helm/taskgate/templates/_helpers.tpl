{{/* The chart keeps to plain substitutions, if/range and a few functions (quote, toYaml, nindent,
default, sha256sum, include) so test/e2e/helm-chart.test.ts can render it without helm. */}}
{{- define "taskgate.labels" -}}
app.kubernetes.io/name: taskgate
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end }}
{{- define "taskgate.selector" -}}
app.kubernetes.io/name: taskgate
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
