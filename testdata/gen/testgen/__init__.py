"""Helpers of testdata/generate.py: config/metadata building (meta), request -> module input
conversion (request), golden JSON encoding (encode), export + golden writing (export), and the
model catalogue (models)."""
