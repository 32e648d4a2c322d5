{{/* Port of the verbs: 8443 with TLS, 8888 without. */}}
{{- define "gpusched.port" -}}
{{- if .Values.tls.enabled -}}8443{{- else -}}8888{{- end -}}
{{- end -}}

{{/* Name of that port. */}}
{{- define "gpusched.portName" -}}
{{- if .Values.tls.enabled -}}https{{- else -}}http{{- end -}}
{{- end -}}

{{/* Labels every object carries (Kubernetes' recommended labels and Helm's chart label); selectors use none of the
     ones that change with a release. */}}
{{- define "gpusched.labels" -}}
app.kubernetes.io/part-of: gpusched
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The kube-scheduler image: the tag given, else the cluster's own version (the version-skew policy lets
     kube-scheduler be at most one minor older than kube-apiserver, never newer: the same version always fits).
     Managed clusters report versions such as v1.30.4-eks-a737599; the upstream tag is the v1.30.4 part. */}}
{{- define "gpusched.schedulerImage" -}}
{{- $tag := .Values.scheduler.image.tag | default (regexFind "^v[0-9]+\\.[0-9]+\\.[0-9]+" .Capabilities.KubeVersion.Version) -}}
{{- printf "%s:%s" .Values.scheduler.image.repository $tag -}}
{{- end -}}
