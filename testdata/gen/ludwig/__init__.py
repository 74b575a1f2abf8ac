"""Minimal, faithful copies of the parts of Ludwig v0.8.6 that end up inside a TorchScript export.

This package is NOT Ludwig. It exists so that the scripted modules written by
testdata/generate.py carry the same qualified names as a real export
(``__torch__.ludwig.features.number_feature._NumberPreprocessing`` ...), the same
attributes and the same forward code. Everything Ludwig needs only for training
(schemas, pandas processing, encoders, metrics) is left out. Source copied from
ludwig-ai/ludwig (Apache-2.0); simplifications are marked "SIMPLIFIED".
"""
