"""The spaCy pipeline: the LAC tokenizer and kg's components (entities, resolve,
relations, the user's corrections), with their lexicons under ``data/``."""
