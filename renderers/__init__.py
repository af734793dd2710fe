"""Form state to HTML and PDF (issue 4). Knows no database."""
