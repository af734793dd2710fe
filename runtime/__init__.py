"""POPO's runtime: the command line now; the Litestar application and storage to come."""
