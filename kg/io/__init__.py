"""Input and storage: article records, readers of files and corpora, the build store and
the mention spool. Imports nothing from the layers above."""
