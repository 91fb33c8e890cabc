"""System of record on PostgreSQL (asyncpg): migrations, repositories, change feed."""
