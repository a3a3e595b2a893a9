WITH s0 AS (
  SELECT
    *
  FROM security_events
  WHERE
    "timestamp" >= CAST('2024-05-31 00:00:00.000000000' AS TIMESTAMP_NS)
    AND "timestamp" < CAST('2024-06-01 00:00:00.000000000' AS TIMESTAMP_NS)
    AND "event.kind" = 'SECURITY_EVENT'
), s1 AS (
  SELECT
    *
    REPLACE (LOWER("event.type") AS "event.type"),
    EPOCH_NS(CAST('2024-06-01 12:00:00.000000000' AS TIMESTAMP_NS)) - EPOCH_NS("timestamp") AS "age"
  FROM s0
), s2 AS (
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
    "age",
    TO_JSON(
      MAP_FROM_ENTRIES(
        LIST_FILTER(
          MAP_ENTRIES(CAST("__attributes" AS MAP(TEXT, JSON))),
          LAMBDA "__kv" : NOT (
            "__kv".key GLOB 'dt.*' OR "__kv".key GLOB 'vulnerability.*'
          )
        )
      )
    ) AS "__attributes"
  FROM s1
), s3 AS (
  SELECT
    *
  FROM s2
  LIMIT 5
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
  "age",
  "__attributes"
FROM s3
