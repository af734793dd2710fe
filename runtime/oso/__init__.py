"""OSO exchange in the application: start an OKR from a dossier, download a submission as one."""
