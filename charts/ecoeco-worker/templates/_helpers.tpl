{{- define "ecoeco-worker.name" -}}
worker-{{ required "worker is required (storage or ai)" .Values.worker }}
{{- end }}

{{- define "ecoeco-worker.labels" -}}
app.kubernetes.io/name: {{ include "ecoeco-worker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: ecoeco
app.kubernetes.io/component: worker
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end }}

{{- define "ecoeco-worker.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ecoeco-worker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
