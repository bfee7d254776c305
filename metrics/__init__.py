"""Metric layer: pure computations over a SQLAlchemy connection. No Streamlit here.

Each public function takes a `Connection` and a frozen `Filters` and returns a
long-form DataFrame whose columns its docstring names. Aggregation runs in SQL.
"""
