WITH s0 AS (
  SELECT
    *
  FROM security_events
  WHERE
    "timestamp" >= toDateTime64('2024-05-25 12:00:00.000000000', 9, 'UTC')
    AND "timestamp" < toDateTime64('2024-06-01 12:00:00.000000000', 9, 'UTC')
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
    groupArray(
      tuple(
        "object.id" := "object.id",
        "event.provider" := "event.provider",
        "container_image.registry" := "container_image.registry",
        "container_image.repository" := "container_image.repository",
        "component.version" := "component.version",
        "component.name" := "component.name",
        "dt.security.risk.level" := "dt.security.risk.level",
        "ingest_time" := "timestamp"
      )
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
      (
        arrayExists(
          "__e0_0" -> tupleElement("__e0_0", 'ingest_time') < toDateTime64('2024-05-31 12:00:00.000000000', 9, 'UTC'),
          "vulnerability_finding_events"
        )
      ) IS TRUE
    )
), s4 AS (
  SELECT
    *
    REPLACE (arrayJoin("vulnerability_finding_events") AS "vulnerability_finding_events")
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
  tupleElement("vulnerability_finding_events", 'ingest_time') DESC
