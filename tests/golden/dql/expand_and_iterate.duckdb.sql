WITH s0 AS (
  SELECT
    *
  FROM security_events
  WHERE
    "timestamp" >= CAST('2024-06-01 10:00:00.000000000' AS TIMESTAMP_NS)
    AND "timestamp" < CAST('2024-06-01 12:00:00.000000000' AS TIMESTAMP_NS)
), s1 AS (
  SELECT
    *,
    LIST_BOOL_AND(LIST_TRANSFORM("container_image.tags", LAMBDA "__e0_0" : "__e0_0" <> 'x')) AS "long_tags"
  FROM s0
), s2 AS (
  SELECT
    *
    REPLACE (UNNEST(LIST_SLICE("container_image.tags", 1, 2)) AS "container_image.tags")
  FROM s1
), s3 AS (
  SELECT
    "event.id",
    "container_image.tags",
    "long_tags"
  FROM s2
)
SELECT
  "event.id",
  "container_image.tags",
  "long_tags"
FROM s3
ORDER BY
  "event.id" ASC,
  "container_image.tags" DESC
