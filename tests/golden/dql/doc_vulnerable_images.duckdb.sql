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
    ARG_MAX_NULL(
      {'object.id': "object.id", 'component.name': "component.name", 'component.version': "component.version", 'vulnerability.id': "vulnerability.id", 'container_image.digest': "container_image.digest", 'container_image.registry': "container_image.registry", 'container_image.repository': "container_image.repository", 'container_image.tags': "container_image.tags"},
      (NOT "timestamp" IS NULL, "timestamp")
    ) AS "__row"
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
    STRUCT_EXTRACT("__row", 'object.id') AS "object.id",
    STRUCT_EXTRACT("__row", 'component.name') AS "component.name",
    STRUCT_EXTRACT("__row", 'component.version') AS "component.version",
    STRUCT_EXTRACT("__row", 'vulnerability.id') AS "vulnerability.id",
    STRUCT_EXTRACT("__row", 'container_image.digest') AS "container_image.digest",
    STRUCT_EXTRACT("__row", 'container_image.registry') AS "container_image.registry",
    STRUCT_EXTRACT("__row", 'container_image.repository') AS "container_image.repository",
    STRUCT_EXTRACT("__row", 'container_image.tags') AS "container_image.tags"
  FROM s2
), s4 AS (
  SELECT
    COUNT(DISTINCT "container_image.digest") AS "containerImages"
  FROM s3
)
SELECT
  "containerImages"
FROM s4
