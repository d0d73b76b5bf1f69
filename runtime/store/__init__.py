"""The store: SQLModel tables and the queries over them."""
