"""mishap's model and its persistence; importable without Textual."""
