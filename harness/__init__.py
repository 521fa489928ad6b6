"""What tests and benchmarks share: apps on fresh databases, real servers, an HTTP client,
form data. Never imported by the product."""
