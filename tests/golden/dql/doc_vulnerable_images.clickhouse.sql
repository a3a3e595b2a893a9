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
  FROM s0
  WHERE
    "event.type" = 'VULNERABILITY_FINDING'
), s2 AS (
  SELECT
    "object.id",
    "component.name",
    "component.version",
    "vulnerability.id",
    "container_image.digest",
    "container_image.registry",
    "container_image.repository",
    "container_image.tags"
  FROM s1
  QUALIFY
    ROW_NUMBER() OVER (
      PARTITION BY "object.id", "vulnerability.id", "component.name", "component.version", "container_image.registry", "container_image.repository", "container_image.tags"
      ORDER BY "timestamp" DESC
    ) = 1
), s3 AS (
  SELECT
    COUNT(DISTINCT "container_image.digest") AS "containerImages"
  FROM s2
)
SELECT
  "containerImages"
FROM s3
