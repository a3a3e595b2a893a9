WITH s0 AS (
  SELECT
    *
  FROM security_events
  WHERE
    "timestamp" >= toDateTime64('2024-06-01 10:00:00.000000000', 9, 'UTC')
    AND "timestamp" < toDateTime64('2024-06-01 12:00:00.000000000', 9, 'UTC')
), s1 AS (
  SELECT
    *,
    arrayAll("__e0_0" -> "__e0_0" <> 'x', "container_image.tags") AS "long_tags"
  FROM s0
), s2 AS (
  SELECT
    *
    REPLACE (arrayJoin(arraySlice("container_image.tags", 1, 2)) AS "container_image.tags")
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
