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
    "object.type" = 'CONTAINER_IMAGE'
), s2 AS (
  SELECT
    "container_image.digest"
  FROM s1
  QUALIFY
    ROW_NUMBER() OVER (PARTITION BY "container_image.digest" ORDER BY "timestamp" DESC) = 1
), s3 AS (
  SELECT
    COUNT(*) AS "containerImages"
  FROM s2
)
SELECT
  "containerImages"
FROM s3
