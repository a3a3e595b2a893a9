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
    "object.type" = 'CONTAINER_IMAGE'
), s2 AS (
  SELECT
    "container_image.digest"
  FROM s1
  GROUP BY
    "container_image.digest"
), s3 AS (
  SELECT
    COUNT(*) AS "containerImages"
  FROM s2
)
SELECT
  "containerImages"
FROM s3
