"""Media storage adapters: a local directory (embedded default) and S3-compatible buckets."""
