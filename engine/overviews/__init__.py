"""Overview definitions (``*.overview.yaml``): monitoring made to measure, through the same
stages as forms (load, model, check, compile, evaluate)."""
