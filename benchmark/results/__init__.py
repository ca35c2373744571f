"""The result file: its schema, how it is read, named and written."""
