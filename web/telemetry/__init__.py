"""What the service tells operators: Prometheus metrics, and logs (JSON or console) carrying the
request or camera id they belong to."""
