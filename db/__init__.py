"""Data layer: schema, database URL and engine, migrations, roll-ups and loaders.

Nothing in `db/` imports Streamlit; the app and the CLI both build on it.
"""
