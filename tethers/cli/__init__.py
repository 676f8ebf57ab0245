"""Command-line interface: the only code that reads argv, prints and exits."""
