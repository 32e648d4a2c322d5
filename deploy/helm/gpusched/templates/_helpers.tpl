{{/* Port gpusched listens on: 8443 with TLS, 8888 without. */}}
{{- define "gpusched.port" -}}
{{- if .Values.tls.enabled -}}8443{{- else -}}8888{{- end -}}
{{- end -}}

{{/* Name of that port. */}}
{{- define "gpusched.portName" -}}
{{- if .Values.tls.enabled -}}https{{- else -}}http{{- end -}}
{{- end -}}

{{/* Probe scheme. */}}
{{- define "gpusched.scheme" -}}
{{- if .Values.tls.enabled -}}HTTPS{{- else -}}HTTP{{- end -}}
{{- end -}}
