"""Calendar feeds: a saved selection behind an unguessable URL that calendar apps subscribe to."""
