"""Text to rule tree: the DSL and YAML front ends, the sentence vocabularies per language, and
the formatter back to text."""
