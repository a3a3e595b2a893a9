WITH s0 AS (
  SELECT
    *
  FROM security_events
  WHERE
    "timestamp" >= CAST('2024-05-25 12:00:00.000000000' AS TIMESTAMP_NS)
    AND "timestamp" < CAST('2024-06-01 12:00:00.000000000' AS TIMESTAMP_NS)
), s1 AS (
  SELECT
    *
  FROM s0
  WHERE
    (
      (
        (
          "dt.system.bucket" = 'default_securityevents' AND "event.kind" = 'SECURITY_EVENT'
        )
        AND "object.type" = 'CONTAINER_IMAGE'
      )
      AND "event.type" = 'VULNERABILITY_FINDING'
    )
    AND "dt.security.risk.level" = 'CRITICAL'
), s2 AS (
  SELECT
    "vulnerability.id",
    "vulnerability.title",
    "event.provider",
    "container_image.registry",
    "container_image.repository",
    "component.name",
    "component.version",
    COUNT(*) AS "affected_images_count",
    COALESCE(
      ARRAY_AGG(
        {'object.id': "object.id", 'event.provider': "event.provider", 'container_image.registry': "container_image.registry", 'container_image.repository': "container_image.repository", 'component.version': "component.version", 'component.name': "component.name", 'dt.security.risk.level': "dt.security.risk.level", 'ingest_time': "timestamp"}
      ),
      []
    ) AS "vulnerability_finding_events"
  FROM s1
  GROUP BY
    "vulnerability.id",
    "vulnerability.title",
    "event.provider",
    "container_image.registry",
    "container_image.repository",
    "component.name",
    "component.version"
), s3 AS (
  SELECT
    *
  FROM s2
  WHERE
    NOT (
      LIST_BOOL_OR(
        LIST_TRANSFORM(
          "vulnerability_finding_events",
          LAMBDA "__e0_0" : STRUCT_EXTRACT("__e0_0", 'ingest_time') < CAST('2024-05-31 12:00:00.000000000' AS TIMESTAMP_NS)
        )
      )
    ) IS TRUE
), s4 AS (
  SELECT
    *
    REPLACE (UNNEST("vulnerability_finding_events") AS "vulnerability_finding_events")
  FROM s3
)
SELECT
  "vulnerability.id",
  "vulnerability.title",
  "event.provider",
  "container_image.registry",
  "container_image.repository",
  "component.name",
  "component.version",
  "affected_images_count",
  "vulnerability_finding_events"
FROM s4
ORDER BY
  STRUCT_EXTRACT("vulnerability_finding_events", 'ingest_time') DESC
