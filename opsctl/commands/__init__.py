"""Built-in commands, each imported only when it runs."""
