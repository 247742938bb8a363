"""Use cases. Each runs inside one unit of work that commits or rolls back as a whole."""
