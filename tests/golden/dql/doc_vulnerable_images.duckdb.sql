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
  FROM s0
  WHERE
    "event.type" = 'VULNERABILITY_FINDING'
), s2 AS (
  SELECT
    "object.id",
    "component.name",
    "component.version",
    "vulnerability.id",
    ARG_MAX_NULL("container_image.digest", (NOT "timestamp" IS NULL, "timestamp")) AS "container_image.digest",
    "container_image.registry",
    "container_image.repository",
    "container_image.tags"
  FROM s1
  GROUP BY
    "object.id",
    "vulnerability.id",
    "component.name",
    "component.version",
    "container_image.registry",
    "container_image.repository",
    "container_image.tags"
), s3 AS (
  SELECT
    COUNT(DISTINCT "container_image.digest") AS "containerImages"
  FROM s2
)
SELECT
  "containerImages"
FROM s3
