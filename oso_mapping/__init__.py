"""OSO (Overstapservice Onderwijs) dossiers: the element tree, and XML to and from answers."""
