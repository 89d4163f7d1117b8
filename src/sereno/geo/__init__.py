"""Geography: units, populations, locating records."""
