"""Monthly rules that touch the whole firm population, vectorised over numpy arrays."""
