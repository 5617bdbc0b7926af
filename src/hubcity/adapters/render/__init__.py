"""Server-side rendering: charts (Vega-Lite → SVG/PNG) and evidence documents (PDF)."""
