WITH s0 AS (
  SELECT
    *
  FROM security_events
  WHERE
    "timestamp" >= CAST('2024-06-01 10:00:00.000000000' AS TIMESTAMP_NS)
    AND "timestamp" < CAST('2024-06-01 12:00:00.000000000' AS TIMESTAMP_NS)
), s1 AS (
  SELECT
    *
  FROM security_events
  WHERE
    "timestamp" >= CAST('2024-06-01 10:00:00.000000000' AS TIMESTAMP_NS)
    AND "timestamp" < CAST('2024-06-01 12:00:00.000000000' AS TIMESTAMP_NS)
), s2 AS (
  SELECT
    *
  FROM s1
  WHERE
    "event.type" = 'VULNERABILITY_SCAN'
), s3 AS (
  SELECT
    "object.id",
    "event.id" AS "scan"
  FROM s2
), s4 AS (
  SELECT
    *
  FROM s3
  QUALIFY
    ROW_NUMBER() OVER (PARTITION BY "object.id") = 1
), s5 AS (
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
    r."scan" AS "lookup.scan",
    l."__attributes"
  FROM s0 AS l
  LEFT JOIN s4 AS r
    ON l."object.id" = r."object.id"
)
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
  "lookup.scan",
  "__attributes"
FROM s5
