{{/* The services this binary knows (internal/app.Services). */}}
{{- define "marquee.services" -}}identity catalog reviews social browse billing notify media gateway{{- end -}}

{{- define "marquee.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "marquee.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* selector labels of one group: (dict "root" $ "group" $name) */}}
{{- define "marquee.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .group }}
{{- end -}}

{{- define "marquee.secretName" -}}
{{- .Values.existingSecret | default (printf "%s-urls" (include "marquee.fullname" .)) -}}
{{- end -}}

{{- define "marquee.deploymentName" -}}
{{- .Values.deployment | default .Release.Name | trunc 32 | trimSuffix "-" -}}
{{- end -}}

{{/* The group that runs a service: (dict "root" $ "service" "catalog"); fails when none or several do. */}}
{{- define "marquee.groupOf" -}}
{{- $found := list -}}
{{- $svc := .service -}}
{{- range $name, $g := .root.Values.groups -}}
{{- if has $svc $g.services -}}{{- $found = append $found $name -}}{{- end -}}
{{- end -}}
{{- if ne (len $found) 1 -}}
{{- fail (printf "service %s must be in exactly one of .Values.groups (it is in %d)" $svc (len $found)) -}}
{{- end -}}
{{- first $found -}}
{{- end -}}

{{/* The environment of one group's processes: (dict "root" $ "group" $g). */}}
{{- define "marquee.env" -}}
{{- $root := .root -}}
{{- $services := .group.services -}}
- {name: MARQUEE_DATA_DIR, value: /data}
- {name: MARQUEE_HTTP_ADDR, value: ":8080"}
- {name: MARQUEE_OPS_ADDR, value: {{ printf ":%v" $root.Values.service.opsPort | quote }}}
- {name: MARQUEE_DEPLOYMENT, value: {{ include "marquee.deploymentName" $root | quote }}}
- {name: MARQUEE_NATS_REPLICAS, value: {{ $root.Values.externalNATS.replicas | quote }}}
{{- if $root.Values.externalNATS.credsSecret }}
- {name: MARQUEE_NATS_CREDS, value: /etc/marquee/nats/nats.creds}
{{- end }}
{{- if $root.Values.trustedProxies }}
- {name: MARQUEE_TRUSTED_PROXIES, value: {{ $root.Values.trustedProxies | quote }}}
{{- end }}
{{- /* where the others run: identity's keys for every verifier, every service for a gateway */ -}}
{{- range $svc := splitList " " (include "marquee.services" $root) }}
{{- if and (ne $svc "gateway") (not (has $svc $services)) (or (has "gateway" $services) (eq $svc "identity")) }}
- name: MARQUEE_{{ upper $svc }}_URL
  value: http://{{ include "marquee.fullname" $root }}-{{ include "marquee.groupOf" (dict "root" $root "service" $svc) }}:{{ $root.Values.service.port }}
{{- end }}
{{- end }}
{{- range $k, $v := $root.Values.env }}
- {name: {{ $k }}, value: {{ $v | quote }}}
{{- end }}
{{- end -}}
