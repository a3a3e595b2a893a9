WITH s0 AS (
  SELECT
    *
  FROM security_events
  WHERE
    "timestamp" >= toDateTime64('2024-06-01 10:00:00.000000000', 9, 'UTC')
    AND "timestamp" < toDateTime64('2024-06-01 12:00:00.000000000', 9, 'UTC')
), s1 AS (
  SELECT
    *
  FROM security_events
  WHERE
    "timestamp" >= toDateTime64('2024-06-01 10:00:00.000000000', 9, 'UTC')
    AND "timestamp" < toDateTime64('2024-06-01 12:00:00.000000000', 9, 'UTC')
), s2 AS (
  SELECT
    "object.id",
    "event.id" AS "other"
  FROM s1
), s3 AS (
  SELECT
    l."timestamp",
    l."event.id",
    l."event.kind",
    l."event.type",
    l."event.category",
    l."event.name",
    l."event.provider",
    l."event.description",
    l."product.vendor",
    l."product.name",
    l."finding.id",
    l."finding.title",
    l."finding.type",
    l."finding.severity",
    l."finding.score",
    l."finding.time.created",
    l."finding.url",
    l."dt.security.risk.level",
    l."dt.security.risk.score",
    l."object.id",
    l."object.name",
    l."object.type",
    l."component.name",
    l."component.version",
    l."scan.id",
    l."scan.name",
    l."scan.status",
    l."scan.time.started",
    l."scan.time.completed",
    l."vulnerability.id",
    l."vulnerability.title",
    l."vulnerability.description",
    l."vulnerability.external_id",
    l."vulnerability.external_url",
    l."vulnerability.references.cve",
    l."vulnerability.references.cwe",
    l."vulnerability.cvss.base_score",
    l."vulnerability.cvss.version",
    l."vulnerability.cvss.vector",
    l."vulnerability.remediation.status",
    l."vulnerability.remediation.fix_versions",
    l."vulnerability.remediation.description",
    l."vulnerability.exploit.status",
    l."vulnerability.resolution.status",
    l."vulnerability.mute.status",
    l."container_image.digest",
    l."container_image.registry",
    l."container_image.repository",
    l."container_image.tags",
    l."k8s.cluster.name",
    l."k8s.namespace.name",
    l."k8s.workload.kind",
    l."k8s.workload.name",
    l."k8s.pod.name",
    l."k8s.container.name",
    l."cloud.provider",
    l."cloud.region",
    l."azure.tenant.id",
    l."azure.subscription",
    l."azure.resource.group",
    l."azure.resource.id",
    l."dt.openpipeline.source",
    l."dt.system.bucket",
    l."dt.system.table",
    l."dt.raw_data",
    l."dt.ingest.time",
    l."dt.ingest.warnings",
    l."dt.security.connection.id",
    l."dt.security.connection.name",
    r."other" AS "right.other",
    l."__attributes"
  FROM s0 AS l
  LEFT JOIN s2 AS r
    ON l."object.id" = r."object.id"
), s4 AS (
  SELECT
    *
  FROM security_events
  WHERE
    "timestamp" >= toDateTime64('2024-06-01 10:00:00.000000000', 9, 'UTC')
    AND "timestamp" < toDateTime64('2024-06-01 12:00:00.000000000', 9, 'UTC')
    AND "event.kind" = 'SECURITY_EVENT'
), s5 AS (
  SELECT
    *
  FROM s4
  WHERE
    "event.id" = 'e4'
), s6 AS (
  SELECT
    "event.id"
  FROM s5
), s7 AS (
  SELECT
    "timestamp",
    "event.id",
    "event.kind",
    "event.type",
    "event.category",
    "event.name",
    "event.provider",
    "event.description",
    "product.vendor",
    "product.name",
    "finding.id",
    "finding.title",
    "finding.type",
    "finding.severity",
    "finding.score",
    "finding.time.created",
    "finding.url",
    "dt.security.risk.level",
    "dt.security.risk.score",
    "object.id",
    "object.name",
    "object.type",
    "component.name",
    "component.version",
    "scan.id",
    "scan.name",
    "scan.status",
    "scan.time.started",
    "scan.time.completed",
    "vulnerability.id",
    "vulnerability.title",
    "vulnerability.description",
    "vulnerability.external_id",
    "vulnerability.external_url",
    "vulnerability.references.cve",
    "vulnerability.references.cwe",
    "vulnerability.cvss.base_score",
    "vulnerability.cvss.version",
    "vulnerability.cvss.vector",
    "vulnerability.remediation.status",
    "vulnerability.remediation.fix_versions",
    "vulnerability.remediation.description",
    "vulnerability.exploit.status",
    "vulnerability.resolution.status",
    "vulnerability.mute.status",
    "container_image.digest",
    "container_image.registry",
    "container_image.repository",
    "container_image.tags",
    "k8s.cluster.name",
    "k8s.namespace.name",
    "k8s.workload.kind",
    "k8s.workload.name",
    "k8s.pod.name",
    "k8s.container.name",
    "cloud.provider",
    "cloud.region",
    "azure.tenant.id",
    "azure.subscription",
    "azure.resource.group",
    "azure.resource.id",
    "dt.openpipeline.source",
    "dt.system.bucket",
    "dt.system.table",
    "dt.raw_data",
    "dt.ingest.time",
    "dt.ingest.warnings",
    "dt.security.connection.id",
    "dt.security.connection.name",
    "right.other",
    "__attributes"
  FROM s3
  UNION ALL
  SELECT
    NULL AS "timestamp",
    "event.id",
    NULL AS "event.kind",
    NULL AS "event.type",
    NULL AS "event.category",
    NULL AS "event.name",
    NULL AS "event.provider",
    NULL AS "event.description",
    NULL AS "product.vendor",
    NULL AS "product.name",
    NULL AS "finding.id",
    NULL AS "finding.title",
    NULL AS "finding.type",
    NULL AS "finding.severity",
    NULL AS "finding.score",
    NULL AS "finding.time.created",
    NULL AS "finding.url",
    NULL AS "dt.security.risk.level",
    NULL AS "dt.security.risk.score",
    NULL AS "object.id",
    NULL AS "object.name",
    NULL AS "object.type",
    NULL AS "component.name",
    NULL AS "component.version",
    NULL AS "scan.id",
    NULL AS "scan.name",
    NULL AS "scan.status",
    NULL AS "scan.time.started",
    NULL AS "scan.time.completed",
    NULL AS "vulnerability.id",
    NULL AS "vulnerability.title",
    NULL AS "vulnerability.description",
    NULL AS "vulnerability.external_id",
    NULL AS "vulnerability.external_url",
    NULL AS "vulnerability.references.cve",
    NULL AS "vulnerability.references.cwe",
    NULL AS "vulnerability.cvss.base_score",
    NULL AS "vulnerability.cvss.version",
    NULL AS "vulnerability.cvss.vector",
    NULL AS "vulnerability.remediation.status",
    NULL AS "vulnerability.remediation.fix_versions",
    NULL AS "vulnerability.remediation.description",
    NULL AS "vulnerability.exploit.status",
    NULL AS "vulnerability.resolution.status",
    NULL AS "vulnerability.mute.status",
    NULL AS "container_image.digest",
    NULL AS "container_image.registry",
    NULL AS "container_image.repository",
    NULL AS "container_image.tags",
    NULL AS "k8s.cluster.name",
    NULL AS "k8s.namespace.name",
    NULL AS "k8s.workload.kind",
    NULL AS "k8s.workload.name",
    NULL AS "k8s.pod.name",
    NULL AS "k8s.container.name",
    NULL AS "cloud.provider",
    NULL AS "cloud.region",
    NULL AS "azure.tenant.id",
    NULL AS "azure.subscription",
    NULL AS "azure.resource.group",
    NULL AS "azure.resource.id",
    NULL AS "dt.openpipeline.source",
    NULL AS "dt.system.bucket",
    NULL AS "dt.system.table",
    NULL AS "dt.raw_data",
    NULL AS "dt.ingest.time",
    NULL AS "dt.ingest.warnings",
    NULL AS "dt.security.connection.id",
    NULL AS "dt.security.connection.name",
    NULL AS "right.other",
    NULL AS "__attributes"
  FROM s6
), s8 AS (
  SELECT
    "event.id",
    "right.other"
  FROM s7
)
SELECT
  "event.id",
  "right.other"
FROM s8
