"""Documents: letters (DOCX), PDF rendering, bundle assembly. One small module per job."""
